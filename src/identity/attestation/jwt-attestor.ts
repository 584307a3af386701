/**
 * JWT attestation: a running agent proves which agent it is with a JWT from an issuer Mandate
 * trusts (a Kubernetes service-account token, a CI OIDC token, ...). The steps, in order:
 *
 * 1. read the token unverified: shape, `alg` allow-list, `iss`   (unverified-token.ts)
 * 2. find the trusted issuer by that `iss`                         (caller's lookup)
 * 3. resolve the issuer's key by `kid` from its JWKS               (issuer-key-sets.ts)
 * 4. verify signature, `iss`, `aud`, `exp`, `nbf`, `iat`, `sub`     (jose jwtVerify)
 * 5. map the verified claims to an agent, first matching rule wins (claim-rules.ts)
 *
 * Pure domain logic: no HTTP server and no storage; the JWKS fetch is the only I/O.
 */
import { errors, jwtVerify } from 'jose';
import type { CryptoKey, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import type { Clock } from '../../core/clock.js';
import { MandateError } from '../../core/errors.js';
import type { TrustedIssuerRecord } from '../../core/store/records.js';
import { attestationFailed, quoted } from './attestation-error.js';
import { findMatchingRule } from './claim-rules.js';
import { IssuerKeySets } from './issuer-key-sets.js';
import type { IssuerKeySet } from './issuer-key-sets.js';
import { ALLOWED_ALGORITHMS, inspectToken } from './unverified-token.js';
import { keyLookupFailure, verifyFailure } from './verify-errors.js';
import type { FailureContext } from './verify-errors.js';

export type { AttestationFailureReason } from './attestation-error.js';

export interface JwtAttestorOptions {
  clock: Clock;
  /** Used to fetch remote JWKS; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Allowed clock skew for `exp`, `nbf` and `iat`. Default 30. */
  clockToleranceSeconds?: number;
  /** When set, tokens whose `iat` is older than this are refused (and `iat` becomes required). */
  maxTokenAgeSeconds?: number;
  /** After a JWKS fetch, an unknown `kid` triggers another fetch only after this long. Default 30. */
  jwksCooldownSeconds?: number;
  /** A JWKS fetch is aborted after this long. Default 5. */
  jwksTimeoutSeconds?: number;
}

/** What a verified attestation token proves. */
export interface JwtAttestation {
  /** The trusted issuer, as configured. */
  issuer: string;
  /** The agent the first matching rule maps the token to. */
  agentName: string;
  /** The token's `sub`, e.g. `system:serviceaccount:payments:invoice-bot`. */
  subject: string;
  /** The verified claims set. */
  claims: JWTPayload;
  /** The token's `exp`, in epoch milliseconds like every other time in Mandate. */
  expiresAt: number;
}

/** Finds the trusted issuer for an (unverified) `iss`; `undefined` when none is trusted. */
export type TrustedIssuerLookup = (iss: string) => Promise<TrustedIssuerRecord | undefined>;

function seconds(
  name: string,
  value: number | undefined,
  fallback: number | undefined,
): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new MandateError(
      'invalid_config',
      `\`${name}\` must be a non-negative number of seconds`,
    );
  }
  return value;
}

/**
 * Verifies attestation JWTs against trusted issuers and maps them to agents.
 *
 * Every failure throws `MandateError` with code `attestation_failed` and `details.reason` one of
 * {@link AttestationFailureReason}. Errors thrown by `lookup` itself propagate unchanged: a store
 * outage is not an attestation failure.
 *
 * @example
 * const attestor = new JwtAttestor({ clock: systemClock });
 * const { agentName } = await attestor.attest(token, (iss) => store.trustedIssuers.get(iss));
 */
export class JwtAttestor {
  private readonly clock: Clock;
  private readonly clockTolerance: number;
  private readonly maxTokenAge: number | undefined;
  private readonly keySets: IssuerKeySets;

  constructor(opts: JwtAttestorOptions) {
    this.clock = opts.clock;
    this.clockTolerance = seconds('clockToleranceSeconds', opts.clockToleranceSeconds, 30) ?? 30;
    this.maxTokenAge = seconds('maxTokenAgeSeconds', opts.maxTokenAgeSeconds, undefined);
    const cooldown = seconds('jwksCooldownSeconds', opts.jwksCooldownSeconds, 30) ?? 30;
    const timeout = seconds('jwksTimeoutSeconds', opts.jwksTimeoutSeconds, 5) ?? 5;
    this.keySets = new IssuerKeySets({
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      cooldownMs: cooldown * 1000,
      timeoutMs: Math.round(timeout * 1000),
    });
  }

  /** Verifies `token` and returns the agent it attests as. Issuers are looked up by the token's `iss`. */
  async attest(token: string, lookup: TrustedIssuerLookup): Promise<JwtAttestation> {
    const unverified = inspectToken(token);
    const record = await lookup(unverified.iss);
    if (!record) {
      throw attestationFailed('unknown_issuer', `issuer ${quoted(unverified.iss)} is not trusted`);
    }
    const ctx: FailureContext = {
      issuer: record.issuer,
      audience: record.audience,
      alg: unverified.alg,
      kid: unverified.kid,
      maxTokenAgeSeconds: this.maxTokenAge,
    };
    const keySet = this.keySets.get(record);
    const options: JWTVerifyOptions = {
      algorithms: [...ALLOWED_ALGORITHMS],
      issuer: record.issuer,
      audience: record.audience,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: this.clockTolerance,
      currentDate: new Date(this.clock.now()),
      ...(this.maxTokenAge !== undefined ? { maxTokenAge: this.maxTokenAge } : {}),
    };
    const claims = await verify(token, keySet, options, ctx);

    const subject = claims.sub;
    if (typeof subject !== 'string' || subject === '') {
      throw attestationFailed('missing_claim', 'token `sub` claim must be a non-empty string');
    }
    const rule = findMatchingRule(record.rules, claims);
    if (!rule) {
      throw attestationFailed(
        'no_matching_rule',
        `no rule of issuer ${quoted(record.issuer)} matches subject ${quoted(subject)}`,
      );
    }
    // INVARIANT: `exp` is present and a number; jwtVerify enforced both (requiredClaims).
    const exp = claims.exp as number;
    return { issuer: record.issuer, agentName: rule.agent, subject, claims, expiresAt: exp * 1000 };
  }
}

async function verify(
  token: string,
  keySet: IssuerKeySet,
  options: JWTVerifyOptions,
  ctx: FailureContext,
): Promise<JWTPayload> {
  const getKey: JWTVerifyGetKey<CryptoKey> = async (header, jws) => {
    try {
      return await keySet(header, jws);
    } catch (err) {
      throw keyLookupFailure(err, ctx);
    }
  };
  try {
    return (await jwtVerify(token, getKey, options)).payload;
  } catch (err) {
    if (err instanceof errors.JWKSMultipleMatchingKeys)
      return verifyWithEach(token, err, options, ctx);
    throw verifyFailure(err, ctx);
  }
}

/** Without a `kid`, several keys may fit the algorithm: the token is valid if one of them verifies it. */
async function verifyWithEach(
  token: string,
  candidates: errors.JWKSMultipleMatchingKeys,
  options: JWTVerifyOptions,
  ctx: FailureContext,
): Promise<JWTPayload> {
  for await (const key of candidates) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (err) {
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      throw verifyFailure(err, ctx);
    }
  }
  throw attestationFailed(
    'bad_signature',
    `signature does not verify with any key of issuer ${quoted(ctx.issuer)}`,
  );
}
