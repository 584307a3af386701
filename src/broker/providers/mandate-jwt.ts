import { MANDATE_JWT_MAX_TTL_SECONDS, type MandateJwtBinding } from '../binding.js';
import type { CallerContext, InjectedCredential } from '../credential.js';

/**
 * For internal services that trust Mandate: a Mandate-signed JWT (the identity assertion, see
 * ../identity-assertion.ts) with `aud` = that service, carrying the caller's act chain, sent as
 * the bearer credential. `exp` ≤ min(now + ttlSeconds, the caller's token expiry).
 */
export async function mandateJwtCredential(
  binding: MandateJwtBinding,
  caller: CallerContext,
  mint: (
    audience: string,
    caller: CallerContext,
    ttlSeconds: number,
  ) => Promise<{ jwt: string; exp: number }>,
): Promise<InjectedCredential> {
  const ttl = Math.min(
    Math.max(1, Math.floor(binding.ttlSeconds ?? 60)),
    MANDATE_JWT_MAX_TTL_SECONDS,
  );
  const { jwt, exp } = await mint(binding.audience, caller, ttl);
  return { headers: { authorization: `Bearer ${jwt}` }, expiresAt: exp * 1000 };
}
