import { SignJWT } from 'jose';
import { MandateError } from '../core/errors.js';
import { newId } from '../core/random.js';
import type { ActiveKey } from './keys/key-manager.js';

export interface JwtSvidRequest {
  spiffeId: string;
  audience: string[];
  ttlSeconds: number;
  /** Epoch ms. */
  now: number;
  issuer: string;
}

export interface SignedJwtSvid {
  token: string;
  jti: string;
  kid: string;
  issuedAt: number;
  expiresAt: number;
}

export const MAX_AUDIENCES = 16;

/** Checks a requested JWT-SVID audience list; throws `invalid_request`. */
export function checkAudience(audience: unknown): string[] {
  const list = typeof audience === 'string' ? [audience] : audience;
  if (!Array.isArray(list) || list.length === 0)
    throw new MandateError('invalid_request', 'a jwt-svid needs at least one audience');
  if (list.length > MAX_AUDIENCES)
    throw new MandateError(
      'invalid_request',
      `a jwt-svid takes at most ${MAX_AUDIENCES} audiences`,
    );
  for (const a of list) {
    if (typeof a !== 'string' || a.length === 0 || a.length > 512)
      throw new MandateError(
        'invalid_request',
        'each audience must be a non-empty string of at most 512 characters',
      );
  }
  return [...new Set(list as string[])];
}

/**
 * Signs a JWT-SVID (SPIFFE JWT-SVID spec): `sub` = the SPIFFE ID, `aud` required, `exp`
 * required, plus `iat`, `jti` and `iss`; header `typ: JWT` and the signing key's `kid`.
 * The caller has already capped the TTL.
 */
export async function signJwtSvid(key: ActiveKey, req: JwtSvidRequest): Promise<SignedJwtSvid> {
  const iat = Math.floor(req.now / 1000);
  const exp = iat + req.ttlSeconds;
  const jti = newId();
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setSubject(req.spiffeId)
    .setAudience(req.audience.length === 1 ? req.audience[0]! : req.audience)
    .setIssuer(req.issuer)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(key.privateKey);
  return { token, jti, kid: key.kid, issuedAt: iat * 1000, expiresAt: exp * 1000 };
}
