import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEventInput } from '../core/store/index.js';
import { canonicalDigest } from '../core/canonical-json.js';
import { emptySession, recordDecision, snapshot } from '../session/session-state.js';
import type { DecisionPoint } from './decision-point.js';
import {
  DecisionService,
  labelStrings,
  redactSecrets,
  sessionSnapshotOf,
} from './decision-service.js';
import { createDefaultDecisionPoint } from './engines/wasm.js';
import type { DecisionRequest } from './request.js';
import { docsMailCatalog, taskToken } from './testing.js';

describe('DecisionService', () => {
  const point = createDefaultDecisionPoint();

  it('maps the session state to the camelCase snapshot one way, field for field', () => {
    let s = emptySession('t');
    s = recordDecision(s, {
      toolId: 'docs/secret',
      outcome: 'allow',
      at: 1,
      destinations: [{ host: 'x.example', external: true }],
      classificationReturned: 'confidential',
    });
    s = recordDecision(s, { toolId: 'mail/send', outcome: 'deny', at: 2, destinations: [] });
    const cedar = snapshot(s);
    assert.deepEqual(sessionSnapshotOf(s), {
      toolsCalled: cedar.tools_called,
      highestClassification: cedar.highest_classification,
      externalDestinations: cedar.external_destinations,
      denials: cedar.denials,
      callCount: cedar.call_count,
    });
    assert.deepEqual(labelStrings({ prod: '', team: 'billing' }), ['prod', 'team:billing']);
  });

  it('decides, records in the task session, audits, and digests the request it decided', async () => {
    const events: AuditEventInput[] = [];
    const seen: DecisionRequest[] = [];
    const spy: DecisionPoint = {
      version: point.version,
      authorize: (r) => (seen.push(r), point.authorize(r)),
    };
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => spy,
      internalDomains: ['example.org'],
      audit: async (e) => void events.push(e),
    });
    const now = new Date('2026-03-02T10:00:00Z');
    assert.equal(
      (await svc.authorize({ principal: taskToken('t1'), toolId: 'docs/secret', now })).outcome,
      'allow',
    );
    const send = await svc.authorize({
      principal: taskToken('t1'),
      toolId: 'mail/send',
      arguments: { to: 'a@partner.example' },
      now,
    });
    assert.equal(send.outcome, 'deny');
    assert.deepEqual(send.reasons, ['mandate.no-external-after-confidential']);
    assert.equal(send.inputsDigest, canonicalDigest({ ...seen[1], now: now.toISOString() }));
    assert.deepEqual(seen[1]!.destinations, [
      { host: 'partner.example', external: true, network: 'public', allowed: false },
    ]);
    assert.deepEqual(seen[1]!.session.toolsCalled, ['docs/secret']);
    // Another task is untainted.
    assert.equal(
      (
        await svc.authorize({
          principal: taskToken('t2'),
          toolId: 'mail/send',
          arguments: { to: 'a@partner.example' },
          now,
        })
      ).outcome,
      'allow',
    );
    assert.equal(
      (
        await svc.authorize({
          principal: taskToken('t2'),
          toolId: 'mail/send',
          arguments: { to: 'b@mail.example.org' },
          now,
        })
      ).outcome,
      'allow',
    );
    assert.equal(svc.session('t1').callCount, 2);
    assert.equal(svc.session('t1').denials, 1);
    assert.deepEqual(
      events.map((e) => [
        e.action,
        e.target,
        e.outcome,
        (e.details as Record<string, unknown>).task,
      ]),
      [
        ['decision', 'docs/secret', 'success', 't1'],
        ['decision', 'mail/send', 'denied', 't1'],
        ['decision', 'mail/send', 'success', 't2'],
        ['decision', 'mail/send', 'success', 't2'],
      ],
    );
  });

  it('previews a call without recording it in the session or the audit log', async () => {
    const events: AuditEventInput[] = [];
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => point,
      internalDomains: ['example.org'],
      audit: async (e) => void events.push(e),
    });
    const p = await svc.preview({ principal: taskToken('t'), toolId: 'docs/secret' });
    assert.equal(p.outcome, 'allow');
    assert.equal('decisionId' in p, false);
    assert.equal(
      (await svc.preview({ principal: taskToken('t'), toolId: 'other/tool' })).outcome,
      'deny',
    );
    assert.equal(svc.session('t').callCount, 0);
    assert.equal(events.length, 0);
    // The preview sees the session as it is: after a confidential read, an external send previews as denied.
    await svc.authorize({ principal: taskToken('t'), toolId: 'docs/secret' });
    assert.equal(
      (
        await svc.preview({
          principal: taskToken('t'),
          toolId: 'mail/send',
          arguments: { to: 'x@partner.example' },
        })
      ).outcome,
      'deny',
    );
    assert.equal(svc.session('t').callCount, 1);
  });

  it('decides resources and prompts by their scopes; a resource read taints the session with its classification', async () => {
    const events: AuditEventInput[] = [];
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => point,
      internalDomains: ['example.org'],
      audit: async (e) => void events.push(e),
    });
    const principal = taskToken('t', [
      'resource:docs/*',
      'prompt:docs/summarize',
      'tool:mail/send',
    ]);
    const read = await svc.authorizeServerAction({
      principal,
      action: 'read_resource',
      server: 'docs',
      uri: 'file:///handbook.md',
      classification: 'internal',
    });
    assert.deepEqual([read.outcome, read.reasons], ['allow', ['mandate.allow-scoped-resources']]);
    assert.equal(svc.session('t').highestClassification, 'internal');
    assert.equal(
      (
        await svc.authorizeServerAction({
          principal,
          action: 'read_resource',
          server: 'wiki',
          uri: 'file:///x',
        })
      ).outcome,
      'deny',
    );
    assert.equal(
      (
        await svc.authorizeServerAction({
          principal,
          action: 'get_prompt',
          server: 'docs',
          name: 'summarize',
          arguments: { topic: 'q3' },
        })
      ).outcome,
      'allow',
    );
    assert.equal(
      (
        await svc.authorizeServerAction({
          principal,
          action: 'get_prompt',
          server: 'docs',
          name: 'other',
        })
      ).outcome,
      'deny',
    );
    // An unclassified resource counts as confidential, so an external send after it is denied.
    await svc.authorizeServerAction({
      principal,
      action: 'read_resource',
      server: 'docs',
      uri: 'file:///unknown.md',
    });
    assert.equal(svc.session('t').highestClassification, 'confidential');
    assert.equal(
      (
        await svc.authorize({
          principal,
          toolId: 'mail/send',
          arguments: { to: 'x@partner.example' },
        })
      ).outcome,
      'deny',
    );
    // An external http resource is an external destination for the taint rule.
    const t2 = taskToken('t2', ['resource:*']);
    await svc.authorizeServerAction({
      principal: t2,
      action: 'read_resource',
      server: 'docs',
      uri: 'file:///secret.md',
    });
    assert.deepEqual(
      (
        await svc.authorizeServerAction({
          principal: t2,
          action: 'read_resource',
          server: 'web',
          uri: 'https://collector.evil.example/x',
          classification: 'public',
        })
      ).reasons,
      ['mandate.no-external-after-confidential'],
    );
    assert.deepEqual(
      events.slice(0, 3).map((e) => [e.target, (e.details as Record<string, unknown>).action]),
      [
        ['resource:docs/file:///handbook.md', 'read_resource'],
        ['resource:wiki/file:///x', 'read_resource'],
        ['prompt:docs/summarize', 'get_prompt'],
      ],
    );
  });

  it('takes the call risk from the risk source, clamped to 0..100; the default pack denies at 80', async () => {
    let risk = 79.6;
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => point,
      internalDomains: [],
      risk: ({ taskId }) => (taskId === 't' ? risk : 0),
    });
    const r = await svc.authorize({ principal: taskToken('t'), toolId: 'docs/read' });
    assert.deepEqual(
      [r.outcome, r.reasons],
      ['deny', ['mandate.risk-threshold']],
      '79.6 rounds to 80',
    );
    risk = 12;
    assert.equal(
      (await svc.authorize({ principal: taskToken('t'), toolId: 'docs/read' })).outcome,
      'allow',
    );
    risk = 1e9;
    assert.equal(
      (await svc.preview({ principal: taskToken('t'), toolId: 'docs/read' })).outcome,
      'deny',
    );
    assert.equal(
      (await svc.authorize({ principal: taskToken('other'), toolId: 'docs/read' })).outcome,
      'allow',
    );
    const failing = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => point,
      internalDomains: [],
      risk: () => {
        throw new Error('detector down');
      },
    });
    assert.deepEqual(
      (await failing.authorize({ principal: taskToken('t'), toolId: 'docs/read' })).reasons,
      ['mandate.risk-threshold'],
      'a failing risk source counts as the highest risk',
    );
  });

  it('refuses a resource uri with more than one reading, and a huge one, quickly and with the reason', async () => {
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => point,
      internalDomains: [],
    });
    const principal = taskToken('t', ['resource:fs/file:///public/*']);
    assert.equal(
      (
        await svc.authorizeServerAction({
          principal,
          action: 'read_resource',
          server: 'fs',
          uri: 'file:///public/readme.md',
        })
      ).outcome,
      'allow',
    );
    for (const uri of [
      'file:///public/../etc/passwd',
      'file:///public/%2e%2e/etc/passwd',
      'file:///public/..%2fetc/passwd',
      'file:///public/a%2Fb',
      'file:///public/.\\..\\x',
      'file:///public/./x',
      'file:///public/x\u0000',
      `file:///public/${'a'.repeat(200_000)}`,
    ]) {
      const d = await svc.authorizeServerAction({
        principal,
        action: 'read_resource',
        server: 'fs',
        uri,
      });
      assert.equal(d.outcome, 'deny', uri.slice(0, 60));
      assert.match(d.errors[0]?.message ?? '', /resource uri/);
    }
    assert.equal(
      (
        await svc.authorizeServerAction({
          principal: taskToken('t', ['prompt:fs/*']),
          action: 'get_prompt',
          server: 'fs',
          name: 'x'.repeat(5000),
        })
      ).outcome,
      'deny',
    );
  });

  it('denies an unknown or malformed tool id', async () => {
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => point,
      internalDomains: [],
    });
    assert.equal(
      (await svc.authorize({ principal: taskToken('t', ['*']), toolId: 'nope/tool' })).outcome,
      'deny',
    );
    assert.equal(
      (await svc.authorize({ principal: taskToken('t', ['*']), toolId: 'not a tool id' })).outcome,
      'deny',
    );
  });

  it('asks the provider on every call, so a new active set applies at once', async () => {
    let calls = 0;
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => (calls++, point),
      internalDomains: [],
    });
    await svc.authorize({ principal: taskToken('t'), toolId: 'docs/read' });
    await svc.authorize({ principal: taskToken('t'), toolId: 'docs/read' });
    assert.equal(calls, 2);
  });

  it('keeps a bounded number of task sessions (least recently used dropped) and forgets a task', async () => {
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: () => point,
      internalDomains: [],
      maxSessions: 2,
    });
    for (const t of ['a', 'b', 'a', 'c'])
      await svc.authorize({ principal: taskToken(t), toolId: 'docs/read' });
    assert.equal(svc.sessionCount, 2);
    assert.equal(svc.session('b').callCount, 0, 'b was least recently used');
    assert.equal(svc.session('a').callCount, 2);
    svc.forget('a');
    assert.equal(svc.session('a').callCount, 0);
    assert.equal(svc.sessionCount, 1);
  });
});

it('keeps secret-looking argument values out of the audit log', () => {
  assert.deepEqual(
    redactSecrets({
      to: 'a@example.org',
      api_key: 'k',
      nested: { Password: 'p', list: [{ token: 't', ok: 1 }] },
    }),
    {
      to: 'a@example.org',
      api_key: '[redacted]',
      nested: { Password: '[redacted]', list: [{ token: '[redacted]', ok: 1 }] },
    },
  );
});
