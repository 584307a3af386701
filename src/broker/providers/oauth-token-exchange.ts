import type { Clock } from '../../core/clock.js';
import { canonicalDigest } from '../../core/canonical-json.js';
import type { TokenExchangeBinding } from '../binding.js';
import type { CallerContext, InjectedCredential } from '../credential.js';
import type { SecretSource } from '../secret-store.js';
import { refreshAt, type TokenCache } from '../token-cache.js';
import { bearerHeader, requestToken } from './token-request.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenExchangeDeps {
  secrets: SecretSource;
  clock: Clock;
  fetch: typeof fetch;
  timeoutMs: number;
  cache: TokenCache<InjectedCredential>;
  /** A Mandate identity assertion for `caller`, audience `audience`. */
  assertion: (audience: string, caller: CallerContext) => Promise<string>;
}

/**
 * RFC 8693 token exchange at the upstream's authorization server: the `subject_token` is a
 * Mandate identity assertion for the caller (`subject_token_type` …:jwt), so the upstream AS
 * sees who is calling — subject, acting agent, chain, task — and issues a token for that caller.
 * The client authenticates with its secret from the secret store. Tokens are cached per caller
 * (subject, agent, chain, task, grant) and target, until shortly before they expire and never
 * past the caller's own token; `forget(taskId)` drops a task's tokens when it ends.
 */
export class TokenExchangeProvider {
  constructor(private readonly deps: TokenExchangeDeps) {}

  async credential(
    service: string,
    binding: TokenExchangeBinding,
    caller: CallerContext,
  ): Promise<InjectedCredential> {
    const { secrets, clock, cache } = this.deps;
    const current = await secrets.current(binding.secret);
    const target = {
      service,
      endpoint: binding.tokenEndpoint,
      client: binding.clientId,
      audience: binding.audience ?? null,
      resource: binding.resource ?? null,
      scope: binding.scope ?? null,
      requested: binding.requestedTokenType ?? null,
      auth: binding.auth ?? null,
      assertionAudience: binding.assertionAudience ?? null,
    };
    const who = {
      subject: caller.subject,
      agent: caller.agent,
      actors: caller.actors,
      task: caller.taskId,
      grant: caller.grantId ?? null,
    };
    const key = `te:${canonicalDigest({ target, who, secret: current })}`;
    const callerExpiry = caller.tokenExp * 1000;
    return cache.get(key, async () => {
      const subjectToken = await this.deps.assertion(
        binding.assertionAudience ?? binding.tokenEndpoint,
        caller,
      );
      const secret = await secrets.reveal(binding.secret);
      const now = clock.now();
      const response = await requestToken({
        tokenEndpoint: binding.tokenEndpoint,
        clientId: binding.clientId,
        clientSecret: secret.value,
        auth: binding.auth ?? 'client_secret_basic',
        // RFC 8693 §2.1
        params: {
          grant_type: TOKEN_EXCHANGE_GRANT,
          subject_token: subjectToken,
          subject_token_type: JWT_TOKEN_TYPE,
          requested_token_type: binding.requestedTokenType ?? ACCESS_TOKEN_TYPE,
          audience: binding.audience,
          resource: binding.resource,
          scope: binding.scope,
        },
        fetch: this.deps.fetch,
        timeoutMs: this.deps.timeoutMs,
      });
      const authorization = bearerHeader(response, new URL(binding.tokenEndpoint).origin);
      const upstreamExpiry =
        response.expiresIn === undefined ? undefined : now + response.expiresIn * 1000;
      // INVARIANT: a token exchanged for a caller is never injected after the caller's own token expires.
      const expiresAt =
        upstreamExpiry === undefined ? undefined : Math.min(upstreamExpiry, callerExpiry);
      return {
        value: {
          headers: { authorization },
          secretRef: secret.ref,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
        cacheUntil:
          upstreamExpiry === undefined
            ? null
            : Math.min(refreshAt(now, upstreamExpiry), callerExpiry),
        tag: caller.taskId,
      };
    });
  }
}
