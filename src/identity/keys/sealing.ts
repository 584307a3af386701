import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MandateError } from '../../core/errors.js';

/**
 * Private keys at rest are sealed with AES-256-GCM under a 32-byte master key, with the
 * record's identity as additional authenticated data so that a sealed blob cannot be moved
 * to another record. Format: `v1.<iv>.<ciphertext>.<tag>`, base64url parts.
 */
export interface Sealer {
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
}

const VERSION = 'v1';
export const MASTER_KEY_FILE = 'master.key';

export function createSealer(masterKey: Buffer): Sealer {
  if (masterKey.length !== 32)
    throw new MandateError('invalid_config', 'master key must be 32 bytes');
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
      cipher.setAAD(Buffer.from(aad));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        VERSION,
        iv.toString('base64url'),
        ct.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    open(sealed, aad) {
      const [version, iv, ct, tag] = sealed.split('.');
      if (version !== VERSION || !iv || ct === undefined || !tag)
        throw new MandateError('internal', 'sealed key has an unknown format');
      try {
        const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(aad));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(ct, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch (cause) {
        throw new MandateError(
          'internal',
          'cannot unseal a private key: the master key does not match the one it was sealed with',
          undefined,
          { cause },
        );
      }
    },
  };
}

/** Parses `MANDATE_MASTER_KEY`: 32 bytes as base64, base64url or hex. */
export function parseMasterKey(value: string): Buffer {
  const trimmed = value.trim();
  const candidates = [
    /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : undefined,
    Buffer.from(trimmed, 'base64url'),
    Buffer.from(trimmed, 'base64'),
  ];
  const key = candidates.find((b) => b?.length === 32);
  if (!key)
    throw new MandateError(
      'invalid_config',
      'master key must be 32 bytes encoded as base64, base64url or hex (try: openssl rand -base64 32)',
    );
  return key;
}

/**
 * The master key: from the environment when given, else `<dataDir>/master.key`, generated
 * with mode 0600 on first start.
 */
export function loadMasterKey(
  dataDir: string,
  fromEnv: string | undefined,
): { key: Buffer; source: 'env' | 'file'; path?: string; created: boolean } {
  if (fromEnv) return { key: parseMasterKey(fromEnv), source: 'env', created: false };
  const path = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(path))
    return {
      key: parseMasterKey(readFileSync(path, 'utf8')),
      source: 'file',
      path,
      created: false,
    };
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { key, source: 'file', path, created: true };
}
