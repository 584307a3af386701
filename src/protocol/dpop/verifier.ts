import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import { DpopProofError } from '../errors.js';
import { joseFailure } from '../jose-errors.js';
import { DPOP_ALGORITHMS } from '../jws-algorithms.js';
import { quote } from '../quote.js';
import { normalizeHtu } from './htu.js';
import type { DpopNonceSource } from './nonce.js';
import type { DpopReplayStore } from './replay-cache.js';

/** One request's proof and what it must match (RFC 9449 §4.3, §7.1). */
export interface DpopCheck {
  /** The `DPoP` header value(s) as received. Whether a proof is required at all is the caller's decision. */
  proof: string | readonly string[] | null | undefined;
  /** The request method, compared with `htm`. */
  method: string;
  /** The URL the client addressed; `htu` must equal it after normalization, ignoring query and fragment. */
  url: string;
  /** When present, `ath` must equal base64url(SHA-256(accessToken)) (§4.3 step 12). */
  accessToken?: string | undefined;
  /** When present, the proof key's RFC 7638 thumbprint must equal it (the token's `cnf.jkt`). */
  expectedJkt?: string | undefined;
  /** When true, a proof without a valid nonce gets `use_dpop_nonce` (needs `nonces`). */
  requireNonce?: boolean | undefined;
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
  /** Where proof `jti`s are remembered. */
  replay: DpopReplayStore;
  /** Needed for `requireNonce`; a proof that carries a nonce is also checked against it. */
  nonces?: DpopNonceSource | undefined;
  /** A subset of DPOP_ALGORITHMS. Default all of them. */
  algorithms?: readonly string[] | undefined;
  /** How old a proof's `iat` may be, at most 600. Default 60. */
  maxAgeSeconds?: number | undefined;
  /** How far in the future a proof's `iat` may be, at most 300. Default 5. */
  clockSkewSeconds?: number | undefined;
  /** Epoch milliseconds. Default `Date.now`. */
  now?: (() => number) | undefined;
}

const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** RFC 7518 §6.2.2, §6.3.2, §6.4 and the AKP `priv`: none may appear in a proof's `jwk`. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

const invalid = (message: string, cause?: unknown): DpopProofError =>
  new DpopProofError(
    'invalid_dpop_proof',
    message,
    undefined,
    cause === undefined ? undefined : { cause },
  );

/**
 * Verifies DPoP proofs (RFC 9449 §4.3) at the token endpoint and at every protected resource:
 * one `DPoP` header holding a compact JWS, `typ` `dpop+jwt`, an allowed asymmetric `alg`, a
 * public `jwk` that verifies the signature, `jti`, `htm`, normalized `htu`, `iat` within the
 * window, `ath` and the key thumbprint when a token is presented, the nonce, and — last — the
 * `jti` not seen before. Throws `DpopProofError` (`invalid_dpop_proof` or `use_dpop_nonce` with a
 * fresh nonce); options are checked when it is built (TypeError).
 *
 * @example
 * ```ts
 * const dpop = new DpopVerifier({ replay: new DpopReplayCache() });
 * const { jkt } = await dpop.verify({ proof: req.headers.dpop, method: 'POST', url: tokenEndpoint });
 * ```
 */
export class DpopVerifier {
  /** The accepted algorithms, for `dpop_signing_alg_values_supported` and `WWW-Authenticate` `algs`. */
  readonly algorithms: readonly string[];
  private readonly replay: DpopReplayStore;
  private readonly nonces: DpopNonceSource | undefined;
  private readonly maxAge: number;
  private readonly skew: number;
  private readonly now: () => number;

