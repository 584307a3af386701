import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { sha256Hex } from '../core/random.js';
import type { AgentRecord, Store } from '../core/store/index.js';
import type { JwtSvidVerifier, VerifiedSvid } from '../identity/jwt-svid-verifier.js';

/** draft-ietf-oauth-spiffe-client-auth-02 §3.1. */
export const JWT_SPIFFE_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';

export interface AuthenticatedClient {
  /** The client's SPIFFE ID. */
  clientId: string;
  trustDomain: string;
  local: boolean;
  /** The registered agent, for clients of this trust domain. */
  agent: AgentRecord | undefined;
  svid: VerifiedSvid;
  /** The replay-cache key of the assertion; spent by `consumeAssertion`. Null for mutual TLS. */
  replayKey: string | null;
  method: 'spiffe_jwt' | 'spiffe_x509';
}

/** Verifies a TLS client's X.509-SVID chain, returning its SPIFFE ID (see identity/x509-svid-verifier.ts). */
export type PeerVerifier = () => Promise<string | null>;

export interface ClientAuthOptions {
  issuer: string;
  maxAssertionLifetimeSeconds: number;
}

/**
 * Client authentication with a JWT-SVID (jwt-spiffe): no client secret exists anywhere.
 * Checks follow the draft's order — well-formed, unexpired, `aud` = the issuer as its sole
 * value, signature by the keys of the trust domain in `sub`, a known client — and every
 * failure is `invalid_client`. The assertion is single use; it is spent separately
 * (`consumeAssertion`) so that a retry after `use_dpop_nonce` does not count as a replay.
 */
export class ClientAuthenticator {
  constructor(
    private readonly store: Store,
    private readonly svids: JwtSvidVerifier,
    private readonly clock: Clock,
    private readonly options: ClientAuthOptions,
  ) {}

  async authenticate(form: URLSearchParams, peer?: PeerVerifier): Promise<AuthenticatedClient> {
    const type = form.get('client_assertion_type');
    const assertion = form.get('client_assertion');
    if (form.has('client_secret'))
      throw new MandateError(
        'invalid_client',
        'client secrets are not accepted; authenticate with a jwt-svid (client_assertion_type jwt-spiffe)',
      );
    if (!type && !assertion && peer) {
      const fromTls = await this.mutualTls(form, peer);
      if (fromTls) return fromTls;
    }
    if (!type || !assertion)
      throw new MandateError(
        'invalid_client',
        `client authentication required: send client_assertion_type=${JWT_SPIFFE_ASSERTION_TYPE} and a jwt-svid as client_assertion`,
      );
    if (type !== JWT_SPIFFE_ASSERTION_TYPE)
      throw new MandateError(
        'invalid_client',
        `unsupported client_assertion_type \`${type.slice(0, 100)}\`; use ${JWT_SPIFFE_ASSERTION_TYPE}`,
      );
    const svid = await this.svids.verify(
      assertion,
      this.options.issuer,
      'client assertion',
      'invalid_client',
    );
    const aud = svid.claims.aud;
    if (!(
      aud === this.options.issuer ||
      (Array.isArray(aud) && aud.length === 1 && aud[0] === this.options.issuer)
    )) {
      throw new MandateError(
        'invalid_client',
        'client assertion must carry the issuer as its only audience',
        { reason: 'wrong_audience' },
      );
    }
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    if (svid.expiresAt - nowSeconds > this.options.maxAssertionLifetimeSeconds) {
      throw new MandateError(
        'invalid_client',
        `client assertion lives too long: it must expire within ${this.options.maxAssertionLifetimeSeconds} s`,
        { reason: 'too_long_lived' },
      );
    }
    const clientId = form.get('client_id');
    if (clientId !== null && clientId !== svid.spiffeId)
      throw new MandateError(
        'invalid_client',
        "`client_id` does not match the client assertion's subject",
        { reason: 'client_id_mismatch' },
      );
    let agent: AgentRecord | undefined;
    if (svid.local) {
      agent = await this.store.read.agents.getBySpiffeId(svid.spiffeId);
      if (!agent)
        throw new MandateError(
          'invalid_client',
          `client \`${svid.spiffeId}\` is not a registered agent`,
          { reason: 'unknown_client' },
        );
      if (agent.status !== 'active')
        throw new MandateError('invalid_client', `agent \`${agent.name}\` is ${agent.status}`, {
          reason: 'agent_inactive',
        });
    }
    const jti = typeof svid.claims.jti === 'string' ? svid.claims.jti : sha256Hex(assertion);
    return {
      clientId: svid.spiffeId,
      trustDomain: svid.trustDomain,
      local: svid.local,
      agent,
      svid,
      replayKey: `client_assertion:${svid.trustDomain}:${jti}`,
      method: 'spiffe_jwt',
    };
  }

  /** draft §3.2: an X.509-SVID presented in the TLS handshake, with `client_id` = its SPIFFE ID. */
  private async mutualTls(
    form: URLSearchParams,
    peer: PeerVerifier,
  ): Promise<AuthenticatedClient | null> {
    const spiffeId = await peer();
    if (!spiffeId) return null;
    if (form.get('client_id') !== spiffeId)
      throw new MandateError(
        'invalid_client',
        '`client_id` must equal the SPIFFE ID of the client certificate',
        { reason: 'client_id_mismatch' },
      );
    const agent = await this.store.read.agents.getBySpiffeId(spiffeId);
    if (!agent)
      throw new MandateError('invalid_client', `client \`${spiffeId}\` is not a registered agent`, {
        reason: 'unknown_client',
      });
    if (agent.status !== 'active')
      throw new MandateError('invalid_client', `agent \`${agent.name}\` is ${agent.status}`, {
        reason: 'agent_inactive',
      });
    const td = spiffeId.slice('spiffe://'.length).split('/')[0]!;
    return {
      clientId: spiffeId,
      trustDomain: td,
      local: true,
      agent,
      svid: { spiffeId, trustDomain: td, local: true, claims: {}, expiresAt: 0 },
      replayKey: null,
      method: 'spiffe_x509',
    };
  }

  /** Spends the assertion; a second use before it expires is refused as a replay. */
  async consumeAssertion(client: AuthenticatedClient): Promise<void> {
    if (client.replayKey === null) return;
    const key = client.replayKey;
    const now = this.clock.now();
    const fresh = await this.store.transaction((tx) =>
      tx.replay.checkAndRecord(key, client.svid.expiresAt * 1000 + 60_000, now),
    );
    if (!fresh)
      throw new MandateError(
        'invalid_client',
        'client assertion was already used; get a fresh jwt-svid',
        { reason: 'replayed' },
      );
  }
}
