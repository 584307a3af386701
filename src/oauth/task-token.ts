import { createLocalJWKSet, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { ActClaim } from '../delegation/chain.js';
import type { ToolAccessDetail } from '../delegation/authorization-details.js';
import type { ActiveKey, KeyManager, PublishedKey } from '../identity/keys/key-manager.js';
import { verifyAccessToken } from '../protocol/access-token.js';
import { TokenVerificationError } from '../protocol/errors.js';
import { principalOf, type Principal } from '../protocol/principal.js';

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

/** A task token this server verified: the principal, with its claims typed as Mandate signs them. */
export type VerifiedTaskToken = Principal & { claims: TaskTokenClaims };

/**
 * The trust domain's published `token` keys as a jose key resolver, read again at most every
 * 10 s and at once when an unknown `kid` shows up (a key just rotated in). A revoked key is
 * refused by the revocation check (`kid`), not by dropping it here.
 */
export function publishedKeyResolver(
  published: () => Promise<PublishedKey[]>,
  clock: Clock,
): { getKey: JWTVerifyGetKey; algorithms: () => Promise<string[]> } {
  let cache: { getKey: JWTVerifyGetKey; kids: Set<string>; algs: string[]; at: number } | undefined;
  const load = async (kid?: string) => {
    const now = clock.now();
    if (cache && now - cache.at < 10_000 && (!kid || cache.kids.has(kid))) return cache;
    const keys = await published();
    cache = {
      getKey: createLocalJWKSet({
        keys: keys.map((k) => ({ ...k.jwk, kid: k.kid, alg: k.alg, use: 'sig' })),
      }),
      kids: new Set(keys.map((k) => k.kid)),
      algs: [...new Set(keys.map((k) => k.alg))],
      at: now,
    };
    return cache;
  };
  return {
    getKey: async (header, token) => (await load(header.kid)).getKey(header, token),
    algorithms: async () => (await load()).algs,
  };
}

/**
 * Verifies a task token this server issued, for its own endpoints (token exchange,
 * introspection, revocation, task end): the protocol module's RFC 9068 checks and task-token
 * claims (src/protocol/access-token.ts, principal.ts) over the published `token` keys, with the
 * local clock tolerance. Audience is not checked: the server is not the token's audience but its
 * issuer. Revocation is the caller's next step.
 */
export class OwnTokenVerifier {
  readonly #keys: ReturnType<typeof publishedKeyResolver>;

  constructor(
    keys: KeyManager,
    private readonly clock: Clock,
    private readonly issuer: string,
    private readonly clockToleranceSeconds = LOCAL_CLOCK_TOLERANCE_SECONDS,
  ) {
    this.#keys = publishedKeyResolver(() => keys.published('token'), clock);
  }

  /** Throws `TokenVerificationError`, as every verifier of the protocol module does. */
  async principal(token: string): Promise<VerifiedTaskToken> {
    const verified = await verifyAccessToken(
      token,
      this.#keys.getKey,
      {
        issuer: this.issuer,
        audiences: null,
        algorithms: await this.#keys.algorithms(),
        toleranceSeconds: this.clockToleranceSeconds,
      },
      this.clock.now() / 1000,
    );
    return principalOf(verified, token) as VerifiedTaskToken;
  }

  /** Throws `invalid_token` with the protocol's `reason`; never echoes the token. */
  async verify(token: string): Promise<VerifiedTaskToken> {
    try {
      return await this.principal(token);
    } catch (err) {
      if (!(err instanceof TokenVerificationError)) throw err;
      throw new MandateError('invalid_token', err.message, { reason: err.reason }, { cause: err });
    }
  }
}
