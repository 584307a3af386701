import {
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { parseSpiffeId } from '../core/spiffe-id.js';
import type { StoreReader } from '../core/store/index.js';
import { joseFailure } from '../protocol/jose-errors.js';
import { JWT_SVID_ALGORITHMS } from '../protocol/jws-algorithms.js';
import type { KeyManager } from './keys/key-manager.js';

/** A verified JWT-SVID. */
export interface VerifiedSvid {
  spiffeId: string;
  trustDomain: string;
  /** True when it was issued by this server's trust domain. */
  local: boolean;
  claims: JWTPayload;
  expiresAt: number;
}

/** RS/ES/PS 256–512 (JWT-SVID spec §3); never none, HMAC or EdDSA. */
const SVID_ALGS = [...JWT_SVID_ALGORITHMS];

/**
 * Verifies JWT-SVIDs of this trust domain and of federated ones. The key set is chosen by the
 * trust domain of `sub` and only that one: two trust domains' keys are never mixed.
 */
export class JwtSvidVerifier {
  /** Imported key sets per trust domain; jose keeps imported keys inside a key-set function. */
  private readonly keySets = new Map<
    string,
    { getKey: ReturnType<typeof createLocalJWKSet>; kids: Set<string>; at: number }
  >();

  constructor(
    private readonly read: StoreReader,
    private readonly keys: KeyManager,
    private readonly clock: Clock,
    private readonly localTrustDomain: string,
    private readonly clockToleranceSeconds = 30,
  ) {}

  /**
   * @param audience the value that must be among `aud`
   * @param what how the token is called in error messages (`client assertion`, `subject_token`…)
   */
  async verify(
    token: string,
    audience: string,
    what: string,
    code: 'invalid_client' | 'invalid_request',
  ): Promise<VerifiedSvid> {
    const fail = (message: string, reason: string): never => {
      throw new MandateError(code, `${what} ${message}`, { reason });
    };
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384)
      fail('is missing or too long', 'malformed');
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = JSON.parse(
        Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as JWTPayload;
    } catch {
      return fail('is not a JWT', 'malformed');
    }
    if (token.split('.').length !== 3) fail('is not a compact JWS', 'malformed');
    if (!header.alg || !SVID_ALGS.includes(header.alg))
      fail(
        `uses algorithm \`${String(header.alg)}\`; a jwt-svid is signed with RS, ES or PS`,
        'alg_not_allowed',
      );
    if (header.typ !== undefined && header.typ !== 'JWT' && header.typ !== 'JOSE')
      fail(`has type \`${String(header.typ)}\`; it is not a jwt-svid`, 'wrong_type');
    if (typeof unverified.sub !== 'string') fail('has no `sub`', 'missing_claim');
    let trustDomain: string;
    try {
      trustDomain = parseSpiffeId(unverified.sub as string).trustDomain;
    } catch {
      return fail('`sub` is not a SPIFFE ID', 'malformed');
    }
    const local = trustDomain === this.localTrustDomain;
    const getKey = await this.keySet(trustDomain, local, header.kid);
    if (!getKey)
      return fail(
        `comes from trust domain \`${trustDomain}\`, which is not trusted`,
        'untrusted_domain',
      );
    try {
      const { payload } = await jwtVerify(token, getKey, {
        algorithms: SVID_ALGS,
        audience,
        currentDate: new Date(this.clock.now()),
        clockTolerance: this.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub', 'aud'],
      });
      // jose checks `iat` only with maxTokenAge, which would make it required (it is optional in a JWT-SVID): one issued in the future is not valid yet.
      if (
        typeof payload.iat === 'number' &&
        payload.iat > this.clock.now() / 1000 + this.clockToleranceSeconds
      )
        fail('is not valid yet', 'not_yet_valid');
      return {
        spiffeId: payload.sub!,
        trustDomain,
        local,
        claims: payload,
        expiresAt: payload.exp!,
      };
    } catch (err) {
      if (err instanceof MandateError) throw err;
      const failure = joseFailure(err);
      switch (failure.kind) {
        case 'expired':
          return fail('has expired', 'expired');
        case 'claim':
          if (failure.claim === 'aud')
            return fail(`is not for audience \`${audience}\``, 'wrong_audience');
          if (failure.claim === 'nbf' || failure.claim === 'iat')
            return fail('is not valid yet', 'not_yet_valid');
          return fail(`has an invalid \`${failure.claim}\` claim`, 'missing_claim');
        case 'unknown_kid':
        case 'ambiguous_kid':
          return fail(
            `is signed with a key \`${String(header.kid)}\` that trust domain \`${trustDomain}\` does not publish`,
            'unknown_kid',
          );
        case 'bad_signature':
          return fail('has an invalid signature', 'bad_signature');
        default:
          return fail('cannot be verified', 'malformed');
      }
    }
  }

  /** Drops a trust domain's cached keys (after federation with it ends). */
  forget(trustDomain: string): void {
    this.keySets.delete(trustDomain);
  }

  /**
   * The key set of one trust domain, reused while fresh (10 s) and reloaded at once when a
   * token names a `kid` it lacks, so a rotation is picked up immediately.
   */
  private async keySet(
    trustDomain: string,
    local: boolean,
    kid: string | undefined,
  ): Promise<ReturnType<typeof createLocalJWKSet> | undefined> {
    const now = this.clock.now();
    const cached = this.keySets.get(trustDomain);
    if (cached && now - cached.at < 10_000 && (kid === undefined || cached.kids.has(kid)))
      return cached.getKey;
    const jwks = local ? await this.localKeys() : await this.federatedKeys(trustDomain);
    if (!jwks) {
      this.keySets.delete(trustDomain);
      return undefined;
    }
    const entry = {
      getKey: createLocalJWKSet(jwks),
      kids: new Set(jwks.keys.map((k) => String(k.kid))),
      at: now,
    };
    this.keySets.set(trustDomain, entry);
    return entry.getKey;
  }

  private async localKeys(): Promise<JSONWebKeySet> {
    const published = await this.keys.published('jwt-svid');
    return { keys: published.map((k) => ({ ...k.jwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
  }

  /** A federated domain's `jwt-svid` keys, with `use` normalised so that jose selects them. */
  private async federatedKeys(trustDomain: string): Promise<JSONWebKeySet | undefined> {
    const domain = await this.read.federation.get(trustDomain);
    if (!domain) return undefined;
    const keys = (domain.bundle.keys as JWK[])
      .filter((k) => k.use === 'jwt-svid' && typeof k.kid === 'string')
      .map(({ use: _use, ...k }) => k);
    return { keys };
  }
}
