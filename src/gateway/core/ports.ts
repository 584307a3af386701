import type { ApprovalService } from '../../delegation/approvals.js';
import type { AuthorizeInput, AuthorizeResult } from '../../policy/decision-service.js';
import type { Authentication } from '../../protocol/authenticate.js';
import type { Principal } from '../task-token-verifier.js';

/**
 * What the enforcement core needs of the rest of Mandate. Each is read at the call, so a service
 * attached after the front was built (approvals) is used from then on.
 */

/**
 * The request authenticator of a front (src/protocol/authenticate.ts, one for every enforcement
 * point): the task token for the resource the request was sent to (scheme, signature, audience,
 * expiry, DPoP proof). Its verifier leaves revocation to the core's next step.
 */
export type { Authentication };

/** The decision service (src/policy/decision-service.ts): decided, recorded in the task's session, audited. */
export interface DecisionPort {
  authorize(input: AuthorizeInput): Promise<AuthorizeResult>;
}

/** The approvals service (src/delegation/approvals.ts): `request` asks for one, `consume` spends one bound to exactly this call. */
export type ApprovalPort = Pick<ApprovalService, 'request' | 'consume'>;

/** The pino subset the core logs through. */
export interface CoreLog {
  error(obj: object, msg: string): void;
}

export interface CoreDeps {
  decisions(): DecisionPort;
  approvals(): ApprovalPort | undefined;
  /** A reason when the token (or its task, an agent on its chain, its grant, an ancestor token) is revoked, else null. */
  revoked(p: Principal): string | null;
  readonly log: CoreLog;
}
