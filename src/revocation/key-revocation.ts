import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { SigningKeyRecord, Store } from '../core/store/index.js';
import type { KeyManager } from '../identity/keys/key-manager.js';
import { MAX_TOKEN_LIFETIME_MS } from './events.js';

export interface KeyRevocationDeps {
  store: Store;
  clock: Clock;
  keys: KeyManager;
}

/**
 * Takes a signing key out of service, for a key that leaked: it leaves the JWKS and the SPIFFE
 * bundle at once (retired, published until now) and a `key` revocation event kills every token
 * it signed, cached ones included, until the last of them expires. An active key is rotated out
 * first (its `next` key starts signing), so a purpose always has a key that signs. Audited as
 * `key.revoke`.
 */
export async function revokeSigningKey(
  deps: KeyRevocationDeps,
  kid: string,
  ctx: RequestContext,
): Promise<SigningKeyRecord> {
  const known = await deps.store.read.keys.get(kid);
  if (!known)
    throw new MandateError('not_found', `signing key \`${kid.slice(0, 100)}\` does not exist`);
  if (known.state === 'active') await deps.keys.rotate(ctx, [known.purpose]);
  const revoked = await deps.store.transaction(async (tx) => {
    const key = await tx.keys.get(kid);
    if (!key)
      throw new MandateError('not_found', `signing key \`${kid.slice(0, 100)}\` does not exist`);
    if (key.state === 'active')
      throw new MandateError(
        'conflict',
        `signing key \`${kid}\` became active again while it was being revoked; try again`,
      );
    const now = deps.clock.now();
    const lastExpiry = await tx.credentials.lastExpiry(kid);
    const revoked: SigningKeyRecord = {
      ...key,
      state: 'retired',
      retiredAt: key.retiredAt ?? now,
      publishUntil: now,
    };
    await tx.keys.update(revoked);
    // A key never signs anything that outlives the longest token lifetime after it stops signing.
    const expiresAt = Math.max(
      lastExpiry ?? 0,
      (key.state === 'retired' ? (key.retiredAt ?? now) : now) + MAX_TOKEN_LIFETIME_MS,
    );
    await tx.revocations.append({
      kind: 'key',
      subject: kid,
      at: now,
      expiresAt,
      cause: 'key.revoke',
    });
    await tx.audit.append({
      actor: ctx.actor,
      action: 'key.revoke',
      target: `key:${kid}`,
      outcome: 'success',
      requestId: ctx.requestId,
      details: { purpose: key.purpose, was: key.state, signedUntil: lastExpiry ?? null },
    });
    return revoked;
  });
  // A revoked `next` key leaves its purpose without one: make a fresh one, so the JWKS holds the key that signs next.
  await deps.keys.initialize(ctx);
  return revoked;
}
