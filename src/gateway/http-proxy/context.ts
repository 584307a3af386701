import type { Agent as HttpAgent, IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.js';
import type { ErrorCode } from '../../core/error-codes.js';
import type { CallerContext, CredentialBinding, InjectedCredential } from '../../broker/broker.js';
import type { RequestAuthenticator } from '../../protocol/authenticate.js';
import type { Allowed, Authenticated, Incoming, ToolTarget } from '../core/call.js';
import type { Authentication, CoreDeps } from '../core/ports.js';
import type { ServiceConfig } from './config.js';
import type { Outcome, ProxyMetrics } from './metrics.js';
import type { BucketLimit, TokenBuckets } from './rate-limit.js';
import type { RequestTarget } from './request-target.js';
import type { RouteTemplate } from './template.js';

/**
 * The contexts of one proxied request as it goes through the steps (./pipeline.ts), growing from
 * the request as it arrived to the forwarded one: the enforcement core's (../core/call.ts) plus
 * what the proxy needs to check and forward a plain HTTP request.
 */

export interface CompiledRoute {
  method: string;
  template: RouteTemplate;
  tool: string;
  /** `<service>/<tool>`. */
  toolId: string;
  /** `GET /items/{id}`: the route's label in metrics and messages. */
  label: string;
}

/** A configured service, ready to serve. */
export interface ProxyService {
  name: string;
  config: ServiceConfig;
  /** The token audience: `<issuer>/proxy/<name>`. */
  resource: string;
  metadataUrl: string;
  upstream: URL;
  routes: CompiledRoute[];
  /** Authenticates requests for this service's resource (audience, revocation, DPoP). */
  auth: RequestAuthenticator;
  agent: HttpAgent;
  timeoutMs: number;
  maxJsonBytes: number;
  rateLimit: BucketLimit | undefined;
}

/** A request to a service, as it arrived. */
export interface ProxyRequest extends Incoming {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  readonly service: ProxyService;
}

/** Authenticated, and its path matched to one of the service's allowed routes. */
export interface Matched extends ProxyRequest, Authenticated {
  readonly requestId: string;
  readonly target: RequestTarget;
  readonly route: CompiledRoute;
  readonly params: Record<string, string>;
  readonly tool: ToolTarget;
}

/** With the body read when it is JSON or a form: its bytes (forwarded as they came) and, for JSON, its value (for the decision). */
export interface Read extends Matched {
  readonly json: { readonly bytes: Buffer; readonly value: unknown } | undefined;
}

/** Allowed, with what the upstream gets besides the agent's own request. */
export interface Injected extends Read, Allowed {
  readonly requestId: string;
  readonly injected: { headers: Record<string, string>; query: Record<string, string> };
}

/** Forwarded: the upstream answered (its body may still have been cut short). */
export interface Forwarded extends Injected {
  readonly upstreamStatus: number;
}

/** A request refused before (or instead of) reaching the upstream: answered as problem+json. */
export interface Refusal {
  /** Never set: what tells a proxy refusal from the enforcement core's (../core/outcome.ts), which all have a `kind`. */
  readonly kind?: undefined;
  /** Stable problem `code`; its status and title are the error registry's (src/core/error-codes.ts). */
  code: ErrorCode;
  /** One lowercase line. */
  detail: string;
  outcome: Outcome;
  /** The `mandate_proxy_denied_total` reason, when it counts as a denial. */
  reason?: string;
  headers?: Record<string, string>;
  /** More problem members (decision id, approval, allowed routes). */
  extra?: Record<string, unknown>;
}

/** The pino subset the proxy logs through (the request's logger). */
export interface ProxyLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The credential broker (src/broker/broker.ts) as the proxy uses it. */
export interface BrokerPort {
  credentialFor(
    service: string,
    binding: CredentialBinding,
    caller: CallerContext,
  ): Promise<InjectedCredential>;
  identityAssertion(audience: string, caller: CallerContext): Promise<string>;
}

export interface ProxyDeps extends CoreDeps {
  /** Mandate's public base URL: a DPoP proof's `htu` is `<issuer>/proxy/<service>/...`. */
  issuer: string;
  clock: Clock;
  /** The request's task token for its service (./steps/authenticate.ts), revocation left to the next step. */
  authenticate(call: ProxyRequest): Promise<Authentication>;
  broker: BrokerPort | undefined;
  buckets: TokenBuckets;
  metrics: ProxyMetrics | undefined;
  log: ProxyLog;
}
