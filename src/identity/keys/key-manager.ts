import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JWK,
} from 'jose';
import type { Clock } from '../../core/clock.js';
import type { CryptoKey } from '../../core/webcrypto.js';
import type { RequestContext } from '../../core/context.js';
import { MandateError } from '../../core/errors.js';
import type { KeyPurpose, SigningKeyRecord, Store, StoreTx } from '../../core/store/index.js';
import type { Sealer } from './sealing.js';

export interface KeyPolicy {
  alg: string;
  /** The longest lifetime of anything this purpose's key signs, in seconds. */
  maxTokenTtlSeconds: number;
}

export interface ActiveKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
}

/** A published verification key, as it appears in the JWKS. */
export interface PublishedKey {
  kid: string;
  alg: string;
  purpose: KeyPurpose;
  state: SigningKeyRecord['state'];
  jwk: JWK;
}

const aad = (kid: string): string => `mandate:signing-key:${kid}`;

/**
 * Signing keys, per purpose (`jwt-svid`, `token`), each in one of three states:
 * `next` (published, not signing), `active` (signs), `retired` (published until the last
 * token it signed has expired). Rotation promotes `next`, so a key is always in the JWKS
 * before it signs anything.
 */
export class KeyManager {
  private readonly active = new Map<KeyPurpose, ActiveKey>();

  constructor(
    private readonly store: Store,
    private readonly sealer: Sealer,
    private readonly clock: Clock,
    private readonly policies: Record<KeyPurpose, KeyPolicy>,
  ) {}

  /** At start: make sure every purpose has an active and a next key. */
  async initialize(ctx: RequestContext): Promise<void> {
    await this.store.transaction(async (tx) => {
      for (const purpose of Object.keys(this.policies) as KeyPurpose[]) {
        const keys = await tx.keys.list(purpose);
        const policy = this.policies[purpose];
        if (!keys.some((k) => k.state === 'active')) {
          await this.createKey(tx, purpose, policy.alg, 'active', ctx);
        }
        if (!keys.some((k) => k.state === 'next')) {
          await this.createKey(tx, purpose, policy.alg, 'next', ctx);
        }
      }
    });
    this.active.clear();
  }

  /** The key that signs for `purpose` now. */
  async signingKey(purpose: KeyPurpose): Promise<ActiveKey> {
    const cached = this.active.get(purpose);
    if (cached) return cached;
    const record = (await this.store.read.keys.list(purpose)).find((k) => k.state === 'active');
    if (!record)
      throw new MandateError(
        'unavailable',
        `no active ${purpose} signing key; restart the server to create one`,
      );
    const pem = this.sealer.open(record.sealedPrivateKey, aad(record.kid));
    const key: ActiveKey = {
      kid: record.kid,
      alg: record.alg,
      privateKey: await importPKCS8(pem, record.alg),
    };
    this.active.set(purpose, key);
    return key;
  }

  /** Every key a verifier may meet now: next, active, and retired keys still in their window. */
  async published(purpose?: KeyPurpose): Promise<PublishedKey[]> {
    const now = this.clock.now();
    return (await this.store.read.keys.list(purpose))
      .filter((k) => k.state !== 'retired' || (k.publishUntil ?? 0) > now)
      .map((k) => ({
        kid: k.kid,
        alg: k.alg,
        purpose: k.purpose,
        state: k.state,
        jwk: k.publicJwk as JWK,
      }));
  }

  /** Every signing key record with its state (no private key is opened). */
  list(): Promise<SigningKeyRecord[]> {
    return this.store.read.keys.list();
  }

  /** Every key ever used, for verifying old signatures (audit checkpoints). */
  async allPublicKeys(): Promise<PublishedKey[]> {
    return (await this.store.read.keys.list()).map((k) => ({
      kid: k.kid,
      alg: k.alg,
      purpose: k.purpose,
      state: k.state,
      jwk: k.publicJwk as JWK,
    }));
  }

  /**
   * Rotates the given purposes (all by default): next → active, active → retired (published
   * until the last token it signed expires, bounded below by the longest TTL it may have
   * signed, to cover tokens signed while the rotation commits), and a fresh next key.
   */
  async rotate(
    ctx: RequestContext,
    purposes: KeyPurpose[] = Object.keys(this.policies) as KeyPurpose[],
  ): Promise<{ purpose: KeyPurpose; activated: string; retired: string | null; next: string }[]> {
    const results = await this.store.transaction(async (tx) => {
      const out = [];
      const now = this.clock.now();
      for (const purpose of purposes) {
        const policy = this.policies[purpose];
        const keys = await tx.keys.list(purpose);
        const current = keys.find((k) => k.state === 'active');
        const next =
          keys.find((k) => k.state === 'next') ??
          (await this.createKey(tx, purpose, policy.alg, 'next', ctx));
        if (current) {
          const lastExpiry = (await tx.credentials.lastExpiry(current.kid)) ?? 0;
          const publishUntil = Math.max(lastExpiry, now + policy.maxTokenTtlSeconds * 1000);
          await tx.keys.update({ ...current, state: 'retired', retiredAt: now, publishUntil });
        }
        await tx.keys.update({ ...next, state: 'active', activatedAt: now });
        const fresh = await this.createKey(tx, purpose, policy.alg, 'next', ctx);
        await tx.audit.append({
          actor: ctx.actor,
          action: 'key.rotate',
          target: `key:${purpose}`,
          outcome: 'success',
          requestId: ctx.requestId,
          details: { purpose, activated: next.kid, retired: current?.kid ?? null, next: fresh.kid },
        });
        out.push({ purpose, activated: next.kid, retired: current?.kid ?? null, next: fresh.kid });
      }
      return out;
    });
    for (const r of results) this.active.delete(r.purpose);
    return results;
  }

  private async createKey(
    tx: StoreTx,
    purpose: KeyPurpose,
    alg: string,
    state: 'active' | 'next',
    ctx: RequestContext,
  ): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk, 'sha256');
    const now = this.clock.now();
    const record: SigningKeyRecord = {
      kid,
      purpose,
      alg,
      state,
      publicJwk: { ...jwk, kid, alg, use: 'sig' },
      sealedPrivateKey: this.sealer.seal(await exportPKCS8(privateKey), aad(kid)),
      createdAt: now,
      activatedAt: state === 'active' ? now : null,
      retiredAt: null,
      publishUntil: null,
    };
    await tx.keys.insert(record);
    await tx.audit.append({
      actor: ctx.actor,
      action: 'key.create',
      target: `key:${kid}`,
      outcome: 'success',
      requestId: ctx.requestId,
      details: { purpose, alg, state },
    });
    return record;
  }
}
