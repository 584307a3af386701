import { createHash, timingSafeEqual } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  jwtVerify,
} from 'jose';
import type { JWK, JWTPayload, JWTVerifyGetKey, ProtectedHeaderParameters } from 'jose';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { DpopNonces } from './dpop-nonce.js';
import type { ReplayCache } from './dpop-replay.js';

export { createDpopNonces } from './dpop-nonce.js';
export type { DpopNonceOptions, DpopNonces } from './dpop-nonce.js';
export { MemoryReplayCache } from './dpop-replay.js';
export type { ReplayCache } from './dpop-replay.js';

/** Asymmetric JWS algorithms a DPoP proof may use (RFC 9449 §4.2); `Ed25519` is what oauth4webapi sends. */
export const DPOP_ALGS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
] as const;

/** One request's proof and what it must match. */
export interface DpopCheck {
  /** Raw `DPoP` header value(s). Whether a proof is required at all is the caller's decision. */
  proof: string | string[] | undefined;
  /** The request method, compared with `htm`. */
  method: string;
  /** The endpoint's public URL; `htu` must equal it after normalization, ignoring query and fragment. */
  url: string;
  /** When present, `ath` must equal base64url(SHA-256(accessToken)). */
  accessToken?: string;
  /** When present, the proof key's RFC 7638 thumbprint must equal it (the token's `cnf.jkt`). */
  expectedJkt?: string;
  /** When true, a proof without a valid nonce gets `use_dpop_nonce`. */
  requireNonce?: boolean;
}

export interface VerifiedDpop {
  /** base64url SHA-256 JWK thumbprint of the proof key (RFC 7638), for `cnf.jkt`. */
  jkt: string;
  jti: string;
  /** The proof's `iat`, epoch seconds. */
  iat: number;
  /** The proof's public key as sent. */
  jwk: JWK;
}

export interface DpopVerifierOptions {
  clock: Clock;
  replay: ReplayCache;
  /** Needed for `requireNonce`; a proof that carries a nonce is also checked against it. */
  nonces?: DpopNonces;
  /** How old a proof's `iat` may be. Default 60. */
  maxAgeSeconds?: number;
  /** How far in the future a proof's `iat` may be. Default 5. */
  clockSkewSeconds?: number;
  /** A subset of DPOP_ALGS. Default all of them. */
  algorithms?: readonly string[];
}

const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** RFC 7518 §6.2.2, §6.3.2, §6.4 and the AKP `priv`: none may appear in a proof's `jwk`. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/**
 * Verifies DPoP proofs (RFC 9449 §4.3) at the token endpoint and at resource servers.
 *
 * @example
 * ```ts
 * const dpop = new DpopVerifier({ clock: systemClock, replay: new MemoryReplayCache(systemClock) });
 * const { jkt } = await dpop.verify({ proof: req.headers.dpop, method: 'POST', url: tokenEndpoint });
 * ```
 */
export class DpopVerifier {
  /** The accepted algorithms, for `dpop_signing_alg_values_supported` and `WWW-Authenticate` `algs`. */
  readonly algorithms: readonly string[];
  private readonly clock: Clock;
  private readonly replay: ReplayCache;
  private readonly nonces: DpopNonces | undefined;
  private readonly maxAge: number;
  private readonly skew: number;

  constructor(opts: DpopVerifierOptions) {
    this.clock = opts.clock;
    this.replay = opts.replay;
    this.nonces = opts.nonces;
    this.maxAge = opts.maxAgeSeconds ?? 60;
    this.skew = opts.clockSkewSeconds ?? 5;
    if (!Number.isFinite(this.maxAge) || this.maxAge <= 0)
      throw new MandateError(
        'invalid_config',
        'the dpop proof max age must be a positive number of seconds',
      );
    if (!Number.isFinite(this.skew) || this.skew < 0)
      throw new MandateError('invalid_config', 'the dpop clock skew must be zero or more seconds');
    const algorithms = opts.algorithms ?? DPOP_ALGS;
    if (algorithms.length === 0)
      throw new MandateError('invalid_config', 'at least one dpop algorithm must be allowed');
    for (const alg of algorithms) {
      if (!(DPOP_ALGS as readonly string[]).includes(alg))
        throw new MandateError('invalid_config', `dpop algorithm ${quote(alg)} is not supported`);
    }
    this.algorithms = Object.freeze([...new Set(algorithms)]);
  }

