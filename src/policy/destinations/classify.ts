import { BlockList, isIP } from 'node:net';
import { MandateError } from '../../core/errors.js';
import { normalizeHost } from '../../core/host.js';
import { carriedIpv4, ipNetwork, type Network } from '../../core/network.js';

/**
 * Where a destination lies: the network of `context.destination.network`, whether it is external
 * (outside the operator's own names and networks), and whether the operator allowed calls to
 * reach it although it is internal. Nothing here resolves DNS: a public name that resolves to an
 * internal address is `public` here; with `resolveDestinations` on, destinations/resolve.ts then
 * places it by its addresses (docs/policy.md, "Destinations", says what that leaves open).
 */

/** A host a call reaches, as Cedar sees it. */
export interface Destination {
  readonly host: string;
  /** Outside the operator's own names and networks: `public`, `unknown` (fails closed), or a public name resolved inside. */
  readonly external: boolean;
  readonly network: Network;
  /** Listed in `allowedInternalDestinations` or in the tool's own catalog destinations. */
  readonly allowed: boolean;
}

/** How a host was named: an email domain names a mailbox, not a host the tool connects to. */
export type Via = 'url' | 'host' | 'email';

/** The destination given for a value that should name a host but does not. */
export const INVALID_HOST = '<invalid>';
/** The destination of a tool that may reach any host (`*`) when its arguments named none. */
export const ANY_HOST = '*';

// Special-use and de-facto private suffixes that no public resolver answers for (RFC 6761, RFC 8375, ICANN's .internal),
// the names ICANN withholds for name collision (.corp, .home), and what search domains complete
// inside clusters and home networks: Kubernetes services (`svc`, `svc.cluster.local` under `local`;
// `kubernetes.default` under `default`), `lan`, `intranet`, `private`. None is a delegated TLD.
const INTERNAL_SUFFIXES = [
  'internal',
  'local',
  'localdomain',
  'home.arpa',
  'lan',
  'intranet',
  'svc',
  'corp',
  'home',
  'private',
  'default',
];

/** What the operator configured, compiled once. */
export interface DestinationRules {
  /** Names internal by themselves, each with its subdomains (the trust domain is one). */
  readonly internalDomains: readonly string[];
  readonly allowed: AllowList;
}

/** Hosts, `*.domain` wildcards and CIDRs, matched against a destination. */
export interface AllowList {
  readonly names: readonly string[];
  readonly suffixes: readonly string[];
  readonly addresses: BlockList;
}

/**
 * Compiles `allowedInternalDestinations` entries: a host name (`db.internal`), `*.domain` (its
 * subdomains), an IP address or a CIDR (`10.1.0.0/16`, `fd00::/8`). Throws `invalid_request`
 * naming the first entry that is none of these.
 *
 * @example compileAllowList(['10.0.0.0/8', '*.corp.example'])
 */
export function compileAllowList(entries: readonly string[]): AllowList {
  const names: string[] = [];
  const suffixes: string[] = [];
  const addresses = new BlockList();
  for (const entry of entries) {
    const e = entry.trim();
    const cidr = /^(.+)\/(\d{1,3})$/u.exec(e);
    const family = cidr ? isIP(cidr[1]!) : isIP(e);
    if (cidr && family !== 0 && Number(cidr[2]) <= (family === 4 ? 32 : 128))
      addresses.addSubnet(cidr[1]!, Number(cidr[2]), family === 4 ? 'ipv4' : 'ipv6');
    else if (!cidr && family !== 0) addresses.addAddress(e, family === 4 ? 'ipv4' : 'ipv6');
    else {
      const wildcard = e.startsWith('*.');
      const host = cidr ? undefined : normalizeHost(wildcard ? e.slice(2) : e);
      if (host === undefined || isIP(host) !== 0)
        throw new MandateError(
          'invalid_request',
          `allowed internal destination \`${entry.slice(0, 80)}\` must be a host name, \`*.domain\`, an ip address or a cidr`,
        );
      (wildcard ? suffixes : names).push(host);
    }
  }
  return { names, suffixes, addresses };
}

