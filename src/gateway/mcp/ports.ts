import type {
  CallerContext,
  CredentialBinding,
  CredentialBroker,
  InjectedCredential,
} from '../../broker/broker.js';
import type { ApprovalService } from '../../delegation/approvals.js';
import type {
  AuthorizeInput,
  AuthorizeResult,
  ServerActionInput,
} from '../../policy/decision-service.js';
import type { McpToolDescription, ToolAnnotation, ToolCatalog } from '../../policy/tool-catalog.js';

/**
 * What the gateway needs of the rest of Mandate, named by the gateway so that it can be built
 * against services that land separately (the approvals service, the credential broker, the
 * catalog service). Mandate's composition passes itself; each is read at the call, so a service
 * attached later is used from then on.
 */

/** The decision service (src/policy/decision-service.ts) as the gateway uses it. */
export interface DecisionPort {
  authorize(input: AuthorizeInput): Promise<AuthorizeResult>;
  /** What `authorize` would answer now, recording nothing (neither session nor audit): filters tools/list. */
  preview(input: AuthorizeInput): Promise<Omit<AuthorizeResult, 'decisionId'>>;
  /** `read_resource` / `get_prompt`, recorded and audited like a tool call. */
  authorizeServerAction(input: ServerActionInput): Promise<AuthorizeResult>;
  readonly catalog: Pick<ToolCatalog, 'upsertServerTools' | 'get'>;
}

/** The persisted, audited tool catalog (src/policy/catalog-service.ts). */
export interface CatalogPort {
  sync(
    server: string,
    tools: readonly McpToolDescription[],
    opts?: {
      annotations?: Record<string, ToolAnnotation>;
      actor?: string;
      requestId?: string | null;
    },
  ): Promise<unknown>;
}

/** The approvals service (src/delegation/approvals.ts): `request` asks for one, `consume` spends one bound to exactly this call. */
export type ApprovalPort = Pick<ApprovalService, 'request' | 'consume'>;

/** The credential broker (src/broker/broker.ts): upstream credentials and identity assertions for a caller. */
export type BrokerPort = Pick<CredentialBroker, 'credentialFor' | 'identityAssertion'>;
export type { CallerContext, CredentialBinding, InjectedCredential };

/** The pino subset the gateway logs through (Fastify's logger in `mandate serve`). */
export interface GatewayLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export const silentLog: GatewayLog = { info() {}, warn() {}, error() {}, debug() {} };
