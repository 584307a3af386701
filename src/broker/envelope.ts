import { hkdfSync, randomBytes } from 'node:crypto';
import { MandateError } from '../core/errors.js';
import { createSealer, type Sealer } from '../identity/keys/sealing.js';

/**
 * Envelope encryption of secret values. Each secret version gets a fresh random 256-bit data
 * key; the value is sealed with it (AES-256-GCM), and the data key is sealed (AES-256-GCM) with
 * a key-encryption key derived from the master key by HKDF-SHA-256 with info `mandate secret
 * kek`, so the master key itself never encrypts a secret and the signing-key sealing never
 * shares its key. Both seals carry the secret id and version as additional authenticated data:
 * a ciphertext or wrapped key moved to another row (or another version) does not open.
 */

export const SECRET_KEK_INFO = 'mandate secret kek';

/** Which row a sealed value belongs to; bound into both seals. */
export interface SecretBinding {
  id: string;
  version: number;
}

export interface SealedSecret {
  /** The data key, sealed by the KEK: `v1.<iv>.<ciphertext>.<tag>` (identity/keys/sealing.ts). */
  wrappedKey: string;
  /** The value, sealed by the data key, same format. */
  ciphertext: string;
}

const aad = (b: SecretBinding, part: 'data-key' | 'value'): string =>
  `mandate:secret:${b.id}:v${b.version}:${part}`;

export class Envelope {
  readonly #kek: Sealer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32)
      throw new MandateError('invalid_config', 'master key must be 32 bytes');
    this.#kek = createSealer(
      Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), SECRET_KEK_INFO, 32)),
    );
  }

  seal(value: string, binding: SecretBinding): SealedSecret {
    const dataKey = randomBytes(32);
    try {
      return {
        wrappedKey: this.#kek.seal(dataKey.toString('base64url'), aad(binding, 'data-key')),
        ciphertext: createSealer(dataKey).seal(value, aad(binding, 'value')),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /** Throws `internal` when the seals do not open: another master key, or a row moved or edited. */
  open(sealed: SealedSecret, binding: SecretBinding): string {
    let dataKey: Buffer | undefined;
    try {
      dataKey = Buffer.from(
        this.#kek.open(sealed.wrappedKey, aad(binding, 'data-key')),
        'base64url',
      );
      if (dataKey.length !== 32) throw new Error('data key has the wrong length');
      return createSealer(dataKey).open(sealed.ciphertext, aad(binding, 'value'));
    } catch (cause) {
      throw new MandateError(
        'internal',
        `secret \`${binding.id}\` version ${binding.version} cannot be decrypted: the master key differs from the one it was sealed with, or the stored row was altered`,
        { secret: binding.id, version: binding.version },
        { cause },
      );
    } finally {
      dataKey?.fill(0);
    }
  }
}
