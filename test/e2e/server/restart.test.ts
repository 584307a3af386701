import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Agent, SigningKey } from '../../../src/sdk/admin-client.js';
import { attest } from '../../../src/sdk/agent-client.js';
import { loadConfig } from '../../../src/server/config/load.js';
import { startServer } from '../../../src/server/serve.js';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../../fakes/server.js';

const AUDIENCE = 'https://tools.example.org';

async function snapshot(server: TestServer) {
  const text = await new Response(await server.admin.exportAudit()).text();
  return {
    agents: await server.admin.listAgents(),
    keys: (await server.admin.listKeys()).map((k: SigningKey) => ({
      kid: k.kid,
      purpose: k.purpose,
      alg: k.alg,
      state: k.state,
      published: k.published,
    })),
    jwks: (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    },
    events: text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; hash: string }),
  };
}

describe('restart on the same data dir', () => {
  let dataDir: string;
  let before1: Awaited<ReturnType<typeof snapshot>>;
  let svidBeforeRotation: string;
  let svidAfterRotation: string;
  let server: TestServer | undefined;

  before(async () => {
    const first = await startTestServer();
    dataDir = first.dataDir;
    for (const name of ['keeper', 'rotator'])
      await first.admin.registerAgent({
        name,
        owner: 'ops@example.org',
        purpose: 'restart test',
        labels: { tier: name },
      });
    await first.admin.suspendAgent('rotator');
    await first.admin.resumeAgent('rotator');
    svidBeforeRotation = (
      await attest({
        url: first.url,
        joinToken: (await first.admin.createJoinToken('keeper')).join_token,
        audience: AUDIENCE,
      })
    ).jwt_svid!.token;
    await first.admin.rotateKeys();
    svidAfterRotation = (
      await attest({
        url: first.url,
        joinToken: (await first.admin.createJoinToken('rotator')).join_token,
        audience: AUDIENCE,
      })
    ).jwt_svid!.token;
    before1 = await snapshot(first);
    await first.stop({ keepData: true });
    server = await startTestServer({ dataDir });
  });

  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('agents, keys (same kids and states) and the JWKS survive', async () => {
    const now = await snapshot(server!);
    assert.deepEqual(now.agents, before1.agents);
    assert.deepEqual(
      now.agents.map((a: Agent) => [a.name, a.status, a.labels.tier]),
      [
        ['keeper', 'active', 'keeper'],
        ['rotator', 'active', 'rotator'],
      ],
    );
    assert.deepEqual(now.keys, before1.keys);
    assert.deepEqual(now.keys.map((k) => k.state).sort(), [
      'active',
      'active',
      'next',
      'next',
      'retired',
      'retired',
    ]);
    assert.deepEqual(now.jwks, before1.jwks);
  });

  test('the audit log survives unchanged and verifies, checkpoint included', async () => {
    const now = await snapshot(server!);
    // A restart itself writes no event (the admin token and keys are already there).
    assert.deepEqual(now.events, before1.events);
    const v = await server!.admin.verifyAudit();
    assert.equal(v.ok, true, String(v.reason));
    assert.equal(v.events_checked, before1.events.length);
    assert.ok(v.checkpoints_checked >= 1, 'stopping sealed the log with a signed checkpoint');
    assert.equal(v.unsealed_events, 0);
  });

  test('JWT-SVIDs issued before the restart verify against the JWKS served after it', async () => {
    const jwks = createRemoteJWKSet(new URL(`${server!.url}/.well-known/jwks.json`));
    for (const [token, agent] of [
      [svidBeforeRotation, 'keeper'],
      [svidAfterRotation, 'rotator'],
    ] as const) {
      const { payload } = await jwtVerify(token, jwks, { audience: AUDIENCE });
      assert.equal(payload.sub, `spiffe://mandate.local/agent/${agent}`);
    }
  });

  test('the restarted server keeps working: attest and audit', async () => {
    const r = await attest({
      url: server!.url,
      joinToken: (await server!.admin.createJoinToken('keeper')).join_token,
      audience: AUDIENCE,
    });
    assert.ok(r.jwt_svid?.token);
    const v = await server!.admin.verifyAudit();
    assert.equal(v.ok, true);
    assert.ok(v.events_checked > before1.events.length);
  });

  test('a different trustDomain on the same data dir is refused with invalid_config', async () => {
    await server!.stop();
    server = undefined;
    await assert.rejects(
      startTestServer({ dataDir, flags: { trustDomain: 'other.example' } }),
      (err: Error & { code?: string; details?: { key?: string } }) => {
        assert.equal(err.code, 'invalid_config');
        assert.equal(err.details?.key, 'trustDomain');
        assert.match(
          err.message,
          /`trustDomain` is `other\.example` but .* belongs to `mandate\.local`/,
        );
        return true;
      },
    );
  });

  test('a wrong MANDATE_MASTER_KEY on a dir created without one is refused at start, naming the key', async () => {
    const config = loadConfig({
      flags: { port: 0, dataDir, logLevel: 'silent' },
      env: {
        MANDATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        MANDATE_MASTER_KEY: randomBytes(32).toString('base64'),
      },
    });
    await assert.rejects(
      startServer(config, { logger: false }),
      (err: Error & { code?: string; details?: { key?: string } }) => {
        assert.equal(err.code, 'invalid_config');
        assert.equal(err.details?.key, 'masterKey');
        assert.match(
          err.message,
          /`masterKey` from MANDATE_MASTER_KEY cannot open the private keys in .*; use the master key this data dir was created with/,
        );
        return true;
      },
    );
  });

  test('after both refusals the data dir is intact and starts with the right settings', async () => {
    server = await startTestServer({ dataDir });
    const v = await server.admin.verifyAudit();
    assert.equal(v.ok, true, String(v.reason));
    assert.deepEqual((await snapshot(server)).keys, before1.keys);
  });
});
