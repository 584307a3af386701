import type { Agent as HttpAgent, IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.js';
import type { ErrorCode } from '../../core/error-codes.js';
import type { ApprovalService } from '../../delegation/approvals.js';
import type { CallerContext, CredentialBinding, InjectedCredential } from '../../broker/broker.js';
import type { AuthorizeInput, AuthorizeResult } from '../../policy/decision-service.js';
import type { RequestAuthenticator } from '../../protocol/authenticate.js';
import type { Principal } from '../task-token-verifier.js';
import type { ServiceConfig } from './config.js';
import type { Outcome, ProxyMetrics } from './metrics.js';
import type { BucketLimit, TokenBuckets } from './rate-limit.js';
import type { RequestTarget } from './request-target.js';
import type { RouteTemplate } from './template.js';

/**
 * The state of one proxied request as it goes through the steps (./pipeline.ts). Each step reads
 * what the steps before it set and either lets the request go on or refuses it.
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

export interface ProxyCall {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
  service: ProxyService;
  /** Set by `authenticate`. */
  principal?: Principal;
  /** Set by `match`. */
  target?: RequestTarget;
  route?: CompiledRoute;
  params?: Record<string, string>;
  /** Set by `body` for a JSON body or a url-encoded form: its bytes (forwarded as they came) and, for JSON, its value (for the decision). */
  json?: { bytes: Buffer; value: unknown };
  /** Set by `decide`: what the decision point and the approval are bound to. */
  arguments?: Record<string, unknown>;
  decision?: AuthorizeResult;
  /** Set by `inject`. */
  injected?: { headers: Record<string, string>; query: Record<string, string> };
  /** Set by `forward` once the upstream answered. */
  upstreamStatus?: number;
  outcome?: Outcome;
}

/** A request refused before (or instead of) reaching the upstream: answered as problem+json. */
export interface Refusal {
  /** Stable problem `code`; its status and title are the registry's (src/core/error-codes.ts). */
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

export type StepOutcome = { refuse: Refusal } | undefined;

/** The pino subset the proxy logs through (the request's logger). */
export interface ProxyLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The approvals service (src/delegation/approvals.ts) as the proxy uses it. */
export type ApprovalPort = Pick<ApprovalService, 'request' | 'consume'>;

/** The credential broker (src/broker/broker.ts) as the proxy uses it. */
export interface BrokerPort {
  credentialFor(
    service: string,
    binding: CredentialBinding,
    caller: CallerContext,
  ): Promise<InjectedCredential>;
  identityAssertion(audience: string, caller: CallerContext): Promise<string>;
}

export interface ProxyDeps {
  /** Mandate's public base URL: a DPoP proof's `htu` is `<issuer>/proxy/<service>/...`. */
  issuer: string;
  clock: Clock;
  decisions: { authorize(input: AuthorizeInput): Promise<AuthorizeResult> };
  approvals: ApprovalPort | undefined;
  broker: BrokerPort | undefined;
  /** A reason when the token (or its task, agent, grant, an ancestor) is revoked, else null. */
  revoked(p: Principal): string | null;
  buckets: TokenBuckets;
  metrics: ProxyMetrics | undefined;
  log: ProxyLog;
}

export type Step = (call: ProxyCall, deps: ProxyDeps) => Promise<StepOutcome>;
