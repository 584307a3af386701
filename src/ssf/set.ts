import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ActiveKey } from '../identity/keys/key-manager.js';
import type { CaepEvent } from './caep.js';

/** RFC 8417 §2.3: the `typ` of a Security Event Token. */
export const SET_TYP = 'secevent+jwt';

export interface SignedSet {
  jti: string;
  jwt: string;
}

/**
 * Signs one SET (RFC 8417 as profiled by SSF 1.0 §4): `iss`, `iat`, `jti`, `aud` (the stream's),
 * `txn`, the subject as the top-level `sub_id` (SSF §4.1.2, RFC 9493) and exactly one event in
 * `events`. No `sub` and no `exp` (RFC 8417 §2.2: a SET is not an access token).
 */
export async function signSet(
  key: ActiveKey,
  opts: { issuer: string; audience: string[]; event: CaepEvent; now: number },
): Promise<SignedSet> {
  const jti = randomUUID();
  const payload: Record<string, unknown> = {
    sub_id: opts.event.subject,
    events: { [opts.event.type]: opts.event.claims },
    ...(opts.event.txn !== undefined ? { txn: opts.event.txn } : {}),
  };
  const jwt = await new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: SET_TYP })
    .setIssuer(opts.issuer)
    .setAudience(opts.audience.length === 1 ? opts.audience[0]! : opts.audience)
    .setIssuedAt(Math.floor(opts.now / 1000))
    .setJti(jti)
    .sign(key.privateKey);
  return { jti, jwt };
}
