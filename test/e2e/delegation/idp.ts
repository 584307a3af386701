import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/**
 * The organisation's identity provider for these suites: a real oidc-provider on a loopback port
 * with one confidential client (Mandate: authorization code + PKCE, client_secret_basic), any
 * account signing in through its development login and consent pages, and each account's email
 * and groups released by the `email` and `groups` scopes (through UserInfo, as oidc-provider keeps
 * scope-released claims out of the ID token by default).
 */
export interface Idp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Authorization requests the provider saw (their query parameters). */
  authorizations: URLSearchParams[];
  close(): Promise<void>;
}

export const IDP_CLIENT = { id: 'mandate', secret: 'mandate-client-secret-0123456789' };

/**
 * `redirectUri` may be a function: the provider is built at its first request, so a suite can start
 * the IdP, then Mandate on port 0 (it needs the IdP's issuer), then name Mandate's callback.
 */
export async function startIdp(opts: {
  redirectUri: string | (() => string);
  groups: Record<string, string[]>;
  unverified?: string[];
}): Promise<Idp> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const key = { ...(await exportJWK(privateKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const build = () =>
    new Provider(issuer, {
      clients: [
        {
          client_id: IDP_CLIENT.id,
          client_secret: IDP_CLIENT.secret,
          redirect_uris: [
            typeof opts.redirectUri === 'string' ? opts.redirectUri : opts.redirectUri(),
          ],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          id_token_signed_response_alg: 'ES256',
        },
      ],
      jwks: { keys: [key] },
      cookies: { keys: ['idp-cookie-key-0123456789abcdef'] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
      scopes: ['openid', 'email', 'groups'],
      pkce: { required: () => true },
      ttl: {
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        AccessToken: 300,
        IdToken: 300,
        AuthorizationCode: 60,
      },
      features: { devInteractions: { enabled: true } },
      findAccount: (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: () => ({
          sub: `sub-${id}`,
          email: id,
          email_verified: !(opts.unverified ?? []).includes(id),
          groups: opts.groups[id] ?? [],
        }),
      }),
    });
  const authorizations: URLSearchParams[] = [];
  let handle: ReturnType<Provider['callback']> | undefined;
  http.on('request', (req, res) => {
    handle ??= build().callback();
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/auth') authorizations.push(url.searchParams);
    handle(req, res);
  });
  return {
    issuer,
    clientId: IDP_CLIENT.id,
    clientSecret: IDP_CLIENT.secret,
    authorizations,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections();
        http.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
