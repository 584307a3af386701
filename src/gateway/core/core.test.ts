import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApprovalTicket } from '../../delegation/approvals.js';
import type { AuthorizeInput, AuthorizeResult } from '../../policy/decision-service.js';
import { RequestVerificationError } from '../../protocol/errors.js';
import type { Principal } from '../task-token-verifier.js';
import { approval } from './approval.js';
import { authenticate } from './authenticate.js';
import { toolTarget, type Decided, type Resolved } from './call.js';
import { decide } from './decide.js';
import { isScopeChallenge } from './outcome.js';
import type { ApprovalPort, CoreDeps } from './ports.js';
import { revocation } from './revocation.js';
import { end, next, Steps } from './steps.js';

const AGENT = 'spiffe://example.org/agent/alpha';

const principal: Principal = {
  token: 'header.payload.signature',
  jti: 'tok_1',
  issuer: 'https://mandate.example.org',
  subject: AGENT,
  clientId: AGENT,
  audience: ['https://mandate.example.org/mcp'],
  scopes: ['tool:mail/send_email'],
  authorizationDetails: [],
  taskId: 'task_1',
  depth: 0,
  ancestors: [],
  actors: [],
  actor: AGENT,
  onBehalfOf: null,
  grantId: null,
  cnfJkt: null,
  keyId: 'k1',
  issuedAt: 1_800_000_000,
  expiresAt: 1_800_000_600,
  claims: {},
};

const incoming = { resource: 'https://mandate.example.org/mcp', requestId: 'req_1' };

function resolved(toolId = 'mail/send_email'): Resolved {
  return {
    ...incoming,
    principal,
    scheme: 'Bearer',
    tool: toolTarget(toolId, principal),
    arguments: { to: 'a' },
  };
}

function result(outcome: AuthorizeResult['outcome'], id = 'dec_1'): AuthorizeResult {
  return {
    decisionId: id,
    outcome,
    reasons: outcome === 'allow' ? ['mandate.allow-scoped-tools'] : ['mandate.approval'],
    errors: [],
    policySetVersion: 'v1',
    inputsDigest: 'digest',
  };
}

const silent = { error() {} };

/** Core deps whose decision point answers `answers` in turn (an Error is thrown), recording what it was asked. */
function deps(
  answers: (AuthorizeResult | Error)[],
  approvals?: ApprovalPort,
): CoreDeps & { asked: AuthorizeInput[] } {
  const asked: AuthorizeInput[] = [];
  return {
    asked,
    decisions: () => ({
      async authorize(input) {
        asked.push(input);
        const a = answers.shift();
        if (a === undefined || a instanceof Error) throw a ?? new Error('no answer left');
        return a;
      },
    }),
    approvals: () => approvals,
    revoked: () => null,
    log: silent,
  };
}

const ticket: ApprovalTicket = {
  id: 'apr_1',
  status: 'pending',
  expiresAt: 1_800_000_300_000,
  approveUrl: 'https://mandate.example.org/v1/approvals/apr_1/approve',
  statusUrl: 'https://mandate.example.org/v1/approvals/apr_1',
};

describe('Steps: the order of a call', () => {
  test('each step gets what the one before returned; the first to end the call ends it', async () => {
    const ran: string[] = [];
    const list = Steps.start<null, { n: number }>()
      .step(async (c: { n: number }) => (ran.push('a'), next({ ...c, doubled: c.n * 2 })))
      .step(async (c: { n: number; doubled: number }) =>
        c.doubled > 10 ? end('too big' as const) : (ran.push('b'), next({ ...c, ok: true })),
      )
      .step(async (c: { ok: boolean }) => (ran.push('c'), next(c.ok)));
    const reached: unknown[] = [];
    assert.deepEqual(await list.run({ n: 2 }, null, (c) => reached.push(c)), { next: true });
    assert.deepEqual(ran, ['a', 'b', 'c']);
    assert.deepEqual(reached, [
      { n: 2 },
      { n: 2, doubled: 4 },
      { n: 2, doubled: 4, ok: true },
      true,
    ]);
    ran.length = 0;
    assert.deepEqual(await list.run({ n: 6 }, null), { end: 'too big' });
    assert.deepEqual(ran, ['a'], 'nothing after the step that ended it ran');
  });
});