  constructor(opts: DpopVerifierOptions) {
    this.replay = opts.replay;
    this.nonces = opts.nonces;
    this.maxAge = opts.maxAgeSeconds ?? 60;
    this.skew = opts.clockSkewSeconds ?? 5;
    this.now = opts.now ?? Date.now;
    if (!Number.isFinite(this.maxAge) || this.maxAge <= 0 || this.maxAge > 600)
      throw new TypeError('the dpop proof max age must be more than 0 and at most 600 seconds');
    if (!Number.isFinite(this.skew) || this.skew < 0 || this.skew > 300)
      throw new TypeError('the dpop clock skew must be from 0 to 300 seconds');
    const algorithms = opts.algorithms ?? DPOP_ALGORITHMS;
    if (algorithms.length === 0) throw new TypeError('at least one dpop algorithm must be allowed');
    for (const alg of algorithms) {
      if (!DPOP_ALGORITHMS.includes(alg))
        throw new TypeError(`dpop algorithm ${quote(alg)} is not supported`);
    }
    this.algorithms = Object.freeze([...new Set(algorithms)]);
  }

  /** Checks a proof and, as the very last step, records its `jti`. */
  async verify(check: DpopCheck): Promise<VerifiedDpop> {
    const endpoint = normalizeHtu(check.url);
    if (endpoint === undefined)
      throw new TypeError(`the dpop endpoint url ${quote(check.url)} is not an http(s) url`);
    if (check.requireNonce && !this.nonces)
      throw new TypeError('dpop nonces are required but no nonce source is configured');

    const proof = singleProof(check.proof);
    const { alg, jwk } = this.checkHeader(proof);
    const claims = await this.checkSignature(proof, alg);
    const now = this.now();

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
    // RFC 9449 §4.3 step 12: a proof sent with an access token must be bound to it.
    if (check.accessToken !== undefined) {
      if (ath === undefined) throw invalid('dpop proof has no `ath`');
      if (typeof ath !== 'string' || ath !== (await sha256(check.accessToken)))
        throw invalid('dpop proof `ath` does not match the access token');
    }
    if (nonce !== undefined && typeof nonce !== 'string')
      throw invalid('dpop proof `nonce` must be a string');

    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    if (check.expectedJkt !== undefined && jkt !== check.expectedJkt)
      throw invalid('dpop proof key does not match the key the token is bound to');

    // RFC 9449 §8: a nonce the client sends must be ours and fresh even when not required (§11.3).
    if (this.nonces && (check.requireNonce || nonce !== undefined)) {
      if (nonce === undefined || !(await this.nonces.check(nonce))) {
        throw new DpopProofError(
          'use_dpop_nonce',
          'a fresh dpop nonce is required',
          await this.nonces.issue(),
        );
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
    const badKey = (cause: unknown): DpopProofError =>
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
        currentDate: new Date(this.now()),
      });
      return payload;
    } catch (err) {
      if (err instanceof DpopProofError) throw err;
      const failure = joseFailure(err);
      switch (failure.kind) {
        case 'bad_signature':
          throw invalid('dpop proof signature is invalid', err);
        case 'expired':
          throw invalid(`dpop proof \`${failure.claim}\` has passed`, err);
        case 'claim':
          throw invalid(`dpop proof claim \`${failure.claim}\` is invalid`, err);
        case 'other':
          // WebCrypto refusing the key (a bad curve point, an RSA modulus under 2048 bits).
          throw badKey(err);
        default:
          throw invalid('dpop proof is not a well-formed jwt', err);
      }
    }
  }
}

/** RFC 9449 §4.3 step 1: exactly one `DPoP` header holding one JWT. */
function singleProof(proof: DpopCheck['proof']): string {
  const values =
    proof === undefined || proof === null ? [] : typeof proof === 'string' ? [proof] : proof;
  if (values.length === 0) throw invalid('no dpop proof was sent');
  if (values.length > 1) throw invalid('more than one dpop header');
  const value = values[0];
  if (typeof value !== 'string') throw invalid('dpop proof is not a jwt');
  // Node and Headers join repeated headers with ", "; a JWT never holds a comma.
  if (value.includes(',')) throw invalid('more than one dpop header');
  if (value.length > MAX_PROOF_LENGTH)
    throw invalid(`dpop proof is longer than ${MAX_PROOF_LENGTH} characters`);
  if (!COMPACT_JWS.test(value)) throw invalid('dpop proof is not a jwt');
  return value;
}

/** base64url(SHA-256(text)) with Web Crypto, so the SDK needs nothing of Node. */
async function sha256(text: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(
      await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
    ),
  );
}
