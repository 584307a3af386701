import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { Store } from '../core/store/index.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import { defaultPolicyFiles, PolicyStore } from './policy-store.js';
import { callRequest, tool } from './testing.js';

const admin: RequestContext = { actor: 'admin', requestId: 'r1' };

async function withPolicyStore(
  fn: (p: PolicyStore, store: Store, clock: ManualClock) => Promise<void>,
): Promise<void> {
  const clock = new ManualClock(1_000);
  const store = new MemoryStore({ clock });
  try {
    await fn(new PolicyStore(store, clock), store, clock);
  } finally {
    await store.close();
  }
}

const permitAll = {
  name: 'all.cedar',
  text: '@id("all")\npermit (principal, action, resource);\n',
};
const broken = {
  name: 'bad.cedar',
  text: '@id("ok")\npermit (principal, action, resource);\n\n@id("bad")\nforbid (principal, action, resource)\nwhen { resource.no_such_attribute == 1 };\n',
};

test('before anything is stored the default pack decides as version 0', () =>
  withPolicyStore(async (p) => {
    assert.equal(p.active().version, '0');
    assert.equal(p.activeSet(), null);
    assert.equal(p.active().authorize(callRequest()).outcome, 'allow');
  }));

test('initialize stores the default pack as version 1, active, audited as system; a second start changes nothing', () =>
  withPolicyStore(async (p, store) => {
    await p.initialize();
    assert.equal(p.active().version, '1');
    const v1 = await store.read.policySets.get(1);
    assert.equal(v1?.status, 'active');
    assert.deepEqual(v1?.files, defaultPolicyFiles());
    const events = await store.read.audit.list();
    assert.deepEqual(
      events.map((e) => [e.actor, e.action, e.target]),
      [
        ['system', 'policy.create', 'policy_set:1'],
        ['system', 'policy.activate', 'policy_set:1'],
      ],
    );
    await p.initialize();
    await new PolicyStore(store, new ManualClock()).initialize();
    assert.equal((await store.read.policySets.list()).length, 1);
    assert.equal((await store.read.audit.list()).length, 2);
  }));

test('validate places each error at file, line and column and never throws', () =>
  withPolicyStore(async (p) => {
    assert.deepEqual(p.validate([permitAll]), { valid: true, errors: [] });
    const result = p.validate([permitAll, broken]);
    assert.equal(result.valid, false);
    const e = result.errors[0]!;
    assert.equal(e.file, 'bad.cedar');
    assert.equal(e.line, 6);
    assert.equal(typeof e.column, 'number');
    assert.match(e.message, /no_such_attribute/);
    const syntax = p.validate([
      { name: 'x.cedar', text: 'permit (principal, action, resource)\nwhen { true ' },
    ]);
    assert.equal(syntax.valid, false);
    assert.equal(syntax.errors[0]?.file, 'x.cedar');
    assert.equal(typeof syntax.errors[0]?.line, 'number');
    assert.equal(p.validate([]).valid, false);
    assert.equal(p.validate([{ name: '../x.cedar', text: permitAll.text }]).valid, false);
    assert.equal(p.validate([permitAll, permitAll]).valid, false);
  }));

test('create refuses an invalid set with invalid_request and the located errors, storing nothing', () =>
  withPolicyStore(async (p, store) => {
    await assert.rejects(p.create([broken], admin), (err: unknown) => {
      assert.ok(err instanceof MandateError);
      assert.equal(err.code, 'invalid_request');
      assert.match(err.message, /bad\.cedar:6:/);
      const errors = err.details?.errors as { file: string; line: number; column: number }[];
      assert.equal(errors[0]?.file, 'bad.cedar');
      return true;
    });
    assert.equal(await store.read.policySets.latestVersion(), 0);
    assert.equal((await store.read.audit.list()).length, 0);
  }));

