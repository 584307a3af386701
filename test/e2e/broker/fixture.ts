// The credential broker over a real SQLite secret store, a real signing key and a manual clock,
// for the broker's unit tests (src/broker/**/*.test.ts).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { CredentialBroker, type CallerContext } from '../../../src/broker/broker.js';
import { Envelope } from '../../../src/broker/envelope.js';
import { SecretStore } from '../../../src/broker/secret-store.js';
import { ManualClock } from '../../../src/core/clock.js';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';

export const ISSUER = 'https://mandate.example.org';
export const ADMIN = { actor: 'admin', requestId: null };

export interface BrokerFixture {
  broker: CredentialBroker;
  secrets: SecretStore;
  store: SqliteStore;
  clock: ManualClock;
  publicJwk: JWK;
  /** A caller whose token expires `ttl` seconds from the clock's now. */
  caller(over?: Partial<CallerContext>, ttl?: number): CallerContext;
  close(): Promise<void>;
}

export async function brokerFixture(
  opts: { timeoutMs?: number; maxCachedTokens?: number; fetch?: typeof fetch } = {},
): Promise<BrokerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-broker-'));
  // Real time, so that tokens signed here verify against a real clock elsewhere too.
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const store = SqliteStore.open({ path: join(dir, 'mandate.db'), clock });
  const secrets = new SecretStore(store, new Envelope(randomBytes(32)), clock);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const key = { kid: 'token-key-1', alg: 'ES256', privateKey };
  const broker = new CredentialBroker({
    secrets,
    keys: { signingKey: async () => key },
    clock,
    issuer: ISSUER,
    ...opts,
  });
  return {
    broker,
    secrets,
    store,
    clock,
    publicJwk: { ...(await exportJWK(publicKey)), kid: key.kid, alg: 'ES256' },
    caller: (over = {}, ttl = 600) => ({
      agent: 'spiffe://example.org/agent/alpha',
      subject: 'spiffe://example.org/agent/alpha',
      actors: [],
      taskId: 'task-1',
      grantId: null,
      scopes: ['tool:github/*'],
      tokenExp: clock.now() / 1000 + ttl,
      requestId: 'req-1',
      ...over,
    }),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
