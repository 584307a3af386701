import { epochSeconds, type Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { KeyManager } from '../identity/keys/key-manager.js';
import { parseCredentialBinding, type CredentialBinding } from './binding.js';
import type { CallerContext, InjectedCredential } from './credential.js';
import {
  identityAssertionClaims,
  signIdentityAssertion,
  IDENTITY_ASSERTION_TTL_SECONDS,
} from './identity-assertion.js';
import { mandateJwtCredential } from './providers/mandate-jwt.js';
import { ClientCredentialsProvider } from './providers/oauth-client-credentials.js';
import { TokenExchangeProvider } from './providers/oauth-token-exchange.js';
import { staticCredential } from './providers/static.js';
import type { SecretSource } from './secret-store.js';
import { TokenCache } from './token-cache.js';

export { IDENTITY_ASSERTION_HEADER, IDENTITY_ASSERTION_TYP } from './identity-assertion.js';
export { parseCredentialBinding } from './binding.js';
export type {
  ClientCredentialsBinding,
  CredentialBinding,
  MandateJwtBinding,
  StaticBinding,
  TokenExchangeBinding,
} from './binding.js';
export type { CallerContext, InjectedCredential } from './credential.js';

/**
 * The credential broker: what an enforcement point (the MCP gateway, the HTTP proxy) injects
 * into an upstream request so that the agent never holds the upstream's credential, and the
 * Mandate-signed identity assertion that carries who is calling to the layer behind. See
 * docs/broker.md.
 */

export interface CredentialBrokerDeps {
  secrets: SecretSource;
  keys: Pick<KeyManager, 'signingKey'>;
  clock: Clock;
  /** Mandate's issuer URL (`iss` of what it mints). */
  issuer: string;
  fetch?: typeof fetch;
  /** Per upstream token request; 10 s by default. */
  timeoutMs?: number;
  /** Upstream tokens kept at most; 1024 by default. */
  maxCachedTokens?: number;
}

export class CredentialBroker {
  readonly #deps: CredentialBrokerDeps;
  readonly #cache: TokenCache<InjectedCredential>;
  readonly #clientCredentials: ClientCredentialsProvider;
  readonly #tokenExchange: TokenExchangeProvider;
  /** Bindings already checked (an enforcement point hands the same configured object every call). */
  readonly #checked = new WeakMap<object, CredentialBinding>();

  constructor(deps: CredentialBrokerDeps) {
    this.#deps = deps;
    this.#cache = new TokenCache(deps.clock, deps.maxCachedTokens ?? 1024);
    const common = {
      secrets: deps.secrets,
      clock: deps.clock,
      fetch: deps.fetch ?? fetch,
      timeoutMs: deps.timeoutMs ?? 10_000,
      cache: this.#cache,
    };
    this.#clientCredentials = new ClientCredentialsProvider(common);
    this.#tokenExchange = new TokenExchangeProvider({
      ...common,
      assertion: (audience, caller) => this.identityAssertion(audience, caller),
    });
  }

  /**
   * The credential for one upstream call; throws `credential_unavailable` with a message that
   * never contains secret material (details: `service`, `reason`, and for upstream refusals the
   * upstream's OAuth `error` code and HTTP status).
   *
   * @example
   * const cred = await broker.credentialFor('github', { provider: 'static', secret: 'github-token', as: 'bearer' }, caller);
   * await fetch(url, { headers: { ...cred.headers } });
   */
  async credentialFor(
    service: string,
    binding: CredentialBinding,
    caller: CallerContext,
  ): Promise<InjectedCredential> {
    try {
      binding = this.#check(binding);
      switch (binding.provider) {
        case 'static':
          return staticCredential(binding, await this.#deps.secrets.reveal(binding.secret));
        case 'oauth_client_credentials':
          return await this.#clientCredentials.credential(service, binding);
        case 'oauth_token_exchange':
          return await this.#tokenExchange.credential(service, binding, caller);
        case 'mandate_jwt':
          return await mandateJwtCredential(binding, caller, (audience, c, ttl) =>
            this.#mint(audience, c, ttl),
          );
        default:
          throw new MandateError(
            'invalid_config',
            `unknown credential provider \`${String((binding as { provider?: unknown }).provider).slice(0, 64)}\``,
            { reason: 'bad_binding' },
          );
      }
    } catch (err) {
      throw unavailable(service, err);
    }
  }

  /**
   * A short-lived Mandate-signed assertion of who is calling (typ `mandate-id+jwt`, see
   * ./identity-assertion.ts): `aud` = `audience`, exp ≤ min(now + 60 s, the caller's token).
   * Verifiable with the trust domain's JWKS (`/.well-known/jwks.json`).
   */
  async identityAssertion(audience: string, caller: CallerContext): Promise<string> {
    return (await this.#mint(audience, caller, IDENTITY_ASSERTION_TTL_SECONDS)).jwt;
  }

  /** Drops the upstream tokens exchanged for a task (called when the task ends). */
  forgetTask(taskId: string): void {
    this.#cache.forget(taskId);
  }

  #check(binding: CredentialBinding): CredentialBinding {
    if (typeof binding !== 'object' || binding === null) return parseCredentialBinding(binding);
    let checked = this.#checked.get(binding);
    if (!checked) {
      checked = parseCredentialBinding(binding);
      this.#checked.set(binding, checked);
    }
    return checked;
  }

  async #mint(
    audience: string,
    caller: CallerContext,
    ttlSeconds: number,
  ): Promise<{ jwt: string; exp: number }> {
    const claims = identityAssertionClaims(
      this.#deps.issuer,
      audience,
      caller,
      epochSeconds(this.#deps.clock),
      ttlSeconds,
    );
    return {
      jwt: await signIdentityAssertion(await this.#deps.keys.signingKey('token'), claims),
      exp: claims.exp,
    };
  }
}

/** Any failure as `credential_unavailable` naming the service; unexpected errors say nothing about themselves. */
function unavailable(service: string, err: unknown): MandateError {
  if (err instanceof MandateError) {
    const reason = typeof err.details?.reason === 'string' ? err.details.reason : err.code;
    return new MandateError(
      'credential_unavailable',
      `no credential for \`${service}\`: ${err.message}`,
      { ...err.details, service, reason },
    );
  }
  // INVARIANT: an unexpected error's message could hold anything (a header value); it is not passed on.
  return new MandateError(
    'credential_unavailable',
    `no credential for \`${service}\`: internal error`,
    { service, reason: 'internal' },
  );
}
