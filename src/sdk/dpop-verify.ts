import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import type { DpopNonceSource } from './dpop-nonce.js';
import type { DpopReplayStore } from './dpop-replay-cache.js';

/**
 * Asymmetric JWS algorithms a DPoP proof may use (RFC 9449 §4.2); `Ed25519` is the fully specified name.
 *
 * @example
 * mandateExpress({ verifier, dpopAlgorithms: DPOP_ALGORITHMS.filter((a) => a.startsWith('ES')) });
 */
export const DPOP_ALGORITHMS: readonly string[] = [
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
];

/** A refused proof; verify-request turns it into a `RequestVerificationError`. Internal to the SDK. */
export class DpopProofError extends Error {
  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    message: string,
    readonly nonce?: string,
  ) {
    super(message);
    this.name = 'DpopProofError';
  }
}

/** One request's proof at a resource server and what it must match (RFC 9449 §4.3, §7.1). */
export interface DpopProofCheck {
  /** The `DPoP` header value(s) as received. */
  proof: string | readonly string[] | null | undefined;
  method: string;
  /** The request URL as the client addressed it; query and fragment are ignored. */
  url: string;
  /** The access token presented: `ath` must be base64url(SHA-256(token)). */
  accessToken: string;
  /** The token's `cnf.jkt`: the proof key's RFC 7638 thumbprint must equal it. */
  expectedJkt: string;
  algorithms: readonly string[];
  /** Epoch milliseconds. */
  now: number;
  maxAgeSeconds: number;
  clockSkewSeconds: number;
  replay: DpopReplayStore;
  nonce?: DpopNonceSource;
}

const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** RFC 7518 §6.2.2, §6.3.2, §6.4: private or symmetric key members, never in a proof's `jwk`. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

const invalid = (message: string): DpopProofError =>
  new DpopProofError('invalid_dpop_proof', message);

/**
 * Internal to the SDK (use `verifyRequest`): verifies a DPoP proof for a bound access token at a
 * resource server (RFC 9449 §4.3 and §7.1).
 * The `jti` is recorded only once every other check passed, so a refused proof (a missing nonce
 * included) can be fixed and sent again without counting as a replay.
 */
export async function verifyDpopProof(
  check: DpopProofCheck,
): Promise<{ jkt: string; jti: string; iat: number }> {
  const endpoint = normalizeHtu(check.url);
  if (endpoint === undefined) throw new TypeError('the request url is not an absolute http(s) url');
  const proof = singleProof(check.proof);
  const { alg } = checkHeader(proof, check.algorithms);
  const claims = await checkSignature(proof, alg, check.now);

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
    throw invalid(`dpop proof \`htu\` ${quote(htu)} does not match the request url`);
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    throw invalid('dpop proof has no numeric `iat`');
  // RFC 9449 §11.1: only proofs made within a short window around now.
  if (check.now / 1000 - iat > check.maxAgeSeconds) throw invalid('dpop proof is too old');
  if (iat - check.now / 1000 > check.clockSkewSeconds)
    throw invalid('dpop proof `iat` is in the future');
  // RFC 9449 §4.3 step 12: a proof sent with an access token must be bound to it.
  if (typeof ath !== 'string') throw invalid('dpop proof has no `ath`');
  if (ath !== (await sha256(check.accessToken)))
    throw invalid('dpop proof `ath` does not match the access token');
  const jwk = decodeProtectedHeader(proof).jwk as JWK;
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  if (jkt !== check.expectedJkt)
    throw invalid('dpop proof key is not the key the token is bound to');

  if (check.nonce) {
    if (nonce !== undefined && typeof nonce !== 'string')
      throw invalid('dpop proof `nonce` must be a string');
    if (nonce === undefined || !(await check.nonce.check(nonce))) {
      throw new DpopProofError(
        'use_dpop_nonce',
        'the resource server requires a fresh nonce in the dpop proof',
        await check.nonce.issue(),
      );
    }
  }

  // INVARIANT: recording the jti is the last step. The key stays live for maxAge + skew: a proof
  // first seen at t has iat ≤ t + skew, so it passes the age check no later than t + skew + maxAge.
  const fresh = await check.replay.checkAndRecord(
    `${jkt}:${jti}`,
    check.now + (check.maxAgeSeconds + check.clockSkewSeconds) * 1000,
  );
  if (!fresh) throw invalid('dpop proof `jti` was already used');
  return { jkt, jti, iat };
}