  /** Checks a proof and, as the very last step, records its `jti`. Throws `invalid_dpop_proof` or `use_dpop_nonce`. */
  async verify(check: DpopCheck): Promise<VerifiedDpop> {
    const endpoint = normalizeHtu(check.url);
    if (endpoint === undefined)
      throw new MandateError(
        'internal',
        `the dpop endpoint url ${quote(check.url)} is not an http(s) url`,
      );
    if (check.requireNonce && !this.nonces)
      throw new MandateError(
        'internal',
        'dpop nonces are required but no nonce source is configured',
      );

    const proof = singleProof(check.proof);
    const { alg, jwk } = this.checkHeader(proof);
    const claims = await this.checkSignature(proof, alg);
    const now = this.clock.now();

    const { jti, htm, htu, iat, ath, nonce } = claims;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
      throw invalid(`dpop proof \`jti\` must be a string of 1 to ${MAX_JTI_LENGTH} characters`);
    if (typeof htm !== 'string') throw invalid('dpop proof has no `htm`');
    if (htm !== check.method)
      throw invalid(
        `dpop proof \`htm\` ${quote(htm)} does not match the request method ${quote(check.method)}`,
      );
    if (typeof htu !== 'string') throw invalid('dpop proof has no `htu`');
    if (normalizeHtu(htu) !== endpoint)
      throw invalid(`dpop proof \`htu\` ${quote(htu)} does not match ${quote(endpoint)}`);
    if (iat === undefined) throw invalid('dpop proof has no `iat`');
    if (typeof iat !== 'number' || !Number.isFinite(iat))
      throw invalid('dpop proof `iat` must be a number');
    // RFC 9449 §11.1: accept only proofs created within a short window around now.
    if (now / 1000 - iat > this.maxAge) throw invalid('dpop proof is too old');
    if (iat - now / 1000 > this.skew) throw invalid('dpop proof `iat` is in the future');
    if (check.accessToken !== undefined) {
      if (ath === undefined) throw invalid('dpop proof has no `ath`');
      if (
        typeof ath !== 'string' ||
        !sameString(ath, createHash('sha256').update(check.accessToken).digest('base64url'))
      ) {
        throw invalid('dpop proof `ath` does not match the access token');
      }
    }
    if (nonce !== undefined && typeof nonce !== 'string')
      throw invalid('dpop proof `nonce` must be a string');

    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    if (check.expectedJkt !== undefined && jkt !== check.expectedJkt)
      throw invalid('dpop proof key does not match the key the token is bound to');

    // RFC 9449 §8: a nonce the client sends must be ours and fresh even when not required (§11.3).
    if (this.nonces && (check.requireNonce || nonce !== undefined)) {
      if (nonce === undefined || this.nonces.check(nonce) !== 'valid') {
        throw new MandateError('use_dpop_nonce', 'a fresh dpop nonce is required', {
          nonce: this.nonces.issue(),
        });
      }
    }

    // INVARIANT: recording the jti is the last step, so a proof refused for any reason above
    // (its nonce included) can be retried without being reported as a replay.
    // The key stays live for maxAge + skew: a proof first seen at t has iat ≤ t + skew, so it
    // passes the age check no later than t + skew + maxAge.
    const fresh = await this.replay.checkAndRecord(
      `${jkt}:${jti}`,
      now + (this.maxAge + this.skew) * 1000,
    );
    if (!fresh) throw invalid('dpop proof `jti` was already used');
    return { jkt, jti, iat, jwk };
  }

