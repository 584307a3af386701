import {
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { ActClaim } from '../delegation/chain.js';
import type { ToolAccessDetail } from '../delegation/authorization-details.js';
import type { ActiveKey, KeyManager } from '../identity/keys/key-manager.js';

/**
 * How far past `exp` (or before `iat`) Mandate's own verifiers accept its task tokens: the
 * gateway, the proxy, the decision endpoints, introspection, token exchange and task end. They
 * run on Mandate's clock or a peer instance's (NTP-synchronised), so a few seconds cover the
 * skew, where the SDK's default 30 s would keep a token alive that long past its grant's or
 * task's expiry.
 */
export const LOCAL_CLOCK_TOLERANCE_SECONDS = 5;

/** RFC 9068 §2.1 header type of Mandate's task tokens. */
export const TASK_TOKEN_TYP = 'at+jwt';

/** Every claim of a task token (docs/tokens.md). */
export interface TaskTokenClaims extends JWTPayload {
  iss: string;
  /** The agent the task is for, or the human for on-behalf-of tasks. */
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  /** The agent the token was issued to (RFC 9068 §2.2). */
  client_id: string;
  /** Space-separated granted scopes. */
  scope: string;
  authorization_details?: ToolAccessDetail[];
  /** RFC 8693 §4.1: the current actor, nesting earlier ones. */
  act?: ActClaim;
  task_id: string;
  /** 0 for a task's root token, +1 per delegation hop. */
  depth: number;
  /** The smallest delegation depth limit on the chain. */
  max_depth: number;
  /** jti of every ancestor token, root first (length = depth). */
  ancestors: string[];
  /** RFC 9449 §6.1 DPoP binding. */
  cnf?: { jkt: string };
  /** The human's delegation grant, for on-behalf-of tokens. */
  grant_id?: string;
}

export async function signTaskToken(key: ActiveKey, claims: TaskTokenClaims): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TASK_TOKEN_TYP })
    .sign(key.privateKey);
}

/**
 * Verifies a task token this server issued, for its own endpoints (token exchange,
 * introspection, revocation, task end): signature by a published `token` key, `typ`, issuer,
 * time. Audience is not checked: the server is not the token's audience but its issuer.
 * Revocation is the caller's next step.
 */
export class OwnTokenVerifier {
  private cache:
    | {
        jwks: JSONWebKeySet;
        getKey: ReturnType<typeof createLocalJWKSet>;
        kids: Set<string>;
        at: number;
      }
    | undefined;

  constructor(
    private readonly keys: KeyManager,
    private readonly clock: Clock,
    private readonly issuer: string,
    private readonly clockToleranceSeconds = LOCAL_CLOCK_TOLERANCE_SECONDS,
  ) {}

  /** Throws `invalid_token` with a `reason`; never echoes the token. */
  async verify(token: string): Promise<TaskTokenClaims> {
    const fail = (message: string, reason: string): never => {
      throw new MandateError('invalid_token', message, { reason });
    };
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384)
      fail('token is missing or too long', 'malformed');
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return fail('token is not a JWT', 'malformed');
    }
    if (typeof header.typ !== 'string' || !/^(application\/)?at\+jwt$/i.test(header.typ))
      fail('token is not a task token (typ must be at+jwt)', 'wrong_type');
    const { jwks, getKey } = await this.keySet(header.kid);
    try {
      const { payload } = await jwtVerify(token, getKey, {
        algorithms: [...new Set(jwks.keys.map((k) => k.alg!))],
        issuer: this.issuer,
        currentDate: new Date(this.clock.now()),
        clockTolerance: this.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'aud'],
      });
      const c = payload as TaskTokenClaims;
      if (
        typeof c.task_id !== 'string' ||
        !Number.isInteger(c.depth) ||
        !Array.isArray(c.ancestors) ||
        c.ancestors.length !== c.depth ||
        typeof c.client_id !== 'string'
      ) {
        fail('token lacks a consistent task chain', 'bad_chain');
      }
      return c;
    } catch (err) {
      if (err instanceof MandateError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') return fail('token has expired', 'expired');
      if (code === 'ERR_JOSE_ALG_NOT_ALLOWED')
        return fail('token uses an algorithm this server does not sign with', 'alg_not_allowed');
      if (code === 'ERR_JWKS_NO_MATCHING_KEY')
        return fail('token is signed with an unknown key', 'unknown_kid');
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
        return fail('token has an invalid signature', 'bad_signature');
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED')
        return fail(
          `token has an invalid \`${(err as { claim?: string }).claim}\` claim`,
          'invalid_claim',
        );
      return fail('token cannot be verified', 'malformed');
    }
  }

  /** The published token keys, cached briefly and reloaded when an unknown `kid` shows up. */
  private async keySet(
    kid: string | undefined,
  ): Promise<{ jwks: JSONWebKeySet; getKey: ReturnType<typeof createLocalJWKSet> }> {
    const now = this.clock.now();
    if (this.cache && now - this.cache.at < 10_000 && (!kid || this.cache.kids.has(kid)))
      return this.cache;
    const published = await this.keys.published('token');
    const jwks = { keys: published.map((k) => ({ ...k.jwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
    this.cache = {
      jwks,
      getKey: createLocalJWKSet(jwks),
      kids: new Set(published.map((k) => k.kid)),
      at: now,
    };
    return this.cache;
  }
}
