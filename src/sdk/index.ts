/**
 * Mandate SDK (`mandate/sdk`): the agent side (`MandateAgent`: attest, start, delegate and end
 * tasks, `taskFetch` for MCP and HTTP tools, in-process `authorize`), the tool-server side
 * (`TokenVerifier`, `verifyRequest` with RFC 9449 DPoP, and Fastify / Express / Hono middleware)
 * and the admin client the CLI uses. Depends only on the platform (`fetch`, Web Crypto), `jose` and
 * Mandate's protocol module (src/protocol/, the RFC 9068 / RFC 9449 checks every Mandate
 * enforcement point runs); the middleware is typed structurally, so no web framework is imported.
 * See docs/sdk.md.
 *
 * @example
 * ```ts
 * import { MandateAgent } from 'mandate/sdk';
 * const agent = new MandateAgent({ url: 'http://127.0.0.1:8080' });
 * await agent.attest({ joinToken });
 * const task = await agent.startTask({ resource: 'https://gateway.example.org', scope: ['tool:github/read'] });
 * await agent.endTask(task);
 * ```
 */
export { MandateAdminClient } from './admin-client.js';
export type {
  Agent,
  AuditVerifyResult,
  CreateGrantInput,
  Grant,
  RegisterAgentInput,
  SigningKey,
  Task,
  TaskDetail,
  TaskTokenInfo,
  TrustedIssuer,
  TrustRule,
} from './admin-client.js';
export { SignalsAdmin } from './admin-signals.js';
export type {
  SendSignalInput,
  SentSignal,
  Signal,
  SignalList,
  SignalResponseName,
  SignalResponseOutcome,
} from './admin-signals.js';
export { CAEP_EVENT_TYPES, SSF_DELIVERY, SsfAdmin } from './admin-ssf.js';
export type {
  CreatedSsfStream,
  CreateSsfStreamInput,
  SsfPollInput,
  SsfPollResult,
  SsfStatus,
  SsfStream,
  SsfStreamStatus,
} from './admin-ssf.js';
export { ClientsAdmin } from './admin-clients.js';
export type { OAuthClient, RegistrationToken } from './admin-clients.js';
export { ToolsAdmin } from './admin-tools.js';
export type {
  CatalogToolInfo,
  ToolAnnotationInput,
  ToolAttributeSource,
  ToolHints,
} from './admin-tools.js';
export { EventsAdmin } from './admin-events.js';
export type { FeedMessage, WatchOptions } from './admin-events.js';
export { MandateAgent } from './agent.js';
export type {
  AgentEvidence,
  AuthorizeInput,
  Decision,
  DelegateInput,
  MandateAgentOptions,
  StartTaskInput,
  TaskFetchOptions,
  TaskToken,
  ToolAccessDetail,
} from './agent.js';
export { ToolCallDeniedError } from './self-authorize.js';
export { attest } from './agent-client.js';
export type { AttestRequest, AttestResponse } from './agent-client.js';
export { MandateAgentError, MandateApiError } from './errors.js';
export type { MandateAgentErrorCode } from './errors.js';
export { TokenVerifier } from '../protocol/token-verifier.js';
export type { RevocationCheck, TokenVerifierOptions } from '../protocol/token-verifier.js';
export type { Principal } from '../protocol/principal.js';
export { TokenVerificationError, RequestVerificationError } from '../protocol/errors.js';
export type { TokenVerificationReason, RequestVerificationCode } from '../protocol/errors.js';
export { RevocationFeed } from './revocation-feed.js';
export type {
  CredentialSource,
  RevocationFeedOptions,
  RevocationFeedStatus,
} from './revocation-feed.js';
export { RevocationSet, parseRevocationEvent, parseRevocationSnapshot } from './revocation-set.js';
export type { RevocationEvent, RevocationKind, RevocationSnapshot } from './revocation-set.js';
export { verifyRequest, authenticateChallenge } from './verify-request.js';
export type {
  HttpRequestLike,
  MandateRequestContext,
  VerifyRequestOptions,
} from './verify-request.js';
export { DPOP_ALGORITHMS } from '../protocol/jws-algorithms.js';
export { DpopReplayCache } from '../protocol/dpop/replay-cache.js';
export type { DpopReplayStore } from '../protocol/dpop/replay-cache.js';
export { RotatingDpopNonces } from '../protocol/dpop/nonce.js';
export type { DpopNonceSource } from '../protocol/dpop/nonce.js';
export { mandateExpress } from './middleware/express.js';
export type { NodeRequestLike, NodeResponseLike } from './middleware/express.js';
export { mandateFastify } from './middleware/fastify.js';
export type { FastifyReplyLike, FastifyRequestLike } from './middleware/fastify.js';
export { mandateHono } from './middleware/hono.js';
export type { HonoContextLike, MandateHonoEnv } from './middleware/hono.js';
export type { MandateMiddlewareOptions } from './middleware/options.js';
