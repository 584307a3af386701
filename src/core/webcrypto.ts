import type { webcrypto } from 'node:crypto';

/** WebCrypto's key type (the DOM lib is not loaded, so the global name is absent). */
export type CryptoKey = webcrypto.CryptoKey;
