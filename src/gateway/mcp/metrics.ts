import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type MetricsRegistry = Registry;

/** The gateway's Prometheus metrics, on the server's registry (GET /metrics). */
export class GatewayMetrics {
  readonly sessions: Gauge;
  readonly #calls: Counter<'outcome'>;
  readonly #duration: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.sessions = new Gauge({
      name: 'mandate_gateway_sessions',
      help: 'Downstream MCP sessions open',
      registers: [registry],
    });
    this.#calls = new Counter({
      name: 'mandate_gateway_tool_calls_total',
      help: 'tools/call through the gateway by outcome (forwarded, refused, error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'mandate_gateway_tool_call_duration_seconds',
      help: 'tools/call latency through the gateway, upstream included',
      labelNames: ['outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
  }

  toolCall(outcome: string, seconds: number): void {
    this.#calls.inc({ outcome });
    this.#duration.observe({ outcome }, seconds);
  }
}
