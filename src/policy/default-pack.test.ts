import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './decision-point.js';
import { loadDefaultPolicies, loadExamplePolicies } from './default-pack.js';
import { CedarWasmEngine } from './engines/wasm.js';
import { EMPTY_SESSION, type DecisionRequest } from './request.js';
import { ALPHA, BETA, callRequest, tool, type CallRequest } from './testing.js';

const pack = loadDefaultPolicies();
const defaults = new CedarWasmEngine(pack);
// The default pack plus the shipped examples (business hours, tool chain, on-behalf-of).
const withExamples = new CedarWasmEngine({
  schema: pack.schema,
  policies: [...pack.policies, ...loadExamplePolicies()],
});

const EXTERNAL = { host: 'collector.evil.example', external: true };
const INTERNAL = { host: 'mail.example.org', external: false };
const tainted = {
  ...EMPTY_SESSION,
  highestClassification: 'confidential' as const,
  toolsCalled: ['db/query'],
  callCount: 1,
};

function outcome(d: Decision): [string, string[]] {
  return [d.outcome, d.reasons];
}

/** Asserts that `a` is allowed and `b`, which differs from it in one dimension, is denied by `policy`. */
function flips(
  engine: CedarWasmEngine,
  a: DecisionRequest,
  b: DecisionRequest,
  policy: string | null,
): void {
  assert.deepEqual(outcome(engine.authorize(a))[0], 'allow', JSON.stringify(engine.authorize(a)));
  assert.deepEqual(outcome(engine.authorize(b)), ['deny', policy === null ? [] : [policy]]);
}

test('tool: a tool the scopes grant is allowed, one they do not is denied, an unknown tool is forbidden', () => {
  const slack = tool({ name: 'slack/post', server: 'slack', sideEffect: 'write' });
  flips(defaults, callRequest(), callRequest({ tool: slack }), null);
  // An unknown tool is also modelled as destructive, so the approval forbid holds too; the hard forbid keeps it a deny.
  assert.equal(
    defaults.authorize(callRequest({ scopes: ['tool:*'], tool: slack })).outcome,
    'allow',
  );
  const unknown = defaults.authorize(
    callRequest({
      scopes: ['tool:*'],
      tool: { cataloged: false, name: 'slack/post', server: 'slack' },
      approved: true,
    }),
  );
  assert.deepEqual(outcome(unknown), ['deny', ['mandate.deny-unknown-tools']]);
  // Scope matching is Mandate's: exact, or a `p*` prefix wildcard.
  assert.equal(
    defaults.authorize(callRequest({ scopes: ['tool:github/list_issues'] })).outcome,
    'allow',
  );
  assert.equal(defaults.authorize(callRequest({ scopes: ['tool:git*'] })).outcome, 'allow');
  assert.equal(defaults.authorize(callRequest({ scopes: ['tool:github/list'] })).outcome, 'deny');
  assert.equal(defaults.authorize(callRequest({ scopes: [] })).outcome, 'deny');
});

test('destination: after confidential data, an internal destination is allowed and an external one is not', () => {
  const send = tool({
    name: 'mail/send',
    server: 'mail',
    sideEffect: 'write',
    classification: 'internal',
  });
  const req = (destination: typeof EXTERNAL) =>
    callRequest({
      scopes: ['tool:mail/*'],
      tool: send,
      session: tainted,
      arguments: { to: `x@${destination.host}` },
      destination,
    });
  flips(defaults, req(INTERNAL), req(EXTERNAL), 'mandate.no-external-after-confidential');
});

test("classification: the session taint and the call's own classification each flip an external send", () => {
  const send = tool({
    name: 'mail/send',
    server: 'mail',
    sideEffect: 'write',
    classification: 'internal',
  });
  const req = (o: Partial<CallRequest>) =>
    callRequest({ scopes: ['tool:mail/*'], tool: send, destination: EXTERNAL, ...o });
  flips(
    defaults,
    req({ session: { ...EMPTY_SESSION, highestClassification: 'internal' } }),
    req({ session: { ...EMPTY_SESSION, highestClassification: 'confidential' } }),
    'mandate.no-external-after-confidential',
  );
  flips(
    defaults,
    req({ session: { ...EMPTY_SESSION, highestClassification: 'public' } }),
    req({ session: { ...EMPTY_SESSION, highestClassification: 'restricted' } }),
    'mandate.no-external-after-confidential',
  );
  flips(
    defaults,
    req({ classification: 'internal' }),
    req({ classification: 'confidential' }),
    'mandate.no-external-after-confidential',
  );
  flips(
    defaults,
    req({}),
    req({ tool: { ...send, classification: 'confidential' } }),
    'mandate.no-external-after-confidential',
  );
});

