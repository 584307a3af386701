import { CAEP_EVENT_TYPES, SSF_DELIVERY, type SsfStream } from '../../../sdk/admin-ssf.js';
import { CliError } from '../../common.js';

const SHORT = Object.keys(CAEP_EVENT_TYPES) as (keyof typeof CAEP_EVENT_TYPES)[];

/** `--events`: comma-separated CAEP short names (session-revoked, …) or full event type URIs. */
export function parseEventTypes(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0)
    throw new CliError(
      `--events needs at least one event type: ${SHORT.join(', ')}, or a full uri`,
      2,
    );
  return names.map((n) => {
    if (n in CAEP_EVENT_TYPES) return CAEP_EVENT_TYPES[n as keyof typeof CAEP_EVENT_TYPES];
    if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(n)) return n;
    throw new CliError(`unknown event type \`${n}\`: use ${SHORT.join(', ')}, or a full uri`, 2);
  });
}

/** Every event type Mandate sends: what a stream asks for when --events is left out. */
export const ALL_EVENT_TYPES: string[] = Object.values(CAEP_EVENT_TYPES);

/** An event type URI by its short name when it has one. */
export function shortName(uri: string): string {
  return SHORT.find((s) => CAEP_EVENT_TYPES[s] === uri) ?? uri;
}

export const eventsText = (types: string[]): string =>
  types.map(shortName).join(', ') || 'none (only verification events)';

export function deliveryText(s: Pick<SsfStream, 'delivery'>): string {
  if (s.delivery.method === SSF_DELIVERY.push) return `push to ${s.delivery.endpoint_url}`;
  if (s.delivery.method === SSF_DELIVERY.poll) return `poll at ${s.delivery.endpoint_url}`;
  return `${s.delivery.method} ${s.delivery.endpoint_url}`;
}

export const audText = (aud: string | string[]): string =>
  Array.isArray(aud) ? aud.join(' ') : aud;

/** Where to look when a stream id is unknown. */
export const STREAM_LIST_HINT = 'see `mandate ssf stream list`';