/** RFC 9449 §4.3 step 1: exactly one `DPoP` header holding one JWT. */
function singleProof(proof: DpopProofCheck['proof']): string {
  const values =
    proof === undefined || proof === null ? [] : typeof proof === 'string' ? [proof] : proof;
  if (values.length === 0) throw invalid('no dpop proof was sent');
  if (values.length > 1) throw invalid('more than one dpop header');
  const value = values[0]!;
  // Node and Headers join repeated headers with ", "; a JWT never holds a comma.
  if (value.includes(',')) throw invalid('more than one dpop header');
  if (value.length > MAX_PROOF_LENGTH)
    throw invalid(`dpop proof is longer than ${MAX_PROOF_LENGTH} characters`);
  if (!COMPACT_JWS.test(value)) throw invalid('dpop proof is not a jwt');
  return value;
}

/** RFC 9449 §4.3 steps 4–7 on the header alone, before any cryptography. */
function checkHeader(proof: string, algorithms: readonly string[]): { alg: string } {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw invalid('dpop proof is not a jwt');
  }
  if (header.typ !== 'dpop+jwt') throw invalid('dpop proof `typ` must be `dpop+jwt`');
  const { alg, jwk } = header;
  if (typeof alg !== 'string') throw invalid('dpop proof has no `alg`');
  if (!algorithms.includes(alg)) throw invalid(`dpop proof \`alg\` ${quote(alg)} is not allowed`);
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw invalid('dpop proof has no `jwk` header');
  const secret = PRIVATE_JWK_MEMBERS.find((member) => Object.hasOwn(jwk, member));
  if (secret !== undefined)
    throw invalid(`dpop proof \`jwk\` contains the private member \`${secret}\``);
  return { alg };
}

async function checkSignature(proof: string, alg: string, now: number): Promise<JWTPayload> {
  const badKey = (): DpopProofError =>
    invalid(`dpop proof \`jwk\` is not a usable ${quote(alg)} public key`);
  const embedded: JWTVerifyGetKey = async (header, token) => {
    try {
      return await EmbeddedJWK(header, token);
    } catch {
      throw badKey();
    }
  };
  try {
    const { payload } = await jwtVerify(proof, embedded, {
      algorithms: [alg],
      currentDate: new Date(now),
    });
    return payload;
  } catch (err) {
    if (err instanceof DpopProofError) throw err;
    if (err instanceof errors.JWSSignatureVerificationFailed)
      throw invalid('dpop proof signature is invalid');
    if (err instanceof errors.JWTClaimValidationFailed || err instanceof errors.JWTExpired)
      throw invalid(`dpop proof claim \`${err.claim}\` is invalid`);
    if (err instanceof errors.JOSEError) throw invalid('dpop proof is not a well-formed jwt');
    // Left: WebCrypto refusing the key (a bad curve point, an RSA modulus under 2048 bits).
    throw badKey();
  }
}

/**
 * An http(s) URL without query and fragment, normalized per RFC 3986 §6.2.2–§6.2.3 (RFC 9449
 * §4.3 step 9); undefined when the value is not one. WHATWG parsing lowercases scheme and host,
 * drops a default port, removes dot segments and turns an empty path into `/`; percent escapes
 * of unreserved characters are decoded and the others uppercased here.
 *
 * @example normalizeHtu('HTTPS://Tools.Example.org:443/a/../mcp?x=1') // 'https://tools.example.org/mcp'
 */
export function normalizeHtu(value: string): string | undefined {
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

async function sha256(text: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(
      await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
    ),
  );
}

/** Attacker-controlled text for a message: in backticks, one line, bounded. */
function quote(value: string): string {
  const line = value.replace(/[\p{Cc}`]/gu, '?');
  return `\`${line.length > 80 ? `${line.slice(0, 80)}…` : line}\``;
}
