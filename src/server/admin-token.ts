import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestsEqual, randomToken, sha256Hex } from '../core/random.js';
import type { Store } from '../core/store/index.js';

export const ADMIN_TOKEN_FILE = 'admin-token';
const META_KEY = 'admin_token.sha256';

/** The admin bearer token of a running Mandate: only its SHA-256 is kept, in the store. */
export class AdminToken {
  constructor(
    private readonly store: Store,
    /** Where the generated token was written, when it came from the data dir. */
    readonly path: string | null,
    readonly created: boolean,
  ) {}

  /** Checks a presented admin token against the stored hash, in constant time. */
  async check(presented: string): Promise<boolean> {
    const stored = await this.store.read.meta.get(META_KEY);
    return stored !== undefined && digestsEqual(sha256Hex(presented), stored);
  }
}

/**
 * The admin bearer token: `MANDATE_ADMIN_TOKEN` when set, else `<dataDir>/admin-token`
 * (0600), generated at first start. Only its SHA-256 is kept in the store.
 */
export async function setupAdminToken(
  store: Store,
  dataDir: string,
  fromConfig: string | undefined,
): Promise<AdminToken> {
  let token = fromConfig;
  let path: string | null = null;
  let created = false;
  if (!token) {
    path = join(dataDir, ADMIN_TOKEN_FILE);
    if (existsSync(path)) token = readFileSync(path, 'utf8').trim();
    else {
      token = `madm_${randomToken(32)}`;
      writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
      created = true;
    }
  }
  const hash = sha256Hex(token);
  if ((await store.read.meta.get(META_KEY)) !== hash) {
    await store.transaction(async (tx) => {
      await tx.meta.set(META_KEY, hash);
      await tx.audit.append({
        actor: 'system',
        action: 'admin_token.set',
        target: 'admin',
        outcome: 'success',
        requestId: null,
        details: { source: fromConfig ? 'env' : 'file', hashPrefix: hash.slice(0, 12) },
      });
    });
  }
  return new AdminToken(store, path, created);
}
