import type { RevocationBus } from '../revocation/bus.js';
import { caepEventOf } from './caep.js';
import type { Transmitter } from './transmitter.js';

/**
 * Follows the revocation feed after commit: each revocation event becomes its CAEP event on every
 * stream that asked for it. The listener only starts the signing and queueing, so the bus (and the
 * revocation path waiting on it) never waits for a receiver. Returns the unsubscribe function.
 */
export function transmitRevocations(
  bus: Pick<RevocationBus, 'subscribe'>,
  transmitter: Transmitter,
  trustDomain: string,
  onError: (err: unknown) => void,
): () => void {
  return bus.subscribe((m) => {
    if (m.type !== 'revocation') return;
    const event = caepEventOf(m.event, trustDomain);
    if (event) transmitter.publish(event).catch(onError);
  });
}
