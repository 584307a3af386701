import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MandateError } from '../core/errors.js';
import { DEFAULT_SIGNALS, parseSignalsConfig, SIGNALS_DETECTORS_OFF } from './signal-config.js';

const refused = (raw: unknown, message: RegExp) =>
  assert.throws(
    () => parseSignalsConfig(raw),
    (err: unknown) =>
      err instanceof MandateError && err.code === 'invalid_config' && message.test(err.message),
  );

test('an empty object is the defaults; given fields replace theirs, detector by detector', () => {
  assert.deepEqual(parseSignalsConfig({}), DEFAULT_SIGNALS);
  const c = parseSignalsConfig({
    detectors: { denial_streak: { threshold: 3 }, rate_spike: { enabled: false } },
    ladder: { suspend_agent: 99, revoke_task: null },
  });
  assert.deepEqual(c.detectors.denial_streak, {
    ...DEFAULT_SIGNALS.detectors.denial_streak,
    threshold: 3,
  });
  assert.equal(c.detectors.rate_spike.enabled, false);
  assert.equal(c.detectors.rate_spike.threshold, 120);
  assert.deepEqual(c.ladder, {
    require_approval: 50,
    read_only: 70,
    revoke_task: null,
    suspend_agent: 99,
  });
});

test('JSON text and a JSON file are read too', () => {
  assert.equal(parseSignalsConfig('{"defaultTtlSeconds": 60}').defaultTtlSeconds, 60);
  const file = join(mkdtempSync(join(tmpdir(), 'mandate-signals-')), 'signals.json');
  writeFileSync(file, JSON.stringify({ purposes: { triage: ['tool:github/*'] } }));
  assert.deepEqual(parseSignalsConfig(file).purposes, { triage: ['tool:github/*'] });
  refused('{nope', /^invalid configuration: `signals` is not valid json$/);
  refused('/nonexistent/signals.json', /cannot read signals file `\/nonexistent\/signals.json`/);
});

test('rules default to every kind and keep their responses once each', () => {
  const c = parseSignalsConfig({
    rules: [{ label: 'env:prod', responses: ['revoke_task', 'revoke_task'] }],
  });
  assert.deepEqual(c.rules, [{ label: 'env:prod', kind: '*', responses: ['revoke_task'] }]);
});

test('a bad value names its field', () => {
  refused(
    { detectors: { denial_streak: { threshold: 0 } } },
    /^invalid configuration: `signals\.detectors\.denial_streak\.threshold` /,
  );
  refused(
    { detectors: { denial_streek: {} } },
    /`signals\.detectors\.denial_streek` is not a known field/,
  );
  refused({ ladder: { read_only: 101 } }, /`signals\.ladder\.read_only` /);
  refused(
    { rules: [{ kind: 'x', responses: ['read_only'] }] },
    /`signals\.rules\[0\]` needs `agent` or `label`/,
  );
  refused(
    { rules: [{ label: 'x', responses: ['block'] }] },
    /`signals\.rules\[0\]\.responses\[0\]` /,
  );
  refused(
    { purposes: { triage: ['tool: bad'] } },
    /`signals\.purposes\.triage\[0\]` must be a scope token/,
  );
  refused(
    { sources: [{ name: 'mandate', tokenSha256: 'a'.repeat(64) }] },
    /`signals\.sources\[0\]\.name` `mandate` is reserved/,
  );
  refused(
    { sources: [{ name: 'g', tokenSha256: 'secret' }] },
    /`signals\.sources\[0\]\.tokenSha256` must be 64 lowercase hex digits/,
  );
  refused(
    {
      sources: [
        { name: 'g', tokenSha256: 'a'.repeat(64) },
        { name: 'g', tokenSha256: 'b'.repeat(64) },
      ],
    },
    /`signals\.sources` source names must be unique/,
  );
  refused(
    { defaultTtlSeconds: 600, maxTtlSeconds: 60 },
    /`signals\.defaultTtlSeconds` \(600\) exceeds `signals\.maxTtlSeconds` \(60\)/,
  );
});

test('without the setting every detector is off and the rest is the defaults', () => {
  assert.ok(Object.values(SIGNALS_DETECTORS_OFF.detectors).every((d) => !d.enabled));
  assert.deepEqual(SIGNALS_DETECTORS_OFF.ladder, DEFAULT_SIGNALS.ladder);
});
