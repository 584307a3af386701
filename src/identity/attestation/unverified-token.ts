/**
 * The checks made on a token before any key is looked up: shape, header algorithm and the
 * (unverified) issuer used to find the trusted issuer record. Nothing read here is trusted
 * until the signature is verified; it only decides which keys to verify with.
 */
import { SIGNATURE_ALGORITHMS } from '../../protocol/jws-algorithms.js';
import { attestationFailed, quoted } from './attestation-error.js';

/**
 * Asymmetric signature algorithms accepted for attestation. `none` and every HMAC algorithm are
 * refused: an HMAC "verified" with an issuer's public key is the classic algorithm-confusion
 * forgery.
 */
export const ALLOWED_ALGORITHMS: readonly string[] = SIGNATURE_ALGORITHMS;

/** Attestation tokens are a few KiB; anything far larger is refused before parsing. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export interface UnverifiedToken {
  alg: string;
  kid: string | undefined;
  /** The `iss` claim, not yet verified. */
  iss: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeSegment(segment: string, name: 'header' | 'payload'): Record<string, unknown> {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) {
    throw attestationFailed('malformed', `token ${name} is not base64url`);
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch (err) {
    throw attestationFailed('malformed', `token ${name} is not valid json`, err);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw attestationFailed('malformed', `token ${name} is not a json object`);
  }
  return value as Record<string, unknown>;
}

function checkAlgorithm(alg: unknown): string {
  if (typeof alg !== 'string' || alg === '') {
    throw attestationFailed('malformed', 'token header has no `alg`');
  }
  if (alg.toLowerCase() === 'none') {
    throw attestationFailed('alg_not_allowed', 'unsigned tokens (`alg: none`) are not accepted');
  }
  if (/^HS/i.test(alg)) {
    throw attestationFailed(
      'alg_not_allowed',
      `symmetric algorithm ${quoted(alg)} is not accepted`,
    );
  }
  if (!ALLOWED_ALGORITHMS.includes(alg)) {
    throw attestationFailed('alg_not_allowed', `algorithm ${quoted(alg)} is not accepted`);
  }
  return alg;
}

/**
 * Reads a compact JWS without verifying it. Throws `malformed` or `alg_not_allowed`.
 * INVARIANT: the algorithm is checked here, before the caller resolves any key.
 */
export function inspectToken(token: unknown): UnverifiedToken {
  if (typeof token !== 'string') {
    throw attestationFailed('malformed', 'token must be a string');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw attestationFailed('malformed', `token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  const segments = token.split('.');
  if (segments.length === 5) {
    throw attestationFailed('malformed', 'encrypted tokens (jwe) are not accepted');
  }
  if (segments.length !== 3) {
    throw attestationFailed(
      'malformed',
      `token is not a compact jws: expected 3 segments, got ${segments.length}`,
    );
  }
  const [encodedHeader = '', encodedPayload = '', signature = ''] = segments;
  const header = decodeSegment(encodedHeader, 'header');
  const alg = checkAlgorithm(header.alg);
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== 'string') {
    throw attestationFailed('malformed', 'token header `kid` must be a string');
  }
  const payload = decodeSegment(encodedPayload, 'payload');
  if (typeof payload.iss !== 'string' || payload.iss === '') {
    throw attestationFailed('malformed', 'token has no `iss` claim');
  }
  if (!BASE64URL.test(signature)) {
    throw attestationFailed('malformed', 'token signature is empty or not base64url');
  }
  return { alg, kid, iss: payload.iss };
}
