import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DpopNonceSource } from './nonce.js';

/**
 * Stateless DPoP nonces for a server whose instances share a secret: `status` tells a stale
 * nonce (ours, too old) from one that is not ours at all.
 *
 * @example
 * ```ts
 * const nonces = createDpopNonces({ secret: randomBytes(32), now: () => clock.now() });
 * reply.header('DPoP-Nonce', nonces.issue());
 * nonces.status(claims.nonce); // 'valid' | 'stale' | 'invalid'
 * ```
 */
export interface DpopNonces extends DpopNonceSource {
  /** A nonce for the `DPoP-Nonce` header. */
  issue(): string;
  /** True when `status` is `valid`. */
  check(nonce: string): boolean;
  /** `valid` when minted here within the lifetime; `stale` when minted here but too old; else `invalid`. */
  status(nonce: string): 'valid' | 'stale' | 'invalid';
}

export interface DpopNonceOptions {
  /** HMAC key, at least 32 bytes, used for nothing else. */
  secret: Buffer;
  /** Epoch milliseconds. */
  now: () => number;
  /** How long a nonce stays valid. Default 300. */
  lifetimeSeconds?: number;
}

const TIME_BYTES = 8;
const MAC_BYTES = 32;
/** base64url of TIME_BYTES + MAC_BYTES (40 bytes) without padding. */
const NONCE_PATTERN = /^[A-Za-z0-9_-]{54}$/;
const MIN_SECRET_BYTES = 32;
/**
 * A nonce minted by another instance that shares the secret may be slightly ahead of this clock.
 * Anything further ahead was not minted by a sane clock and is refused.
 */
const FUTURE_TOLERANCE_SECONDS = 5;

/**
 * Stateless nonces: `base64url(time || HMAC-SHA256(secret, time))`, time being whole epoch
 * seconds as a big-endian uint64. Any instance holding the secret can check them, and the time
 * inside also bounds a proof's age whatever the client's clock says (RFC 9449 §11.1).
 * Nonces minted in the same second are identical; RFC 9449 §8 allows reuse while `jti`s are tracked.
 * Throws a TypeError for a short secret or a bad lifetime.
 */
export function createDpopNonces(opts: DpopNonceOptions): DpopNonces {
  const { secret, now } = opts;
  const lifetime = opts.lifetimeSeconds ?? 300;
  if (!Buffer.isBuffer(secret) || secret.length < MIN_SECRET_BYTES)
    throw new TypeError(`the dpop nonce secret must be at least ${MIN_SECRET_BYTES} bytes`);
  if (!Number.isInteger(lifetime) || lifetime <= 0)
    throw new TypeError('the dpop nonce lifetime must be a positive whole number of seconds');
  const mac = (time: Buffer): Buffer => createHmac('sha256', secret).update(time).digest();
  const seconds = (): number => Math.floor(now() / 1000);

  const status = (nonce: string): 'valid' | 'stale' | 'invalid' => {
    if (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce)) return 'invalid';
    const raw = Buffer.from(nonce, 'base64url');
    // Refuse non-canonical spellings (different trailing bits) so one nonce has one string.
    if (raw.length !== TIME_BYTES + MAC_BYTES || raw.toString('base64url') !== nonce)
      return 'invalid';
    const time = raw.subarray(0, TIME_BYTES);
    if (!timingSafeEqual(raw.subarray(TIME_BYTES), mac(time))) return 'invalid';
    const age = seconds() - Number(time.readBigUInt64BE());
    if (age < -FUTURE_TOLERANCE_SECONDS) return 'invalid';
    return age > lifetime ? 'stale' : 'valid';
  };

  return {
    issue(): string {
      const time = Buffer.alloc(TIME_BYTES);
      time.writeBigUInt64BE(BigInt(seconds()));
      return Buffer.concat([time, mac(time)]).toString('base64url');
    },
    check: (nonce) => status(nonce) === 'valid',
    status,
  };
}
