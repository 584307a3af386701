import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../../core/clock.js';
import { ipNetwork, type Network } from '../../core/network.js';
import { isAllowed, type AllowList, type Destination, type DestinationRules } from './classify.js';

/**
 * Resolving destination names at decision time (the `resolveDestinations` setting, off by
 * default). A public name a call connects to is looked up, and its network becomes the most
 * internal one among its addresses, so `mandate.deny-internal-network` sees a name that points
 * at cloud metadata or a private network. Resolution only ever adds restrictions: a name stays
 * external (the tool may resolve it again and get another answer: DNS rebinding), and a name
 * that does not resolve in time is `unknown`, not public. docs/policy.md, "Destinations", and
 * decision 0005 say what this cannot close.
 */

/** Every address a name resolves to (IPv4 and IPv6), or a rejection when it resolves to none. */
export type HostLookup = (name: string) => Promise<readonly string[]>;

/** The system resolver, as a tool on this host would use it: `/etc/hosts`, search domains, A and AAAA. */
export const systemLookup: HostLookup = async (name) =>
  (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** Starts a timer that calls `fire` after `ms`; returns what cancels it. */
export type Timer = (ms: number, fire: () => void) => () => void;

const realTimer: Timer = (ms, fire) => {
  const t = setTimeout(fire, ms);
  t.unref(); // a hung lookup must not keep the process alive
  return () => clearTimeout(t);
};

export interface DestinationResolverOptions {
  /** Default: the system resolver (`dns.lookup` with `all` and `verbatim`). */
  lookup?: HostLookup;
  /** The cache's time; default the system clock. */
  clock?: Clock;
  /** How long one lookup may take before the name counts as unresolved. Default 2,000 ms. */
  timeoutMs?: number;
  /** How long an answer (or a failure) is reused. Default 30,000 ms. */
  ttlMs?: number;
  /** Names whose answers are kept; the oldest leaves beyond. Default 10,000. */
  maxEntries?: number;
  /** Default: `setTimeout`, unref'd. Injected so tests fire the timeout by hand. */
  timer?: Timer;
}

// Most internal first: what a name is placed in when its addresses lie in several networks.
const INWARD: readonly Network[] = [
  'loopback',
  'unspecified',
  'link_local',
  'private',
  'multicast',
];

/**
 * A destination placed by the addresses its name resolves to (`null`: it did not resolve).
 * Unresolved: `unknown`, not allowed. Resolved: the most internal network among the addresses,
 * allowed when every internal address is in `allowedInternalDestinations`. `external` never
 * changes, so a name outside the operator's own stays external for the taint rule.
 *
 * @example placeByAddresses({ host: 'x.example', external: true, network: 'public', allowed: false }, ['169.254.169.254'], allow)
 *   // { host: 'x.example', external: true, network: 'link_local', allowed: false }
 */
export function placeByAddresses(
  d: Destination,
  addresses: readonly string[] | null,
  allow: AllowList,
): Destination {
  if (addresses === null || addresses.length === 0)
    return { ...d, network: 'unknown', allowed: false };
  const inside = addresses.filter((a) => ipNetwork(a) !== 'public');
  if (inside.length === 0) return d;
  const networks = new Set(inside.map((a) => ipNetwork(a)));
  const network = INWARD.find((n) => networks.has(n)) ?? 'private';
  return { ...d, network, allowed: inside.every((a) => isAllowed(a, allow)) };
}

/** Looks names up with a timeout, through a bounded TTL cache; concurrent lookups of a name share one. */
export class DestinationResolver {
  readonly #lookup: HostLookup;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #ttlMs: number;
  readonly #timer: Timer;
  /** Read with `peek`, so that the order is the answers' age: the oldest leaves first. */
  readonly #cache: LRUCache<string, { at: number; answer: Promise<readonly string[] | null> }>;

  constructor(opts: DestinationResolverOptions = {}) {
    this.#lookup = opts.lookup ?? systemLookup;
    this.#clock = opts.clock ?? systemClock;
    this.#timeoutMs = opts.timeoutMs ?? 2_000;
    this.#ttlMs = opts.ttlMs ?? 30_000;
    this.#cache = new LRUCache({ max: Math.max(1, opts.maxEntries ?? 10_000) });
    this.#timer = opts.timer ?? realTimer;
  }

  /** Names whose answers are cached now. */
  get size(): number {
    return this.#cache.size;
  }

  /** The IP addresses `name` resolves to, or null when it resolves to none, fails or times out. Never rejects. */
  addresses(name: string): Promise<readonly string[] | null> {
    const now = this.#clock.now();
    const hit = this.#cache.peek(name);
    if (hit && now - hit.at < this.#ttlMs) return hit.answer;
    const answer = this.#ask(name);
    this.#cache.set(name, { at: now, answer });
    return answer;
  }

  async #ask(name: string): Promise<readonly string[] | null> {
    let cancel = (): void => undefined;
    const timedOut = new Promise<null>((resolve) => {
      cancel = this.#timer(this.#timeoutMs, () => resolve(null));
    });
    try {
      const found = await Promise.race([this.#lookup(name), timedOut]);
      // An answer that holds no address (a resolver's junk) is no answer.
      const addresses = (found ?? []).filter((a) => typeof a === 'string' && isIP(a) !== 0);
      return addresses.length > 0 ? addresses : null;
    } catch {
      return null; // NXDOMAIN, SERVFAIL, no network: the name is not placed, so it is `unknown`
    } finally {
      cancel();
    }
  }

  /**
   * The destinations with every public name in `connected` placed by its addresses. IP literals,
   * names internal by themselves, names the operator allowed (`allowedInternalDestinations`, the
   * tool's catalog destinations), `*`, `<invalid>` and mailbox domains (mail goes to the domain's
   * MX, not to its address) are left as they are and cost no lookup.
   */
  async place(
    destinations: readonly Destination[],
    connected: readonly string[],
    rules: DestinationRules,
  ): Promise<Destination[]> {
    const names = new Set(connected);
    return Promise.all(
      destinations.map(async (d) => {
        if (d.network !== 'public' || d.allowed || isIP(d.host) !== 0 || !names.has(d.host))
          return d;
        return placeByAddresses(d, await this.addresses(d.host), rules.allowed);
      }),
    );
  }
}
