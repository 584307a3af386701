import { LRUCache } from 'lru-cache';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The proxy's anomaly counters, on the server's registry (GET /metrics): what a monitoring rule
 * for a legacy API watches — refusals by reason, rate limiting, upstream error classes, and an
 * agent reaching a route it never used before. Labels hold configured names only (service,
 * route template, outcome), plus the agent's SPIFFE ID on the first-seen counter, which grows
 * with registered agents, not with traffic.
 */

export type Outcome =
  | 'forwarded'
  | 'unauthenticated'
  | 'bad_request'
  | 'route_not_allowed'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'denied'
  | 'approval_required'
  | 'unavailable'
  | 'credential_unavailable'
  | 'upstream_error'
  | 'upstream_timeout';

/** Agent + service + route triples remembered for "first seen"; beyond it the oldest is forgotten (and may count again). */
const MAX_SEEN = 100_000;

export class ProxyMetrics {
  readonly #requests: Counter<'service' | 'route' | 'outcome'>;
  readonly #upstream: Counter<'service' | 'route' | 'status_class'>;
  readonly #rateLimited: Counter<'service'>;
  readonly #denied: Counter<'service' | 'reason'>;
  readonly #firstSeen: Counter<'service' | 'route' | 'agent'>;
  readonly #duration: Histogram<'service' | 'outcome'>;
  /** Read with `has`, which leaves the order alone: the oldest is forgotten first. */
  readonly #seen = new LRUCache<string, true>({ max: MAX_SEEN });

  constructor(registry: Registry) {
    const registers = [registry];
    this.#requests = new Counter({
      name: 'mandate_proxy_requests_total',
      help: 'Requests to /proxy by service, route template (`unmatched` before a match) and outcome',
      labelNames: ['service', 'route', 'outcome'] as const,
      registers,
    });
    this.#upstream = new Counter({
      name: 'mandate_proxy_upstream_responses_total',
      help: 'Upstream responses by service, route and status class (1xx-5xx)',
      labelNames: ['service', 'route', 'status_class'] as const,
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'mandate_proxy_rate_limited_total',
      help: 'Requests refused by the per-agent rate limit',
      labelNames: ['service'] as const,
      registers,
    });
    this.#denied = new Counter({
      name: 'mandate_proxy_denied_total',
      help: 'Requests refused before reaching the upstream, by reason (policy, scope, route, method, path, token, passthrough, approval)',
      labelNames: ['service', 'reason'] as const,
      registers,
    });
    this.#firstSeen = new Counter({
      name: 'mandate_proxy_route_first_seen_total',
      help: 'An agent allowed through a route it had not used before (since the process started)',
      labelNames: ['service', 'route', 'agent'] as const,
      registers,
    });
    this.#duration = new Histogram({
      name: 'mandate_proxy_request_duration_seconds',
      help: 'Time to the response headers through the proxy, upstream included',
      labelNames: ['service', 'outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
      registers,
    });
  }

  request(service: string, route: string, outcome: Outcome, seconds: number): void {
    this.#requests.inc({ service, route, outcome });
    this.#duration.observe({ service, outcome }, seconds);
  }

  upstreamStatus(service: string, route: string, status: number): void {
    this.#upstream.inc({ service, route, status_class: `${Math.trunc(status / 100)}xx` });
  }

  rateLimited(service: string): void {
    this.#rateLimited.inc({ service });
  }

  denied(service: string, reason: string): void {
    this.#denied.inc({ service, reason });
  }

  /** Counts the first time `agent` is let through `route` of `service`; true when it was new. */
  allowed(service: string, route: string, agent: string): boolean {
    const key = `${service}\n${route}\n${agent}`;
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, true);
    this.#firstSeen.inc({ service, route, agent });
    return true;
  }
}
