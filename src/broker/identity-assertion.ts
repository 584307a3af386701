import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { MandateError } from '../core/errors.js';
import type { ActClaim } from '../delegation/chain.js';
import type { ActiveKey } from '../identity/keys/key-manager.js';
import type { CallerContext } from './credential.js';

/**
 * Identity context propagation (issue 5, item 4): a short-lived JWT, signed by the trust
 * domain's `token` key, telling an upstream who is calling — the subject, the acting agent, the
 * delegation chain and the task — so the layer behind the enforcement point keeps the identity
 * context. It is not an access token: its `typ` is `mandate-id+jwt`, which Mandate's own
 * verifiers (task tokens: `at+jwt`; JWT-SVIDs: `JWT`/`JOSE`, other keys) refuse.
 */

export const IDENTITY_ASSERTION_TYP = 'mandate-id+jwt';
/** The request header the gateway puts the assertion in. */
export const IDENTITY_ASSERTION_HEADER = 'mandate-identity';
/** Default and upper bound of an assertion's lifetime. */
export const IDENTITY_ASSERTION_TTL_SECONDS = 60;

export interface IdentityAssertionClaims extends JWTPayload {
  iss: string;
  /** The upstream it is for. */
  aud: string;
  /** The task token's `sub`: the human for on-behalf-of, else the agent. */
  sub: string;
  /** RFC 8693 §4.1: the current actor, nesting earlier ones (as the task token carries it). */
  act?: ActClaim;
  /** The acting agent's SPIFFE ID. */
  client_id: string;
  task_id: string;
  grant_id?: string;
  /** RFC 8417 §2.2 transaction identifier: the enforcement point's request id. */
  txn?: string;
  iat: number;
  exp: number;
  jti: string;
}

/** RFC 8693 §4.1 nesting of actors given outermost (current) first. */
export function actClaim(actors: readonly string[]): ActClaim | undefined {
  let act: ActClaim | undefined;
  for (let i = actors.length - 1; i >= 0; i--)
    act = act === undefined ? { sub: actors[i]! } : { sub: actors[i]!, act };
  return act;
}

/**
 * The claims for `caller` at `now` (epoch seconds): `exp` = min(now + ttl, the caller's token
 * expiry). Throws `credential_unavailable` when the caller's token has expired.
 */
export function identityAssertionClaims(
  issuer: string,
  audience: string,
  caller: CallerContext,
  now: number,
  ttlSeconds = IDENTITY_ASSERTION_TTL_SECONDS,
): IdentityAssertionClaims {
  if (typeof audience !== 'string' || audience.length === 0 || audience.length > 2048) {
    throw new MandateError(
      'invalid_config',
      'an identity assertion needs an audience of 1-2048 characters',
    );
  }
  if (!caller.agent || !caller.subject || !caller.taskId || !Number.isFinite(caller.tokenExp)) {
    throw new MandateError(
      'invalid_request',
      'the caller context lacks agent, subject, task id or token expiry',
    );
  }
  const exp = Math.min(now + ttlSeconds, Math.floor(caller.tokenExp));
  // INVARIANT: nothing Mandate mints for a caller outlives the caller's own token.
  if (exp <= now)
    throw new MandateError('credential_unavailable', "the caller's task token has expired", {
      reason: 'caller_token_expired',
    });
  const act = actClaim(caller.actors);
  return {
    iss: issuer,
    aud: audience,
    sub: caller.subject,
    ...(act ? { act } : {}),
    client_id: caller.agent,
    task_id: caller.taskId,
    ...(caller.grantId ? { grant_id: caller.grantId } : {}),
    ...(caller.requestId ? { txn: caller.requestId } : {}),
    iat: now,
    exp,
    jti: randomUUID(),
  };
}

export function signIdentityAssertion(
  key: ActiveKey,
  claims: IdentityAssertionClaims,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: IDENTITY_ASSERTION_TYP })
    .sign(key.privateKey);
}
