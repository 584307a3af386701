import type { Clock } from '../core/clock.js';
import type { PublishedKey } from '../identity/keys/key-manager.js';
import { LOCAL_CLOCK_TOLERANCE_SECONDS, publishedKeyResolver } from '../oauth/task-token.js';
import { TokenVerificationError } from '../protocol/errors.js';
import type { Principal } from '../protocol/principal.js';
import { revocableOf, type RevocableToken } from '../protocol/revocation.js';
import { TokenVerifier } from '../protocol/token-verifier.js';

export type { Principal } from '../protocol/principal.js';
export { LOCAL_CLOCK_TOLERANCE_SECONDS } from '../oauth/task-token.js';

/**
 * The protocol module's `TokenVerifier` as Mandate itself runs it at its enforcement points and
 * decision endpoints: keys are the trust domain's published `token` keys (read locally, no JWKS
 * fetch), revocation is Mandate's registry, and there is one verifier per audience, the resource
 * the calling enforcement point protects (a token is never accepted for an audience the caller
 * did not name).
 */

export interface LocalVerifierDeps {
  issuer: string;
  clock: Clock;
  publishedKeys: () => Promise<PublishedKey[]>;
  /**
   * A reason when revoked, else null (RevocationRegistry.check). None: the caller checks
   * revocation itself, as the gateway's enforcement core does in a step of its own.
   */
  revoked?: ((t: RevocableToken) => string | null) | undefined;
}

const MAX_AUDIENCES = 64;

export class LocalTaskTokenVerifiers {
  readonly #deps: LocalVerifierDeps;
  readonly #byAudience = new Map<string, TokenVerifier>();
  readonly #keys: ReturnType<typeof publishedKeyResolver>;

  constructor(deps: LocalVerifierDeps) {
    this.#deps = deps;
    this.#keys = publishedKeyResolver(deps.publishedKeys, deps.clock);
  }

  /** Verifies a task token for `audience`; `{ error }` (with the reason) when it does not verify. */
  async verify(
    token: string,
    audience: string,
  ): Promise<{ principal: Principal } | { error: string }> {
    try {
      return { principal: await this.for(audience).verify(token) };
    } catch (err) {
      if (err instanceof TokenVerificationError)
        return { error: `invalid_token (${err.reason}): ${err.message}` };
      throw err;
    }
  }

  /** The verifier of tokens for `audience` (kept for the 64 most recent audiences). */
  for(audience: string): TokenVerifier {
    let v = this.#byAudience.get(audience);
    if (!v) {
      if (this.#byAudience.size >= MAX_AUDIENCES)
        this.#byAudience.delete(this.#byAudience.keys().next().value as string);
      const { issuer, clock, revoked } = this.#deps;
      v = new TokenVerifier({
        issuer,
        audience,
        keys: this.#keys.getKey,
        now: () => clock.now(),
        clockToleranceSeconds: LOCAL_CLOCK_TOLERANCE_SECONDS,
        ...(revoked ? { revocation: (p: Principal) => revoked(revocableOf(p)) } : {}),
      });
      this.#byAudience.set(audience, v);
    }
    return v;
  }
}