test('unknown destination: an unannotated tool whose arguments name no host is denied once the task is tainted, not before', () => {
  const unannotated = tool({
    name: 'util/run',
    server: 'util',
    sideEffect: 'read',
    classification: 'confidential',
  });
  const anyHost = { host: '*', external: true };
  const req = (session: DecisionRequest['session']) =>
    callRequest({ scopes: ['tool:util/*'], tool: unannotated, session, destination: anyHost });
  flips(defaults, req(EMPTY_SESSION), req(tainted), 'mandate.no-external-after-confidential');
});

test('prior tools: a shell after a web fetch in the same task is denied (example tool-chain policy)', () => {
  const shell = tool({
    name: 'shell/exec',
    server: 'shell',
    sideEffect: 'write',
    labels: ['shell'],
  });
  const req = (toolsCalled: string[]) =>
    callRequest({
      scopes: ['tool:shell/*'],
      tool: shell,
      session: { ...EMPTY_SESSION, toolsCalled, callCount: toolsCalled.length },
    });
  flips(
    withExamples,
    req(['github/list_issues']),
    req(['github/list_issues', 'web/fetch']),
    'example.no-shell-after-fetch',
  );
});

test('chain depth: depth 3 is allowed, depth 4 is not', () => {
  const at = (depth: number) =>
    callRequest({
      principal: {
        ...callRequest().principal,
        chain: { depth, actors: [ALPHA, BETA], currentActor: ALPHA, onBehalfOf: null },
      },
    });
  flips(defaults, at(3), at(4), 'mandate.chain-depth-limit');
});

test('on-behalf-of: an admin tool is denied when acting for a human (example policy)', () => {
  const admin = tool({ name: 'github/delete_repo_hook', sideEffect: 'write', labels: ['admin'] });
  const req = (onBehalfOf: string | null) =>
    callRequest({
      tool: admin,
      principal: {
        ...callRequest().principal,
        chain: { depth: 0, actors: [ALPHA], currentActor: ALPHA, onBehalfOf },
      },
    });
  flips(withExamples, req(null), req('alice@example.org'), 'example.no-admin-on-behalf-of');
});

test('time: a write at 10:00 UTC is allowed, at 20:00 UTC it is not (example business-hours policy)', () => {
  const write = tool({ name: 'github/create_issue', sideEffect: 'write' });
  const at = (iso: string) => callRequest({ tool: write, now: new Date(iso) });
  flips(
    withExamples,
    at('2025-06-02T10:00:00Z'),
    at('2025-06-02T20:00:00Z'),
    'example.business-hours',
  );
  flips(
    withExamples,
    at('2025-06-02T16:59:59.999Z'),
    at('2025-06-02T08:59:59Z'),
    'example.business-hours',
  );
  assert.equal(
    withExamples.authorize(callRequest({ now: new Date('2025-06-02T20:00:00Z') })).outcome,
    'allow',
    'reads are not restricted',
  );
});

test('risk: 79 is allowed, 80 is not', () => {
  flips(defaults, callRequest({ risk: 79 }), callRequest({ risk: 80 }), 'mandate.risk-threshold');
});

test('a destructive tool needs approval, and is allowed once approved', () => {
  const destroy = tool({ name: 'github/delete_repo', sideEffect: 'destructive' });
  const asked = defaults.authorize(callRequest({ tool: destroy }));
  assert.deepEqual(asked, {
    outcome: 'approval_required',
    reasons: ['mandate.destructive-needs-approval'],
    errors: [],
    policySetVersion: defaults.version,
    approvalPolicies: ['mandate.destructive-needs-approval'],
  });
  assert.deepEqual(outcome(defaults.authorize(callRequest({ tool: destroy, approved: true }))), [
    'allow',
    ['mandate.allow-scoped-tools'],
  ]);
});

