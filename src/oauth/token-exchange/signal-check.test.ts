import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import { refuseRisky, taskPurpose, type ExchangeSignals } from './signal-check.js';

const PURPOSES = {
  'triage docs': ['tool:docs/*'],
  'read docs': ['tool:docs/read'],
  'do anything': ['tool:*'],
};
const refusedWith = (reason: string) => (err: unknown) =>
  err instanceof MandateError && err.details?.reason === reason;

describe('token exchange and signals', () => {
  test("a task's purpose is the registered one or a narrowing signals.purposes declares", () => {
    assert.equal(taskPurpose(undefined, 'triage docs', PURPOSES), 'triage docs');
    assert.equal(taskPurpose('triage docs', 'triage docs', PURPOSES), 'triage docs');
    assert.equal(taskPurpose('read docs', 'triage docs', PURPOSES), 'read docs');
    assert.throws(
      () => taskPurpose('do anything', 'triage docs', PURPOSES),
      refusedWith('purpose_not_allowed'),
    );
    assert.throws(
      () => taskPurpose('free text', 'triage docs', PURPOSES),
      refusedWith('purpose_not_allowed'),
    );
    // An unlisted registered purpose declares the whole token: anything narrows it.
    assert.equal(taskPurpose('do anything', 'unlisted', PURPOSES), 'do anything');
    assert.equal(taskPurpose('free text', 'unlisted', undefined), 'free text');
  });

  test('no token at the refusing risk; below it, or with the refusal off, the exchange goes on', () => {
    const signals = (risk: number, refuseAtRisk: number | null): ExchangeSignals => ({
      purposes: {},
      refuseAtRisk,
      standing: () => ({ risk, restrictions: [] }),
    });
    const call = { agent: 'spiffe://td/agent/a', taskId: null, chain: ['spiffe://td/agent/a'] };
    assert.throws(
      () => refuseRisky(signals(80, 80), call),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'invalid_grant' &&
        /at risk 80/.test(err.message),
    );
    refuseRisky(signals(79, 80), call);
    refuseRisky(signals(100, null), call);
    refuseRisky(undefined, call);
  });
});
