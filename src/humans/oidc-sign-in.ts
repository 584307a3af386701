import * as oidc from 'openid-client';
import { MandateError } from '../core/errors.js';
import { humanIdProblem } from './human.js';
import type { LoginState } from './login-state.js';

/**
 * Human sign-in against the organisation's identity provider: OpenID Connect authorization code
 * flow with PKCE (RFC 7636, S256), `state` and `nonce`, through `openid-client`, which discovers
 * the provider, exchanges the code and validates the ID token (signature, `iss`, `aud`, `exp`,
 * `nonce`, and RFC 9207 `iss` on the response when the provider sends it).
 *
 * The human's id is one claim (`email` by default; an `email` with `email_verified: false` is
 * refused), their groups another; claims the ID token lacks are read from the UserInfo endpoint.
 */
export interface OidcSignInOptions {
  /** The identity provider's issuer URL. */
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE alone). */
  clientSecret?: string | undefined;
  scopes: string;
  /** The claim that names the human. */
  humanClaim: string;
  /** The claim that lists their groups. */
  groupsClaim: string;
  /** This server's `/auth/callback`, registered at the provider. */
  redirectUri: string;
  fetch?: typeof fetch;
}

export interface SignedInHuman {
  id: string;
  groups: string[];
  /** The ID token's `sub` (audited beside the id). */
  subject: string;
}

const MAX_GROUPS = 256;

export class OidcSignIn {
  #config: Promise<oidc.Configuration> | undefined;

  constructor(private readonly options: OidcSignInOptions) {}

  get issuer(): string {
    return this.options.issuer;
  }

  /** Where to send the human, and what the callback must find again (sealed into a cookie by the caller). */
  async begin(returnTo: string, expiresAt: number): Promise<{ url: string; state: LoginState }> {
    const config = await this.configuration();
    const state: LoginState = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      returnTo,
      expiresAt,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.scopes,
      response_type: 'code',
      state: state.state,
      nonce: state.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(state.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, state };
  }

  /** Completes the sign-in from the callback URL the provider redirected to; throws `unauthorized` with the reason. */
  async complete(callbackUrl: URL, state: LoginState): Promise<SignedInHuman> {
    const config = await this.configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: state.codeVerifier,
        expectedState: state.state,
        expectedNonce: state.nonce,
        idTokenExpected: true,
      });
    } catch (cause) {
      throw refusal(cause);
    }
    const idToken = tokens.claims();
    if (!idToken)
      throw new MandateError('unauthorized', 'the identity provider answered without an id token');
    let claims: Record<string, unknown> = { ...idToken };
    const { humanClaim, groupsClaim } = this.options;
    if (
      (claims[humanClaim] === undefined || claims[groupsClaim] === undefined) &&
      config.serverMetadata().userinfo_endpoint
    ) {
      try {
        const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
        // The ID token's claims win: UserInfo only fills in what it lacks.
        claims = { ...userinfo, ...claims };
      } catch (cause) {
        throw refusal(cause);
      }
    }
    return {
      id: humanIdOf(claims, humanClaim),
      groups: groupsOf(claims[groupsClaim]),
      subject: idToken.sub,
    };
  }

  /** Discovery once; a failed discovery is retried at the next sign-in. */
  private configuration(): Promise<oidc.Configuration> {
    const o = this.options;
    this.#config ??= oidc
      .discovery(
        new URL(o.issuer),
        o.clientId,
        o.clientSecret ? { client_secret: o.clientSecret } : undefined,
        o.clientSecret ? oidc.ClientSecretBasic(o.clientSecret) : oidc.None(),
        {
          ...(new URL(o.issuer).protocol === 'http:'
            ? { execute: [oidc.allowInsecureRequests] }
            : {}),
          ...(o.fetch ? { [oidc.customFetch]: o.fetch as unknown as oidc.CustomFetch } : {}),
        },
      )
      .catch((cause: unknown) => {
        this.#config = undefined;
        throw new MandateError(
          'unavailable',
          `the identity provider \`${o.issuer}\` cannot be discovered: ${cause instanceof Error ? cause.message : String(cause)}`,
          undefined,
          { cause },
        );
      });
    return this.#config;
  }
}

function humanIdOf(claims: Record<string, unknown>, claim: string): string {
  const value = claims[claim];
  if (typeof value !== 'string')
    throw new MandateError(
      'unauthorized',
      `the identity provider did not say who signed in: no \`${claim}\` claim`,
      { reason: 'no_human_claim' },
    );
  const problem = humanIdProblem(value);
  if (problem)
    throw new MandateError('unauthorized', `the \`${claim}\` claim ${problem}`, {
      reason: 'bad_human_claim',
    });
  // An address the provider has not verified does not name its holder.
  if (claim === 'email' && claims.email_verified === false)
    throw new MandateError(
      'unauthorized',
      'the identity provider has not verified this email address',
      { reason: 'email_unverified' },
    );
  return value;
}

function groupsOf(value: unknown): string[] {
  const list =
    typeof value === 'string' ? value.split(/[\s,]+/u) : Array.isArray(value) ? value : [];
  return [
    ...new Set(
      list.filter((g): g is string => typeof g === 'string' && g.length > 0 && g.length <= 256),
    ),
  ].slice(0, MAX_GROUPS);
}

function refusal(cause: unknown): MandateError {
  if (cause instanceof oidc.AuthorizationResponseError)
    return new MandateError(
      'unauthorized',
      `the identity provider refused the sign-in: \`${cause.error.slice(0, 64)}\``,
      { reason: cause.error.slice(0, 64) },
      { cause },
    );
  if (cause instanceof oidc.ResponseBodyError)
    return new MandateError(
      'unauthorized',
      `the identity provider refused the code exchange: \`${cause.error.slice(0, 64)}\``,
      { reason: cause.error.slice(0, 64) },
      { cause },
    );
  const message = cause instanceof Error ? cause.message : String(cause);
  return new MandateError(
    'unauthorized',
    `the sign-in response does not verify: ${message.slice(0, 200)}`,
    { reason: 'invalid_response' },
    { cause },
  );
}
