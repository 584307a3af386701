import { createLocalJWKSet, createRemoteJWKSet, customFetch, type JSONWebKeySet } from 'jose';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { Store } from '../core/store/index.js';
import type { KeyManager } from '../identity/keys/key-manager.js';
import type { RevocationBus } from '../revocation/bus.js';
import { transmitRevocations } from './feed.js';
import { SsfReceiver } from './receiver.js';
import { StreamService } from './streams.js';
import { Transmitter } from './transmitter.js';

/** The Shared Signals Framework transmitter (docs/ssf.md), composed once at start. */
export interface SsfServices {
  streams: StreamService;
  transmitter: Transmitter;
  /** The receiver of one identity provider's SETs, or null when none is configured. */
  receiver: SsfReceiver | null;
  close(): void;
}

export interface SsfDeps {
  store: Store;
  clock: Clock;
  keys: KeyManager;
  bus: Pick<RevocationBus, 'subscribe'>;
  issuer: string;
  trustDomain: string;
  fetch: typeof fetch;
  queueSize: number;
  queueTtlSeconds: number;
  /** Tries per pushed SET (`ssfPushAttempts`, 21 by default); undefined: until its queue TTL would end before the next try. */
  pushAttempts: number | undefined;
  /** The identity provider whose CAEP events revoke human grants. */
  receiver?:
    | {
        issuer: string;
        audience: string;
        jwksUrl?: string | undefined;
        jwks?: JSONWebKeySet | undefined;
      }
    | undefined;
  onProblem: (message: string, details: Record<string, unknown>) => void;
}

export async function composeSsf(d: SsfDeps): Promise<SsfServices> {
  const transmitter = new Transmitter({
    issuer: d.issuer,
    clock: d.clock,
    fetch: d.fetch,
    signingKey: () => d.keys.signingKey('token'),
    queueSize: d.queueSize,
    queueTtlMs: d.queueTtlSeconds * 1000,
    redeliverMs: 30_000,
    pushAttempts: d.pushAttempts,
    pushBackoffMs: 500,
    // A receiver back from an outage hears within a minute; a long one costs one request a minute.
    pushMaxBackoffMs: 60_000,
    pushTimeoutMs: 10_000,
    onProblem: d.onProblem,
  });
  const streams = new StreamService(d.store, d.clock, transmitter, d.issuer);
  await streams.load();
  const unsubscribe = transmitRevocations(d.bus, transmitter, d.trustDomain, (err) =>
    d.onProblem('ssf event could not be published', {
      error: err instanceof Error ? err.message : 'unknown',
    }),
  );
  const r = d.receiver;
  const keys = r?.jwks
    ? createLocalJWKSet(r.jwks)
    : r?.jwksUrl
      ? createRemoteJWKSet(new URL(r.jwksUrl), { [customFetch]: d.fetch })
      : null;
  if (r && !keys)
    throw new MandateError(
      'invalid_config',
      'invalid configuration: `ssfReceiverIssuer` is set without `ssfReceiverJwksUrl` or `ssfReceiverJwks`',
      { key: 'ssfReceiverJwksUrl' },
    );
  const receiver =
    r && keys
      ? new SsfReceiver(d.store, { issuer: r.issuer, audience: r.audience, keys, clock: d.clock })
      : null;
  return {
    streams,
    transmitter,
    receiver,
    close() {
      unsubscribe();
      transmitter.close();
    },
  };
}
