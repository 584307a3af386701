import { X509Certificate } from 'node:crypto';
import type { JWK } from 'jose';
import { canonicalDigest } from '../core/canonical-json.js';
import type { Store } from '../core/store/index.js';
import type { CaManager } from './ca-manager.js';
import type { KeyManager } from './keys/key-manager.js';

/** A SPIFFE bundle (SPIFFE Trust Domain and Bundle spec §4): a JWKS with SPIFFE parameters. */
export interface SpiffeBundle {
  keys: JWK[];
  spiffe_sequence: number;
  spiffe_refresh_hint: number;
}

const SEQUENCE = 'bundle.sequence';
const DIGEST = 'bundle.digest';

/**
 * Builds the trust domain's bundle: `x509-svid` keys (one CA certificate each in `x5c`, no
 * `kid`) and `jwt-svid` keys (with `kid`). `spiffe_sequence` increases whenever the published
 * key set changes (a rotation, a key leaving its publication window, a new CA).
 */
export class BundlePublisher {
  constructor(
    private readonly store: Store,
    private readonly keys: KeyManager,
    private readonly ca: CaManager,
    private readonly refreshHintSeconds: number,
  ) {}

  async current(): Promise<SpiffeBundle> {
    const keys = await this.content();
    const digest = canonicalDigest(keys);
    let sequence = Number((await this.store.read.meta.get(SEQUENCE)) ?? 0);
    if ((await this.store.read.meta.get(DIGEST)) !== digest) {
      sequence = await this.store.transaction(async (tx) => {
        const seq = Number((await tx.meta.get(SEQUENCE)) ?? 0);
        if ((await tx.meta.get(DIGEST)) === digest) return seq;
        await tx.meta.set(SEQUENCE, String(seq + 1));
        await tx.meta.set(DIGEST, digest);
        await tx.audit.append({
          actor: 'system',
          action: 'bundle.update',
          target: 'bundle',
          outcome: 'success',
          requestId: null,
          details: { sequence: seq + 1, digest },
        });
        return seq + 1;
      });
    }
    return { keys, spiffe_sequence: sequence, spiffe_refresh_hint: this.refreshHintSeconds };
  }

  private async content(): Promise<JWK[]> {
    const x509 = (await this.ca.roots()).map((pem) => x509Jwk(pem));
    const jwt = (await this.keys.published('jwt-svid')).map((k) => ({
      ...stripPrivateFields(k.jwk),
      kid: k.kid,
      use: 'jwt-svid',
    }));
    return [...x509, ...jwt];
  }
}

/** An `x509-svid` bundle key: the CA's public key as a JWK with the certificate in `x5c`. */
export function x509Jwk(pem: string): JWK {
  const cert = new X509Certificate(pem);
  const jwk = cert.publicKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, use: 'x509-svid', x5c: [cert.raw.toString('base64')] };
}

function stripPrivateFields(jwk: JWK): JWK {
  const {
    d: _d,
    p: _p,
    q: _q,
    dp: _dp,
    dq: _dq,
    qi: _qi,
    use: _use,
    alg: _alg,
    kid: _kid,
    ...pub
  } = jwk;
  return pub;
}
