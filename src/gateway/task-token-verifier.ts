import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../core/clock.js';
import type { PublishedKey } from '../identity/keys/key-manager.js';
import { LOCAL_CLOCK_TOLERANCE_SECONDS } from '../oauth/task-token.js';
import type { RevocableToken } from '../revocation/registry.js';
import { TokenVerificationError, TokenVerifier, type Principal } from '../sdk/token-verifier.js';

export { TokenVerificationError, type Principal } from '../sdk/token-verifier.js';
export { LOCAL_CLOCK_TOLERANCE_SECONDS } from '../oauth/task-token.js';

/**
 * The SDK `TokenVerifier` as Mandate itself runs it for its decision endpoints: keys are the
 * trust domain's published `token` keys (read locally, no JWKS fetch), revocation is Mandate's
 * registry, and there is one verifier per audience, the resource the calling enforcement point
 * protects (a token is never accepted for an audience the caller did not name).
 */

export interface LocalVerifierDeps {
  issuer: string;
  clock: Clock;
  publishedKeys: () => Promise<PublishedKey[]>;
  /** A reason when revoked, else null (RevocationRegistry.check). */
  revoked: (t: RevocableToken) => string | null;
}

const MAX_AUDIENCES = 64;

/** The principal's revocation facts: its token, task, ancestors, agents on the chain, grant, issue time and signing key. */
export function revocableOf(p: Principal): RevocableToken {
  return {
    jti: p.jti,
    task_id: p.taskId,
    ancestors: p.ancestors,
    agents: [...(p.grantId ? [] : [p.subject]), ...p.actors],
    grant_id: p.grantId ?? undefined,
    iat: p.issuedAt,
    kid: p.keyId ?? undefined,
  };
}

export class LocalTaskTokenVerifiers {
  readonly #deps: LocalVerifierDeps;
  readonly #byAudience = new Map<string, TokenVerifier>();
  readonly #keys: JWTVerifyGetKey;

  constructor(deps: LocalVerifierDeps) {
    this.#deps = deps;
    this.#keys = async (header, token) => {
      const keys = await deps.publishedKeys();
      return createLocalJWKSet({ keys: keys.map((k) => ({ ...k.jwk, kid: k.kid, alg: k.alg })) })(
        header,
        token,
      );
    };
  }

  /** Verifies a task token for `audience`; `{ error }` (with the SDK's reason) when it does not verify. */
  async verify(
    token: string,
    audience: string,
  ): Promise<{ principal: Principal } | { error: string }> {
    try {
      return { principal: await this.#verifier(audience).verify(token) };
    } catch (err) {
      if (err instanceof TokenVerificationError)
        return { error: `invalid_token (${err.reason}): ${err.message}` };
      throw err;
    }
  }

  #verifier(audience: string): TokenVerifier {
    let v = this.#byAudience.get(audience);
    if (!v) {
      if (this.#byAudience.size >= MAX_AUDIENCES)
        this.#byAudience.delete(this.#byAudience.keys().next().value as string);
      const { issuer, clock, revoked } = this.#deps;
      v = new TokenVerifier({
        issuer,
        audience,
        keys: this.#keys,
        now: () => clock.now(),
        clockToleranceSeconds: LOCAL_CLOCK_TOLERANCE_SECONDS,
        revocation: (p: Principal) => revoked(revocableOf(p)),
      });
      this.#byAudience.set(audience, v);
    }
    return v;
  }
}
