import { base64url } from 'jose';

/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9): when nonces are required, every proof must carry
 * a nonce that `check` accepts, or the request is answered `use_dpop_nonce` with `issue()` in the
 * `DPoP-Nonce` header; a nonce a client sends unasked must pass `check` too (§11.3).
 * `RotatingDpopNonces` (one process) and `createDpopNonces` (stateless, shared secret) are two.
 *
 * @example
 * const nonces: DpopNonceSource = { issue: () => current, check: (n) => n === current || n === previous };
 */
export interface DpopNonceSource {
  issue(): string | Promise<string>;
  check(nonce: string): boolean | Promise<boolean>;
}

/**
 * A `DpopNonceSource` for one process: a random nonce that changes every `lifetimeSeconds`
 * (default 300); the current and the previous one are accepted, so a client that just got a
 * nonce is not refused at a rotation. Replicas behind one load balancer need a shared source.
 *
 * @example
 * app.use(mandateExpress({ verifier, nonce: new RotatingDpopNonces({ lifetimeSeconds: 120 }) }));
 */
export class RotatingDpopNonces implements DpopNonceSource {
  private current = '';
  private previous = '';
  private rotatedAt = -Infinity;
  private readonly lifetimeMs: number;
  private readonly now: () => number;

  constructor(opts: { lifetimeSeconds?: number; now?: () => number } = {}) {
    const lifetime = opts.lifetimeSeconds ?? 300;
    if (!Number.isFinite(lifetime) || lifetime <= 0)
      throw new TypeError('lifetimeSeconds must be a positive number');
    this.lifetimeMs = lifetime * 1000;
    this.now = opts.now ?? Date.now;
  }

  issue(): string {
    this.rotate();
    return this.current;
  }

  check(nonce: string): boolean {
    this.rotate();
    return nonce === this.current || (this.previous !== '' && nonce === this.previous);
  }

  private rotate(): void {
    const now = this.now();
    if (now - this.rotatedAt < this.lifetimeMs) return;
    // Two lifetimes idle: the previous nonce is too old to honour as well.
    this.previous = now - this.rotatedAt < 2 * this.lifetimeMs ? this.current : '';
    this.current = randomNonce();
    this.rotatedAt = now;
  }
}

function randomNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(24));
  return base64url.encode(bytes);
}
