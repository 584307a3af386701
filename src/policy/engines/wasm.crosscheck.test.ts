import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CLASSIFICATIONS } from '../classification.js';
import { loadDefaultPolicies } from '../default-pack.js';
import { toCedar, type DecisionRequest } from '../request.js';
import { ALPHA, BETA, callRequest } from '../testing.js';
import { CedarWasmEngine } from './wasm.js';

/**
 * Issue 4: on 1,000 random requests over the default pack, the engine decides as cedar-wasm's
 * stateless `isAuthorized` does on the same inputs (same decision, determining policies and
 * errors), and Mandate's outcome rules hold over the stateless answers. The reference side
 * names policies from Cedar's own split of each file and their `@id`, not the engine's splitter.
 */

const pack = loadDefaultPolicies();
const engine = new CedarWasmEngine(pack);

const reference: Record<string, string> = {};
const approvalIds = new Set<string>();
for (const source of pack.policies) {
  const parts = cedar.policySetTextToParts(source.text);
  assert.equal(parts.type, 'success');
  if (parts.type !== 'success') continue;
  for (const text of parts.policies) {
    const json = cedar.policyToJson(text);
    assert.equal(json.type, 'success');
    if (json.type !== 'success') continue;
    const id = json.json.annotations!.id!;
    reference[id] = text;
    if (json.json.annotations!.approval === 'required') approvalIds.add(id);
  }
}

function stateless(req: DecisionRequest): cedar.AuthorizationAnswer {
  return cedar.isAuthorized({
    ...toCedar(req),
    schema: pack.schema.text,
    validateRequest: true,
    policies: { staticPolicies: reference },
  });
}

const classification = fc.constantFrom(...CLASSIFICATIONS);
const toolArb = fc.oneof(
  fc.record({
    cataloged: fc.constant(true as const),
    name: fc.constantFrom('github/list_issues', 'github/delete_repo', 'mail/send', 'shell/exec'),
    server: fc.constantFrom('github', 'mail', 'shell'),
    sideEffect: fc.constantFrom('read' as const, 'write' as const, 'destructive' as const),
    classification,
    destinations: fc.subarray(['api.github.com', 'smtp.example.org']),
    labels: fc.subarray(['shell', 'admin']),
  }),
  fc.record({
    cataloged: fc.constant(false as const),
    name: fc.constantFrom('x/unknown', 'github/list_issues'),
    server: fc.constant('x'),
  }),
);
const requestArb = fc
  .record({
    tool: toolArb,
    scopes: fc.subarray([
      'tool:github/*',
      'tool:github/list_issues',
      'tool:mail/send',
      'tool:*',
      'tool:sh*',
      '*',
    ]),
    destination: fc.option(
      fc.record({
        host: fc.constantFrom('mail.example.org', 'evil.example'),
        external: fc.boolean(),
      }),
    ),
    callClassification: fc.option(classification),
    taint: classification,
    toolsCalled: fc.subarray(['web/fetch', 'db/query']),
    depth: fc.integer({ min: 0, max: 6 }),
    onBehalfOf: fc.option(fc.constant('alice@example.org')),
    hour: fc.integer({ min: 0, max: 23 }),
    risk: fc.integer({ min: 0, max: 100 }),
    approved: fc.boolean(),
    args: fc.dictionary(
      fc.constantFrom('to', 'url', 'body'),
      fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
    ),
    listTools: fc.boolean(),
    wrongType: fc.integer({ min: 0, max: 49 }).map((n) => n === 0),
  })
  .map((g): DecisionRequest => {
    const base = callRequest({
      tool: g.tool,
      scopes: g.scopes,
      destination: g.destination,
      ...(g.callClassification === null ? {} : { classification: g.callClassification }),
      session: {
        toolsCalled: g.toolsCalled,
        highestClassification: g.taint,
        externalDestinations: [],
        denials: 0,
        callCount: g.toolsCalled.length,
      },
      principal: {
        ...callRequest().principal,
        chain: {
          depth: g.depth,
          actors: [ALPHA, BETA],
          currentActor: ALPHA,
          onBehalfOf: g.onBehalfOf,
        },
      },
      now: new Date(Date.UTC(2025, 5, 2, g.hour, 30)),
      risk: g.wrongType ? (String(g.risk) as unknown as number) : g.risk,
      approved: g.approved,
      arguments: g.args,
    });
    if (!g.listTools) return base;
    const { tool: _tool, ...common } = base;
    return { ...common, action: 'list_tools', server: { name: 'github', labels: [] } };
  });

test('1,000 random requests: the engine decides as stateless isAuthorized does', () => {
  const seen = { allow: 0, deny: 0, approval_required: 0, refused: 0 };
  fc.assert(
    fc.property(requestArb, (req) => {
      const decision = engine.authorize(req);
      const answer = stateless(req);
      if (answer.type === 'failure') {
        seen.refused++;
        assert.deepEqual(
          [decision.outcome, decision.reasons, decision.errors.map((e) => e.policy)],
          ['deny', [], ['']],
        );
        return;
      }
      seen[decision.outcome]++;
      const { decision: expected, diagnostics } = answer.response;
      assert.equal(decision.outcome === 'allow' ? 'allow' : 'deny', expected);
      assert.deepEqual([...decision.reasons].sort(), [...diagnostics.reason].sort());
      assert.deepEqual(
        decision.errors.map((e) => e.policy).sort(),
        diagnostics.errors.map((e) => e.policyId).sort(),
      );
      // approval_required exactly when approval is the only reason for the deny.
      const onlyApproval =
        expected === 'deny' &&
        diagnostics.reason.length > 0 &&
        diagnostics.reason.every((id) => approvalIds.has(id));
      const approved = onlyApproval && !req.approved ? stateless({ ...req, approved: true }) : null;
      const wouldAllow = approved?.type === 'success' && approved.response.decision === 'allow';
      assert.equal(decision.outcome === 'approval_required', wouldAllow);
      assert.deepEqual(decision.approvalPolicies, wouldAllow ? decision.reasons : []);
    }),
    { numRuns: 1000 },
  );
  // The generator reaches every outcome, so the comparison means something.
  for (const [outcome, n] of Object.entries(seen))
    assert.ok(n > 0, `no ${outcome} among the random requests: ${JSON.stringify(seen)}`);
});