test('an approval never overrides a hard forbid', () => {
  const destroy = tool({ name: 'github/delete_repo', sideEffect: 'destructive' });
  const leak = callRequest({ tool: destroy, session: tainted, destination: EXTERNAL });
  const d = defaults.authorize(leak);
  assert.deepEqual(
    [d.outcome, d.reasons, d.approvalPolicies],
    ['deny', ['mandate.destructive-needs-approval', 'mandate.no-external-after-confidential'], []],
  );
  assert.deepEqual(outcome(defaults.authorize({ ...leak, approved: true })), [
    'deny',
    ['mandate.no-external-after-confidential'],
  ]);
  // Risk, depth and unknown tools are hard forbids too.
  assert.equal(defaults.authorize(callRequest({ tool: destroy, risk: 95 })).outcome, 'deny');
  assert.equal(
    defaults.authorize(
      callRequest({ tool: { cataloged: false, name: 'github/delete_repo', server: 'github' } }),
    ).outcome,
    'deny',
  );
});

test('no approval is asked for what nothing permits', () => {
  const outside = tool({ name: 'prod/drop_database', server: 'prod', sideEffect: 'destructive' });
  assert.deepEqual(outcome(defaults.authorize(callRequest({ tool: outside }))), [
    'deny',
    ['mandate.destructive-needs-approval'],
  ]);
});

test('other actions: listing tools is allowed; resources and prompts need a granting scope; starting tasks and delegating have no default permit', () => {
  const base = callRequest();
  const { tool: _tool, ...common } = base;
  assert.deepEqual(
    outcome(
      defaults.authorize({
        ...common,
        action: 'list_tools',
        server: { name: 'github', labels: [] },
      }),
    ),
    ['allow', ['mandate.allow-list-tools']],
  );
  assert.equal(
    defaults.authorize({
      ...common,
      action: 'list_tools',
      server: { name: 'github', labels: [] },
      risk: 80,
    }).outcome,
    'deny',
  );
  const read = {
    ...common,
    action: 'read_resource' as const,
    resource: { server: 'docs', uri: 'file:///handbook.md' },
  };
  assert.deepEqual(outcome(defaults.authorize(read)), ['deny', []]);
  assert.deepEqual(outcome(defaults.authorize({ ...read, scopes: ['resource:docs/*'] })), [
    'allow',
    ['mandate.allow-scoped-resources'],
  ]);
  assert.deepEqual(
    outcome(
      defaults.authorize({
        ...read,
        scopes: ['resource:docs/file:///handbook.md'],
        destination: EXTERNAL,
      }),
    ),
    ['deny', ['mandate.no-external-after-confidential']],
    'an unclassified resource counts as confidential',
  );
  assert.deepEqual(outcome(defaults.authorize({ ...read, scopes: ['resource:other/*'] })), [
    'deny',
    [],
  ]);
  const prompt = {
    ...common,
    action: 'get_prompt' as const,
    prompt: { server: 'docs', name: 'summarize' },
  };
  assert.deepEqual(outcome(defaults.authorize(prompt)), ['deny', []]);
  assert.deepEqual(outcome(defaults.authorize({ ...prompt, scopes: ['prompt:docs/summarize'] })), [
    'allow',
    ['mandate.allow-scoped-prompts'],
  ]);
  assert.deepEqual(
    outcome(
      defaults.authorize({
        ...common,
        action: 'start_task',
        task: { id: 't1', purpose: 'triage' },
      }),
    ),
    ['deny', []],
  );
  const delegate = {
    id: BETA,
    owner: 'bob@example.org',
    labels: [],
    trustDomain: 'example.org',
    risk: 0,
  };
  assert.deepEqual(outcome(defaults.authorize({ ...common, action: 'delegate', delegate })), [
    'deny',
    [],
  ]);
  assert.equal(
    defaults.authorize({ ...common, action: 'delegate', delegate: base.principal.agent }).errors
      .length,
    0,
    'delegating to oneself still builds a valid request',
  );
});
