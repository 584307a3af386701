import {
  base64url,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';

/**
 * An agent's DPoP key (RFC 9449): an ES256 key pair made with jose, whose private half never
 * leaves this object, and the proofs it signs. Internal to the SDK: `MandateAgent` owns one.
 */
export class DpopKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    /** The public key as it goes in the proof header (RFC 9449 §4.2 `jwk`). */
    readonly publicJwk: JWK,
    /** RFC 7638 SHA-256 thumbprint: the `cnf.jkt` of tokens bound to this key. */
    readonly jkt: string,
  ) {}

  static async generate(): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const { kty, crv, x, y } = await exportJWK(publicKey);
    const jwk: JWK = { kty, crv, x, y };
    return new DpopKey(privateKey, jwk, await calculateJwkThumbprint(jwk, 'sha256'));
  }

  /**
   * A proof for one request (RFC 9449 §4.2): a fresh `jti`, `htm`, `htu` without query or
   * fragment, `iat`, the server's `nonce` when it gave one, and `ath` when presenting a token.
   */
  async proof(
    htm: string,
    htu: string,
    opts: { accessToken?: string | undefined; nonce?: string | undefined } = {},
  ): Promise<string> {
    const url = new URL(htu);
    url.search = '';
    url.hash = '';
    const claims: Record<string, string> = {
      jti: globalThis.crypto.randomUUID(),
      htm,
      htu: url.href,
    };
    if (opts.nonce) claims.nonce = opts.nonce;
    if (opts.accessToken !== undefined) {
      const digest = await globalThis.crypto.subtle.digest(
        'SHA-256',
        new TextEncoder().encode(opts.accessToken),
      );
      claims.ath = base64url.encode(new Uint8Array(digest));
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: this.publicJwk })
      .setIssuedAt()
      .sign(this.privateKey);
  }
}