test('versions are monotonic; activate switches atomically, audits, and notifies listeners', () =>
  withPolicyStore(async (p, store, clock) => {
    await p.initialize();
    const seen: string[] = [];
    p.onChange((point) => seen.push(point.version));
    const v2 = await p.create([permitAll], admin);
    const v3 = await p.create(defaultPolicyFiles(), admin);
    assert.deepEqual([v2.version, v3.version], [2, 3]);
    assert.equal(v2.status, 'inactive');
    assert.equal(p.active().version, '1', 'creating does not activate');
    clock.advance(5_000);
    const active = await p.activate(2, admin);
    assert.equal(active.activatedAt, clock.now());
    assert.equal(p.active().version, '2');
    const destructive = callRequest({
      tool: tool({ name: 'github/delete_repo', sideEffect: 'destructive' }),
    });
    assert.equal(
      p.active().authorize(destructive).outcome,
      'allow',
      'the permit-all set decides now',
    );
    assert.deepEqual(
      (await store.read.policySets.list()).map((s) => s.status),
      ['inactive', 'active', 'inactive'],
    );
    const last = (await store.read.audit.list()).pop()!;
    assert.deepEqual(
      [last.actor, last.action, last.target, last.requestId, last.details.previous],
      ['admin', 'policy.activate', 'policy_set:2', 'r1', 1],
    );
    await assert.rejects(
      p.activate(9, admin),
      (err: unknown) => err instanceof MandateError && err.code === 'not_found',
    );
    assert.equal(p.active().version, '2');
    assert.deepEqual(seen, ['2']);
  }));

test('rollback activates the version before the active one and is audited', () =>
  withPolicyStore(async (p, store) => {
    await p.initialize();
    await assert.rejects(
      p.rollback(admin),
      (err: unknown) => err instanceof MandateError && err.code === 'conflict',
    );
    await p.create([permitAll], admin);
    await p.activate(2, admin);
    const back = await p.rollback(admin);
    assert.equal(back.version, 1);
    assert.equal(p.active().version, '1');
    assert.equal((await store.read.policySets.active())?.version, 1);
    const last = (await store.read.audit.list()).pop()!;
    assert.deepEqual(
      [last.action, last.target, last.details.from],
      ['policy.rollback', 'policy_set:1', 2],
    );
    const destructive = callRequest({
      tool: tool({ name: 'github/delete_repo', sideEffect: 'destructive' }),
    });
    assert.equal(p.active().authorize(destructive).outcome, 'approval_required');
  }));

test('diff reports per-file line changes and added, removed and changed policy ids', () =>
  withPolicyStore(async (p) => {
    await p.initialize();
    const files = defaultPolicyFiles().filter((f) => f.name !== 'risk.cedar');
    const taint = files.find((f) => f.name === 'taint.cedar')!;
    taint.text = taint.text.replace('>= 2', '>= 3');
    await p.create([...files, permitAll], admin);
    const d = await p.diff(1, 2);
    assert.deepEqual(
      d.files.map((f) => [f.name, f.status]),
      [
        ['all.cedar', 'added'],
        ['risk.cedar', 'removed'],
        ['taint.cedar', 'changed'],
      ],
    );
    assert.match(d.files[2]!.diff, /^--- a\/taint\.cedar\n\+\+\+ b\/taint\.cedar\n@@ /);
    assert.match(d.files[2]!.diff, /\n-.*>= 2/);
    assert.match(d.files[2]!.diff, /\n\+.*>= 3/);
    assert.deepEqual(d.policies.added, ['all']);
    assert.ok(d.policies.removed.length > 0);
    assert.deepEqual(d.policies.changed, ['mandate.no-external-after-confidential']);
    assert.deepEqual(await p.diff(0, 1), {
      files: [],
      policies: { added: [], removed: [], changed: [] },
    });
  }));

test('concurrent creates get distinct, consecutive versions; a restart loads the active set', () =>
  withPolicyStore(async (p, store) => {
    await p.initialize();
    const made = await Promise.all([1, 2, 3, 4].map(() => p.create([permitAll], admin)));
    assert.deepEqual(made.map((s) => s.version).sort(), [2, 3, 4, 5]);
    await p.activate(4, admin);
    const restarted = new PolicyStore(store, new ManualClock());
    assert.equal(restarted.active().version, '0', 'the default pack until initialized');
    await restarted.initialize();
    assert.equal(restarted.active().version, '4');
    assert.equal(restarted.activeSet()?.version, 4);
  }));
