/**
 * Mandate SDK (`mandate/sdk`): agent side (attestation) and the admin client the CLI uses.
 * Depends only on the platform (`fetch`).
 */
export { MandateAdminClient } from './admin-client.js';
export type { Agent, AuditVerifyResult, RegisterAgentInput, SigningKey, TrustedIssuer } from './admin-client.js';
export { attest } from './agent-client.js';
export type { AttestRequest, AttestResponse } from './agent-client.js';
export { MandateApiError } from './errors.js';
export { TokenVerifier, TokenVerificationError } from './token-verifier.js';
export type { Principal, RevocationCheck, TokenVerificationReason, TokenVerifierOptions } from './token-verifier.js';
