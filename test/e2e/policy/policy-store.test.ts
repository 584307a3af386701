// The policy store over HTTP (/v1/policies…) and through `mandate policy …` as a child process
// against a real server: validation with located errors, versions, activation, rollback, diff,
// the decision point following the active set, and the audit trail.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callRequest, tool } from '../../../src/policy/testing.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminCall, type Json } from '../helpers/admin.js';
import { cliJson, killRunningClis, runCli, serverArgs } from '../helpers/cli.js';

const PERMIT_ALL = '@id("all")\npermit (principal, action, resource);\n';
const BAD =
  '@id("ok")\npermit (principal, action, resource);\n\n@id("bad")\nforbid (principal, action, resource)\nwhen { resource.no_such_attribute == 1 };\n';

describe('policy store over HTTP and the CLI', () => {
  let server: TestServer;
  let args: string[];
  const dir = mkdtempSync(join(tmpdir(), 'mandate-policies-'));

  const call = (method: string, path: string, body?: unknown) =>
    adminCall(server, method, path, body);

  function policyDir(name: string, files: Record<string, string>): string {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(d, file), text);
    return d;
  }

  before(async () => {
    server = await startTestServer();
    args = serverArgs(server);
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a new server stores the default pack as version 1 and activates it, audited as system', async () => {
    const list = await call('GET', '/v1/policies');
    assert.equal(list.status, 200);
    assert.equal(list.json.active, 1);
    const sets = list.json.policy_sets as Json[];
    assert.deepEqual(
      sets.map((s) => [s.version, s.status, s.created_by]),
      [[1, 'active', 'system']],
    );
    assert.equal(server.mandate.policyStore.active().version, '1');
    const events = await server.mandate.store.read.audit.list();
    assert.deepEqual(
      events.filter((e) => e.action.startsWith('policy.')).map((e) => [e.actor, e.action]),
      [
        ['system', 'policy.create'],
        ['system', 'policy.activate'],
      ],
    );
    const v1 = await call('GET', '/v1/policies/1');
    assert.ok(
      (v1.json.files as { name: string; text: string }[]).some(
        (f) =>
          f.name === 'taint.cedar' && f.text.includes('mandate.no-external-after-confidential'),
      ),
    );
  });

  test('validate answers valid/errors with file, line and column; create refuses invalid files and stores nothing', async () => {
    const ok = await call('POST', '/v1/policies/validate', {
      files: [{ name: 'all.cedar', text: PERMIT_ALL }],
    });
    assert.deepEqual(ok, { status: 200, json: { valid: true, errors: [] } });
    const bad = await call('POST', '/v1/policies/validate', {
      files: [{ name: 'bad.cedar', text: BAD }],
    });
    assert.equal(bad.json.valid, false);
    const e = (bad.json.errors as Json[])[0]!;
    assert.deepEqual([e.file, e.line, typeof e.column], ['bad.cedar', 6, 'number']);
    const refused = await call('POST', '/v1/policies', {
      files: [{ name: 'bad.cedar', text: BAD }],
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.code, 'invalid_request');
    assert.equal((refused.json.errors as Json[])[0]!.line, 6);
    assert.equal(((await call('GET', '/v1/policies')).json.policy_sets as Json[]).length, 1);
    const anonymous = await fetch(`${server.url}/v1/policies`);
    assert.equal(anonymous.status, 401);
  });

  test('create, activate, diff and rollback over HTTP; the decision point follows the active set', async () => {
    const destructive = callRequest({
      tool: tool({ name: 'github/delete_repo', sideEffect: 'destructive' }),
    });
    assert.equal(
      server.mandate.policyStore.active().authorize(destructive).outcome,
      'approval_required',
    );
    const created = await call('POST', '/v1/policies', {
      files: [{ name: 'all.cedar', text: PERMIT_ALL }],
    });
    assert.equal(created.status, 201);
    assert.deepEqual([created.json.version, created.json.status], [2, 'inactive']);
    const activated = await call('POST', '/v1/policies/2/activate');
    assert.deepEqual(
      [activated.status, activated.json.version, activated.json.status],
      [200, 2, 'active'],
    );
    assert.equal(server.mandate.policyStore.active().authorize(destructive).outcome, 'allow');
    const diff = await call('GET', '/v1/policies/diff?from=1&to=2');
    assert.deepEqual((diff.json.policies as Json).added, ['all']);
    assert.ok(
      ((diff.json.policies as Json).removed as string[]).includes(
        'mandate.destructive-needs-approval',
      ),
    );
    assert.ok(
      (diff.json.files as Json[]).some((f) => f.name === 'all.cedar' && f.status === 'added'),
    );
    assert.equal((await call('GET', '/v1/policies/diff?from=1&to=9')).status, 404);
    assert.equal((await call('POST', '/v1/policies/9/activate')).status, 404);
    const back = await call('POST', '/v1/policies/rollback');
    assert.deepEqual([back.status, back.json.version], [200, 1]);
    assert.equal(
      server.mandate.policyStore.active().authorize(destructive).outcome,
      'approval_required',
    );
    const events = (await server.mandate.store.read.audit.list()).filter((e) =>
      e.action.startsWith('policy.'),
    );
    assert.deepEqual(
      events.slice(2).map((e) => [e.actor, e.action, e.target]),
      [
        ['admin', 'policy.create', 'policy_set:2'],
        ['admin', 'policy.activate', 'policy_set:2'],
        ['admin', 'policy.rollback', 'policy_set:1'],
      ],
    );
  });

  test('mandate policy validate works offline: file:line:column per error, exit 1 when invalid', async () => {
    const good = await runCli(['policy', 'validate', 'src/policy/defaults']);
    assert.equal(good.code, 0, good.stderr);
    const badDir = policyDir('bad', { 'bad.cedar': BAD, 'all.cedar': PERMIT_ALL });
    const bad = await runCli(['policy', 'validate', badDir]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stdout,
      new RegExp(
        `^${join(badDir, 'bad.cedar').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:\\d+: .*no_such_attribute`,
        'm',
      ),
    );
    const json = await runCli(['policy', 'validate', join(badDir, 'bad.cedar'), '--json']);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { valid: boolean }).valid, false);
  });

  test('mandate policy test runs the shipped test file; a wrong expectation fails with exit 1', async () => {
    const ok = await runCli(['policy', 'test', 'policies/tests/default-pack.json']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /\d+ passed, 0 failed/);
    const packDir = policyDir('pack', {});
    for (const f of readdirSync('src/policy/defaults').filter((n) => n.endsWith('.cedar')))
      copyFileSync(join('src/policy/defaults', f), join(packDir, f));
    const file = join(dir, 'failing.json');
    writeFileSync(
      file,
      JSON.stringify({
        policies: 'pack',
        cases: [
          {
            name: 'destructive is allowed?',
            request: {
              ...callRequest({
                tool: tool({ name: 'github/delete_repo', sideEffect: 'destructive' }),
              }),
            },
            expect: 'allow',
          },
        ],
      }),
    );
    const failing = await runCli(['policy', 'test', file]);
    assert.equal(failing.code, 1);
    assert.match(
      failing.stdout,
      /FAIL {2}destructive is allowed\?: expected allow, got approval_required/,
    );
  });

  test('mandate policy activate, diff and rollback through the server', async () => {
    const d = policyDir('all', { 'all.cedar': PERMIT_ALL });
    const activated = await cliJson<{ version: number; status: string }>([
      'policy',
      'activate',
      d,
      ...args,
    ]);
    assert.deepEqual([activated.version, activated.status], [3, 'active']);
    assert.equal(server.mandate.policyStore.active().version, '3');
    const diff = await cliJson<{ policies: { added: string[] } }>([
      'policy',
      'diff',
      '1',
      '3',
      ...args,
    ]);
    assert.deepEqual(diff.policies.added, ['all']);
    const text = await runCli(['policy', 'diff', '1', '3', ...args]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^policies added: all$/m);
    assert.match(text.stdout, /^\+\+\+ b\/all\.cedar$/m);
    const back = await cliJson<{ version: number }>(['policy', 'rollback', ...args]);
    assert.equal(back.version, 2);
    const invalid = await runCli([
      'policy',
      'activate',
      policyDir('bad2', { 'bad.cedar': BAD }),
      ...args,
    ]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /bad\.cedar:6:\d+/);
    assert.equal(server.mandate.policyStore.active().version, '2');
  });
});
