import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server. A registry per server so tests can run several. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'mandate_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly attestations = new Counter({
    name: 'mandate_attestations_total',
    help: 'Attestations by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly svidsIssued = new Counter({
    name: 'mandate_svids_issued_total',
    help: 'SVIDs issued by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly signalsRefused = new Counter({
    name: 'mandate_signals_refused_total',
    help: 'Risk signals not kept because the signal book had no room (book_full) or their source opened its share of subjects (source_full)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  #ssf: () => Map<
    string,
    { queued: number; droppedRisk: number; droppedOther: number; coalesced: number }
  > = () => new Map();
  readonly ssfQueued = new Gauge({
    name: 'mandate_ssf_queue_sets',
    help: "SETs waiting in each SSF stream's queue",
    labelNames: ['stream'] as const,
    registers: [this.registry],
    collect: () => this.#collectSsf(),
  });
  readonly ssfDropped = new Gauge({
    name: 'mandate_ssf_queue_dropped_sets',
    help: "SETs each SSF stream's queue dropped for room since start, by kind (risk: risk-level-change; other: revocations and credential changes, only when no risk change was left)",
    labelNames: ['stream', 'kind'] as const,
    registers: [this.registry],
  });
  readonly ssfCoalesced = new Gauge({
    name: 'mandate_ssf_queue_coalesced_sets',
    help: "Risk changes each SSF stream's queue replaced with a later change of the same subject since start",
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  /** Where the SSF queue gauges read each stream's queue pressure at each scrape. */
  ssfQueues(
    read: () => Map<
      string,
      { queued: number; droppedRisk: number; droppedOther: number; coalesced: number }
    >,
  ): void {
    this.#ssf = read;
  }

  #collectSsf(): void {
    for (const g of [this.ssfQueued, this.ssfDropped, this.ssfCoalesced]) g.reset();
    for (const [stream, p] of this.#ssf()) {
      this.ssfQueued.set({ stream }, p.queued);
      this.ssfDropped.set({ stream, kind: 'risk' }, p.droppedRisk);
      this.ssfDropped.set({ stream, kind: 'other' }, p.droppedOther);
      this.ssfCoalesced.set({ stream }, p.coalesced);
    }
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mandate_' });
  }
}