  /** RFC 9449 §4.3 steps 4–7 on the header alone, before any cryptography. */
  private checkHeader(proof: string): { alg: string; jwk: JWK } {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      throw invalid('dpop proof is not a jwt');
    }
    if (header.typ !== 'dpop+jwt') throw invalid('dpop proof `typ` must be `dpop+jwt`');
    const { alg, jwk } = header;
    if (typeof alg !== 'string') throw invalid('dpop proof has no `alg`');
    if (!this.algorithms.includes(alg))
      throw invalid(`dpop proof \`alg\` ${quote(alg)} is not allowed`);
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
      throw invalid('dpop proof has no `jwk` header');
    const secret = PRIVATE_JWK_MEMBERS.find((member) => Object.hasOwn(jwk, member));
    if (secret !== undefined)
      throw invalid(`dpop proof \`jwk\` contains the private member \`${secret}\``);
    return { alg, jwk };
  }

  private async checkSignature(proof: string, alg: string): Promise<JWTPayload> {
    const badKey = (cause: unknown): MandateError =>
      invalid(`dpop proof \`jwk\` is not a usable ${quote(alg)} public key`, cause);
    const embedded: JWTVerifyGetKey = async (header, token) => {
      try {
        return await EmbeddedJWK(header, token);
      } catch (cause) {
        throw badKey(cause);
      }
    };
    try {
      const { payload } = await jwtVerify(proof, embedded, {
        algorithms: [alg],
        currentDate: new Date(this.clock.now()),
      });
      return payload;
    } catch (err) {
      if (err instanceof MandateError) throw err;
      if (err instanceof errors.JWSSignatureVerificationFailed)
        throw invalid('dpop proof signature is invalid', err);
      if (err instanceof errors.JWTExpired)
        throw invalid(`dpop proof \`${err.claim}\` has passed`, err);
      if (err instanceof errors.JWTClaimValidationFailed)
        throw invalid(`dpop proof claim \`${err.claim}\` is invalid`, err);
      if (err instanceof errors.JOSEError)
        throw invalid('dpop proof is not a well-formed jwt', err);
      // What is left comes from importing or checking the key in WebCrypto (a bad curve point,
      // an RSA modulus under 2048 bits).
      throw badKey(err);
    }
  }
}

function invalid(message: string, cause?: unknown): MandateError {
  return new MandateError(
    'invalid_dpop_proof',
    message,
    undefined,
    cause === undefined ? undefined : { cause },
  );
}

/** RFC 9449 §4.3 step 1: exactly one `DPoP` header. */
function singleProof(proof: string | string[] | undefined): string {
  const values = proof === undefined ? [] : Array.isArray(proof) ? proof : [proof];
  if (values.length === 0) throw invalid('no dpop proof was sent');
  if (values.length > 1) throw invalid('more than one dpop header');
  const value = values[0];
  if (typeof value !== 'string') throw invalid('dpop proof is not a jwt');
  // Node joins repeated headers it does not know with ", "; a JWT never holds a comma.
  if (value.includes(',')) throw invalid('more than one dpop header');
  if (value.length > MAX_PROOF_LENGTH)
    throw invalid(`dpop proof is longer than ${MAX_PROOF_LENGTH} characters`);
  if (!COMPACT_JWS.test(value)) throw invalid('dpop proof is not a jwt');
  return value;
}

/**
 * An http(s) URL without query and fragment, normalized per RFC 3986 §6.2.2–§6.2.3 (RFC 9449
 * §4.3 step 9); undefined when the value is not one. WHATWG URL parsing lowercases scheme and
 * host, drops a default port, removes dot segments and turns an empty path into `/`; percent
 * escapes are left to us.
 */
function normalizeHtu(value: string): string | undefined {
  // WHATWG parsing would silently strip these; a URI cannot contain them.
  if (/[\s\p{Cc}]/u.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.search = '';
  url.hash = '';
  return url.href.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
    const char = String.fromCharCode(parseInt(escape.slice(1), 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : escape.toUpperCase();
  });
}

function sameString(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** User input for a message: in backticks, one line, bounded. */
function quote(value: string): string {
  const line = value.replace(/[\p{Cc}`]/gu, '?');
  return `\`${line.length > 80 ? `${line.slice(0, 80)}…` : line}\``;
}
