import type { Clock } from '../../core/clock.js';
import { canonicalDigest } from '../../core/canonical-json.js';
import type { ClientCredentialsBinding } from '../binding.js';
import type { InjectedCredential } from '../credential.js';
import type { SecretSource } from '../secret-store.js';
import { refreshAt, type TokenCache } from '../token-cache.js';
import { bearerHeader, requestToken } from './token-request.js';

export interface ClientCredentialsDeps {
  secrets: SecretSource;
  clock: Clock;
  fetch: typeof fetch;
  timeoutMs: number;
  cache: TokenCache<InjectedCredential>;
}

/**
 * RFC 6749 §4.4: the upstream service's own access token from its authorization server, with
 * the client secret from the secret store. One token serves every caller of the service; it is
 * cached until shortly before `expires_in` runs out (not cached when the server gives none), and
 * concurrent calls share one request. The cache key includes the secret's version, so a
 * rotation fetches a token with the new secret at the next call.
 */
export class ClientCredentialsProvider {
  constructor(private readonly deps: ClientCredentialsDeps) {}

  async credential(
    service: string,
    binding: ClientCredentialsBinding,
  ): Promise<InjectedCredential> {
    const { secrets, clock, cache } = this.deps;
    const current = await secrets.current(binding.secret);
    const key = `cc:${canonicalDigest({ service, endpoint: binding.tokenEndpoint, client: binding.clientId, scope: binding.scope ?? null, audience: binding.audience ?? null, resource: binding.resource ?? null, auth: binding.auth ?? null, secret: current })}`;
    return cache.get(key, async () => {
      const secret = await secrets.reveal(binding.secret);
      const now = clock.now();
      const response = await requestToken({
        tokenEndpoint: binding.tokenEndpoint,
        clientId: binding.clientId,
        clientSecret: secret.value,
        auth: binding.auth ?? 'client_secret_basic',
        params: {
          grant_type: 'client_credentials',
          scope: binding.scope,
          audience: binding.audience,
          resource: binding.resource,
        },
        fetch: this.deps.fetch,
        timeoutMs: this.deps.timeoutMs,
      });
      const authorization = bearerHeader(response, new URL(binding.tokenEndpoint).origin);
      const expiresAt =
        response.expiresIn === undefined ? undefined : now + response.expiresIn * 1000;
      return {
        value: {
          headers: { authorization },
          secretRef: secret.ref,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
        cacheUntil: expiresAt === undefined ? null : refreshAt(now, expiresAt),
      };
    });
  }
}
