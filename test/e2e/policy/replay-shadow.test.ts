// Replay and shadow mode over HTTP and `mandate policy replay` against a real server: recorded
// decisions re-decided with a candidate set (exactly the flipped ones reported, with the
// determining policies before and after), and a shadow set that records disagreements without
// changing the live answer.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPolicyFiles } from '../../../src/policy/policy-store.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminCall, type Json } from '../helpers/admin.js';
import { attestedAgent, GATEWAY } from '../helpers/agents.js';
import { cliJson, killRunningClis, runCli, serverArgs } from '../helpers/cli.js';

const SCOPES = ['tool:docs/read', 'tool:docs/secret', 'tool:mail/send', 'tool:db/drop'];

describe('policy replay and shadow mode over HTTP and the CLI', () => {
  let server: TestServer;
  let agent: MandateAgent;
  const dir = mkdtempSync(join(tmpdir(), 'mandate-replay-'));
  /** The default pack without the approval rule. */
  const candidate = defaultPolicyFiles().filter((f) => f.name !== 'destructive-approval.cedar');

  const call = (method: string, path: string, body?: unknown) =>
    adminCall(server, method, path, body);

  async function authorize(tool: string, extra: Json = {}): Promise<Json> {
    const t = await agent.startTask({
      resource: GATEWAY,
      scope: SCOPES,
      purpose: 'replay e2e',
      ttlSeconds: 600,
    });
    const r = await call('POST', '/v1/authorize', {
      token: t.accessToken,
      audience: GATEWAY,
      tool,
      ...extra,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  }

  before(async () => {
    server = await startTestServer();
    agent = await attestedAgent(server, 'alpha', SCOPES);
    const s = { type: 'object', properties: {} };
    for (const [server_, body] of Object.entries({
      docs: {
        tools: [{ name: 'read', inputSchema: s }],
        annotations: { read: { sideEffect: 'read', classification: 'public', destinations: [] } },
      },
      db: {
        tools: [{ name: 'drop', inputSchema: s }],
        annotations: {
          drop: { sideEffect: 'destructive', classification: 'internal', destinations: [] },
        },
      },
    })) {
      const r = await call('PUT', `/v1/tools/${server_}`, body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('replay reports exactly the decisions a candidate flips (approval_required -> allow), over HTTP and the CLI', async () => {
    assert.equal((await authorize('docs/read')).decision, 'allow');
    const drop = await authorize('db/drop');
    assert.equal(drop.decision, 'approval_required');
    assert.equal((await authorize('nope/tool')).decision, 'deny');

    const same = await call('POST', '/v1/policies/replay', {
      files: defaultPolicyFiles(),
      since: '1h',
    });
    assert.equal(same.status, 200, JSON.stringify(same.json));
    assert.equal(same.json.total, 3);
    assert.deepEqual(same.json.changed, []);

    const r = await call('POST', '/v1/policies/replay', { files: candidate, since: '1h' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.total, 3);
    const changed = r.json.changed as Json[];
    assert.deepEqual(
      changed.map((c) => [c.decision_id, c.before, c.after, c.reasons_before]),
      [[drop.decision_id, 'approval_required', 'allow', ['mandate.destructive-needs-approval']]],
    );
    assert.ok((changed[0]!.reasons_after as string[]).length > 0);

    const bad = await call('POST', '/v1/policies/replay', {
      files: candidate,
      since: 'yesterday-ish',
    });
    assert.equal(bad.status, 400);

    const candDir = join(dir, 'candidate');
    mkdirSync(candDir, { recursive: true });
    for (const f of candidate) writeFileSync(join(candDir, f.name), f.text);
    const json = await cliJson<{ total: number; changed: Json[] }>([
      'policy',
      'replay',
      '--candidate',
      candDir,
      '--since',
      '1h',
      ...serverArgs(server),
    ]);
    assert.equal(json.total, 3);
    assert.deepEqual(
      json.changed.map((c) => c.decision_id),
      [drop.decision_id],
    );
    const text = await runCli([
      'policy',
      'replay',
      '--candidate',
      candDir,
      '--since',
      '1h',
      ...serverArgs(server),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(
        `${String(drop.decision_id)} .* approval_required -> allow +\\(before: mandate\\.destructive-needs-approval; after: `,
      ),
    );
    assert.match(text.stdout, /1 of 3 decision\(s\) since .* would change/);
  });

  test('a shadow set records disagreements without changing the live decision', async () => {
    const created = await call('POST', '/v1/policies', { files: candidate });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const version = created.json.version as number;
    const set = await call('POST', `/v1/policies/${version}/shadow`, {});
    assert.equal(set.status, 200, JSON.stringify(set.json));
    assert.equal(server.mandate.policyStore.activeSet()?.version, 1);

    const drop = await authorize('db/drop');
    assert.equal(drop.decision, 'approval_required');
    assert.equal((await authorize('docs/read')).decision, 'allow');
    const list = await call('GET', '/v1/policies/shadow/disagreements');
    assert.equal(list.json.shadow, String(version));
    assert.deepEqual(
      (list.json.disagreements as Json[]).map((d) => [
        d.decision_id,
        d.tool,
        d.live,
        d.shadow,
        d.live_version,
        d.shadow_version,
      ]),
      [[drop.decision_id, 'db/drop', 'approval_required', 'allow', '1', String(version)]],
    );

    assert.equal((await call('DELETE', '/v1/policies/shadow')).status, 200);
    const cleared = await call('GET', '/v1/policies/shadow/disagreements');
    assert.deepEqual(cleared.json, { shadow: null, disagreements: [] });
    assert.equal((await call('POST', '/v1/policies/99/shadow', {})).status, 404);
  });
});