describe('the core steps', () => {
  test("authenticate: the authenticator's principal and scheme grow the context; its refusal ends the call as it is; its failure refuses it", async () => {
    const ok = await authenticate(incoming, {
      authenticate: async () => ({ principal, chain: [AGENT], scheme: 'DPoP', dpopJkt: 'jkt' }),
      log: silent,
    });
    assert.deepEqual(ok, { next: { ...incoming, principal, scheme: 'DPoP' } });
    const refusal = new RequestVerificationError('missing_token', 'send a task token', 'Bearer');
    assert.deepEqual(
      await authenticate(incoming, { authenticate: async () => ({ refusal }), log: silent }),
      { end: { kind: 'unauthenticated', refusal } },
    );
    const failing = await authenticate(incoming, {
      authenticate: () => Promise.reject(new Error('replay cache full')),
      log: silent,
    });
    assert.deepEqual(failing, { end: { kind: 'unavailable', service: 'authentication' } });
  });

  test('revocation: a revoked token ends the call with the reason; a check that fails refuses it', async () => {
    const call = { ...incoming, principal, scheme: 'Bearer' as const };
    assert.deepEqual(await revocation(call, { revoked: () => null, log: silent }), { next: call });
    assert.deepEqual(await revocation(call, { revoked: () => 'the task ended', log: silent }), {
      end: { kind: 'revoked', scheme: 'Bearer', reason: 'the task ended' },
    });
    const failing = () => {
      throw new Error('registry unavailable');
    };
    assert.deepEqual(await revocation(call, { revoked: failing, log: silent }), {
      end: { kind: 'unavailable', service: 'authentication' },
    });
  });

  test('decide: one decision on the resolved tool and arguments; a denial of a tool the scopes do not grant is the scope challenge', async () => {
    const d = deps([result('allow')]);
    const r = await decide(resolved(), d);
    assert.ok('next' in r && r.next.decision.outcome === 'allow');
    assert.deepEqual(d.asked, [
      {
        principal,
        toolId: 'mail/send_email',
        arguments: { to: 'a' },
        approved: false,
        requestId: 'req_1',
      },
    ]);
    const inScope = await decide(resolved(), deps([result('deny')]));
    assert.ok('end' in inScope && inScope.end.kind === 'denied' && !isScopeChallenge(inScope.end));
    const outOfScope = await decide(resolved('mail/read_inbox'), deps([result('deny')]));
    assert.ok('end' in outOfScope && isScopeChallenge(outOfScope.end));
    assert.equal(outOfScope.end.tool.scope, 'tool:mail/read_inbox');
  });

  test('decide: a decision point that throws refuses the call (fail closed)', async () => {
    assert.deepEqual(await decide(resolved(), deps([new Error('engine crashed')])), {
      end: { kind: 'unavailable', service: 'decision_point', tool: resolved().tool },
    });
  });

  describe('approval', () => {
    const decided = (outcome: 'allow' | 'approval_required'): Decided => ({
      ...resolved(),
      decision: { ...result(outcome), outcome },
    });
    const port = (consume: () => Promise<boolean>, requested: unknown[] = []): ApprovalPort => ({
      consume,
      async request(input) {
        requested.push(input);
        return ticket;
      },
    });

    test('allow goes on, by policy', async () => {
      const r = await approval(decided('allow'), deps([]));
      assert.ok('next' in r);
      assert.equal(r.next.allowed, 'by_policy');
    });

    test('an approval bound to the call is spent, and the call decided again with it', async () => {
      const d = deps(
        [result('allow', 'dec_2')],
        port(async () => true),
      );
      const r = await approval(decided('approval_required'), d);
      assert.ok('next' in r);
      assert.equal(r.next.allowed, 'approval_consumed');
      assert.equal(r.next.decision.decisionId, 'dec_2');
      assert.equal(d.asked[0]?.approved, true);
    });

    test('decided again with the approval and still not allowed: denied', async () => {
      const d = deps(
        [result('deny', 'dec_2')],
        port(async () => true),
      );
      const r = await approval(decided('approval_required'), d);
      assert.ok('end' in r && r.end.kind === 'denied');
      assert.equal(r.end.decision.decisionId, 'dec_2');
    });

    test('no approval yet: one is asked for, bound to the call and its resource', async () => {
      const requested: unknown[] = [];
      const r = await approval(
        decided('approval_required'),
        deps(
          [],
          port(async () => false, requested),
        ),
      );
      assert.ok('end' in r && r.end.kind === 'approval_requested');
      assert.equal(r.end.approval.id, 'apr_1');
      assert.deepEqual(requested, [
        {
          agent: AGENT,
          taskId: 'task_1',
          target: 'mail/send_email',
          arguments: { to: 'a' },
          requestId: 'req_1',
          policySetVersion: 'v1',
          decisionId: 'dec_1',
          reasons: ['mandate.approval'],
          audience: 'https://mandate.example.org/mcp',
        },
      ]);
    });

    test('without approvals, or with approvals failing, the call is refused', async () => {
      for (const approvals of [
        undefined,
        port(async () => {
          throw new Error('store closed');
        }),
      ]) {
        const r = await approval(decided('approval_required'), deps([], approvals));
        assert.ok('end' in r && r.end.kind === 'unavailable' && r.end.service === 'approvals');
      }
    });
  });
});