/** Rules from settings: the trust domain and `internalDomains` are internal; `allowedInternalDestinations` allowed. */
export function destinationRules(
  internalDomains: readonly string[],
  allowedInternalDestinations: readonly string[] = [],
): DestinationRules {
  const domains = internalDomains
    .map((d) => normalizeHost(d.trim().replace(/^\*?\./u, '')) ?? '')
    .filter((d) => d !== '');
  return { internalDomains: domains, allowed: compileAllowList(allowedInternalDestinations) };
}

const under = (host: string, domain: string): boolean =>
  host === domain || host.endsWith(`.${domain}`);

function addressAllowed(ip: string, list: BlockList): boolean {
  const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  if (list.check(ip.replace(/%.*$/su, ''), family)) return true;
  const carried = family === 'ipv6' ? carriedIpv4(ip) : undefined;
  return carried !== undefined && list.check(carried, 'ipv4');
}

/** True when `host` (normal form) is in `list`. */
export function isAllowed(host: string, list: AllowList): boolean {
  if (isIP(host) !== 0) return addressAllowed(host, list.addresses);
  return list.names.includes(host) || list.suffixes.some((s) => host.endsWith(`.${s}`));
}

/** The network of a host in normal form (names: by the rules above; `<invalid>` and `*`: `unknown`). */
export function networkOf(host: string, internalDomains: readonly string[]): Network {
  if (host === INVALID_HOST || host === ANY_HOST || host === '') return 'unknown';
  const ip = ipNetwork(host);
  if (ip) return ip;
  if (under(host, 'localhost')) return 'loopback';
  // A single label (`metadata`, `db`) is completed by the resolver's search domains: an internal name.
  if (!host.includes('.')) return 'internal';
  if (INTERNAL_SUFFIXES.some((s) => host.endsWith(`.${s}`))) return 'internal';
  return internalDomains.some((d) => under(host, d)) ? 'internal' : 'public';
}

/** True when a tool's catalog destinations (`host`, `*.domain`; `*` names nothing) list `host`. */
function inToolDestinations(host: string, toolDestinations: readonly string[]): boolean {
  return toolDestinations.some(
    (d) => d !== ANY_HOST && (d.startsWith('*.') ? host.endsWith(d.slice(1)) : d === host),
  );
}

/**
 * The destination a host is. Allowed: listed in `allowedInternalDestinations`, or named (not by
 * `*`) in the tool's catalog destinations, or an internal name in an email address (the mail
 * system delivers to a mailbox there; an address at an IP literal or `localhost` is not allowed).
 *
 * @example classify('169.254.169.254', 'url', rules) // { host, external: false, network: 'link_local', allowed: false }
 */
export function classify(
  host: string,
  via: Via,
  rules: DestinationRules,
  toolDestinations: readonly string[] = [],
): Destination {
  const network = networkOf(host, rules.internalDomains);
  const external = network === 'public' || network === 'unknown';
  const allowed =
    network !== 'unknown' &&
    (isAllowed(host, rules.allowed) ||
      inToolDestinations(host, toolDestinations) ||
      (via === 'email' && network === 'internal'));
  return { host, external, network, allowed };
}

/** How external a destination is for `mostExternal`: lower is more. */
function rank(d: Destination): number {
  if (d.network === 'public') return 0;
  if (d.host === ANY_HOST) return 3;
  // `unknown`, or a public name that DNS placed inside (destinations/resolve.ts): still external.
  return d.external ? 1 : 2;
}

/**
 * The destination `context.destination` shows: the most external one (public, then an unreadable
 * one or a public name resolved inside, then the internal kinds; first seen among equals), or null.
 */
export function mostExternal(destinations: readonly Destination[]): Destination | null {
  let best: Destination | null = null;
  for (const d of destinations) if (best === null || rank(d) < rank(best)) best = d;
  return best;
}
