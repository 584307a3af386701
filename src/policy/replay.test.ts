import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEventInput, AuditEventRecord } from '../core/store/index.js';
import { DecisionService } from './decision-service.js';
import { CedarWasmEngine, createDefaultDecisionPoint, loadSchema } from './engines/wasm.js';
import { defaultPolicyFiles } from './policy-store.js';
import { recordedDecisionOf, replay, type RecordedDecision } from './replay.js';
import { docsMailCatalog, taskToken } from './testing.js';
import type { ToolCatalog } from './tool-catalog.js';

const catalog = (): ToolCatalog =>
  docsMailCatalog({
    purge: { sideEffect: 'destructive', classification: 'public', destinations: [] },
  });

/** The default pack without the approval rule. */
function withoutApproval(): CedarWasmEngine {
  const files = defaultPolicyFiles().filter((f) => f.name !== 'destructive-approval.cedar');
  assert.equal(files.length, defaultPolicyFiles().length - 1);
  return new CedarWasmEngine({
    policies: files.map((f) => ({ file: f.name, text: f.text })),
    schema: loadSchema(),
    version: 'candidate',
  });
}

/** The audit events as the store would return them (details through JSON). */
function stored(events: AuditEventInput[]): AuditEventRecord[] {
  return events.map((e, i) => ({
    seq: i + 1,
    time: 1_000 + i,
    actor: e.actor,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    requestId: e.requestId ?? null,
    details: JSON.parse(JSON.stringify(e.details)) as Record<string, unknown>,
    prevHash: '',
    hash: '',
  }));
}

async function record(svc: DecisionService): Promise<string[]> {
  const now = new Date('2026-03-02T10:00:00Z');
  const ids: string[] = [];
  const call = async (
    task: string,
    toolId: string,
    args?: Record<string, unknown>,
  ): Promise<void> => {
    ids.push(
      (
        await svc.authorize({
          principal: taskToken(task),
          toolId,
          now,
          ...(args ? { arguments: args } : {}),
        })
      ).decisionId,
    );
  };
  await call('t1', 'docs/read');
  await call('t1', 'docs/secret');
  await call('t1', 'mail/send', { to: 'a@partner.example' }); // deny: taint
  await call('t2', 'docs/purge'); // approval_required
  await call('t2', 'mail/send', { to: 'a@partner.example' }); // allow
  await call('t3', 'nope/tool'); // deny: unknown
  return ids;
}

describe('replay', () => {
  it('reports exactly the decisions a candidate flips, with the determining policies before and after', async () => {
    const events: AuditEventInput[] = [];
    const point = createDefaultDecisionPoint();
    const svc = new DecisionService({
      catalog: catalog(),
      decisionPoint: () => point,
      internalDomains: ['example.org'],
      audit: async (e) => void events.push(e),
    });
    const ids = await record(svc);
    const decisions = stored(events)
      .map(recordedDecisionOf)
      .filter((d): d is RecordedDecision => d !== undefined);
    assert.equal(decisions.length, 6);
    assert.deepEqual(
      decisions.map((d) => d.outcome),
      ['allow', 'allow', 'deny', 'approval_required', 'allow', 'deny'],
    );

    // The same set changes nothing: the recorded request decides the same again.
    assert.deepEqual(replay(decisions, createDefaultDecisionPoint()), { total: 6, changed: [] });

    const report = replay(decisions, withoutApproval());
    assert.equal(report.total, 6);
    assert.equal(report.changed.length, 1);
    const [change] = report.changed;
    assert.equal(change!.decisionId, ids[3]);
    assert.equal(change!.before, 'approval_required');
    assert.equal(change!.after, 'allow');
    assert.deepEqual(change!.reasonsBefore, ['mandate.destructive-needs-approval']);
    assert.ok(
      change!.reasonsAfter.length > 0 &&
        !change!.reasonsAfter.includes('mandate.destructive-needs-approval'),
    );
  });

  it('a candidate without signals.cedar flips nothing a signal restricted: the guard holds there as it will live', async () => {
    const events: AuditEventInput[] = [];
    const point = createDefaultDecisionPoint();
    const svc = new DecisionService({
      catalog: catalog(),
      decisionPoint: () => point,
      internalDomains: ['example.org'],
      audit: async (e) => void events.push(e),
      restrictions: () => ['read_only'],
    });
    const now = new Date('2026-03-02T10:00:00Z');
    assert.equal(
      (
        await svc.authorize({
          principal: taskToken('t9'),
          toolId: 'mail/send',
          arguments: { to: 'bob@example.org' },
          now,
        })
      ).outcome,
      'deny',
    );
    const files = defaultPolicyFiles().filter((f) => f.name !== 'signals.cedar');
    const candidate = new CedarWasmEngine({
      policies: files.map((f) => ({ file: f.name, text: f.text })),
      schema: loadSchema(),
      version: 'no-signals',
    });
    const decisions = stored(events)
      .map(recordedDecisionOf)
      .filter((d): d is RecordedDecision => d !== undefined);
    assert.equal(
      candidate.authorize(decisions[0]!.request).outcome,
      'allow',
      'the candidate alone would allow it',
    );
    assert.deepEqual(replay(decisions, candidate), { total: 1, changed: [] });
  });

  it('skips events that are not replayable decisions', () => {
    const [e] = stored([
      {
        actor: 'a',
        action: 'decision',
        target: 'x',
        outcome: 'success',
        requestId: null,
        details: { decision_id: 'd', outcome: 'allow' },
      },
    ]);
    assert.equal(recordedDecisionOf(e!), undefined);
  });
});

describe('shadow mode', () => {
  it('records a disagreement without changing the live decision, and only where they disagree', async () => {
    const point = createDefaultDecisionPoint();
    const svc = new DecisionService({
      catalog: catalog(),
      decisionPoint: () => point,
      internalDomains: ['example.org'],
      maxShadowDisagreements: 10,
    });
    svc.setShadow(withoutApproval());
    const now = new Date('2026-03-02T10:00:00Z');
    const live = await svc.authorize({ principal: taskToken('t'), toolId: 'docs/purge', now });
    assert.equal(live.outcome, 'approval_required');
    assert.equal(
      (await svc.authorize({ principal: taskToken('t'), toolId: 'docs/read', now })).outcome,
      'allow',
    );
    const list = svc.shadowDisagreements();
    assert.equal(list.length, 1);
    assert.deepEqual(
      {
        id: list[0]!.decisionId,
        tool: list[0]!.toolId,
        live: list[0]!.live,
        shadow: list[0]!.shadow,
        liveReasons: list[0]!.liveReasons,
        shadowVersion: list[0]!.shadowVersion,
      },
      {
        id: live.decisionId,
        tool: 'docs/purge',
        live: 'approval_required',
        shadow: 'allow',
        liveReasons: ['mandate.destructive-needs-approval'],
        shadowVersion: 'candidate',
      },
    );
    svc.setShadow(null);
    assert.deepEqual(svc.shadowDisagreements(), []);
    assert.equal(
      (await svc.authorize({ principal: taskToken('t'), toolId: 'docs/purge', now })).outcome,
      'approval_required',
    );
    assert.deepEqual(svc.shadowDisagreements(), []);
  });
});
