/**
 * Mandate SDK (`mandate/sdk`): the agent side (`MandateAgent`: attest, start, delegate and end
 * tasks), the tool-server side (`TokenVerifier`) and the admin client the CLI uses.
 * Depends only on the platform (`fetch`, Web Crypto) and `jose`.
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
export type { Agent, AuditVerifyResult, CreateGrantInput, Grant, RegisterAgentInput, SigningKey, Task, TaskDetail, TaskTokenInfo, TrustedIssuer, TrustRule } from './admin-client.js';
export { MandateAgent } from './agent.js';
export type { AgentEvidence, DelegateInput, MandateAgentOptions, StartTaskInput, TaskToken, ToolAccessDetail } from './agent.js';
export { attest } from './agent-client.js';
export type { AttestRequest, AttestResponse } from './agent-client.js';
export { MandateAgentError, MandateApiError } from './errors.js';
export type { MandateAgentErrorCode } from './errors.js';
export { TokenVerifier, TokenVerificationError } from './token-verifier.js';
export type { Principal, RevocationCheck, TokenVerificationReason, TokenVerifierOptions } from './token-verifier.js';
