import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import { parseGatewayConfig } from './config.js';

const http = { name: 'mail', transport: 'http', url: 'http://127.0.0.1:9/mcp' };

function refusal(raw: unknown): string {
  try {
    parseGatewayConfig(raw);
  } catch (err) {
    assert.ok(err instanceof MandateError);
    assert.equal(err.code, 'invalid_config');
    return err.message;
  }
  assert.fail('accepted');
}

test('an object, JSON text or a JSON file', () => {
  assert.equal(parseGatewayConfig({ upstreams: [http] }).upstreams[0]?.name, 'mail');
  assert.equal(
    parseGatewayConfig(JSON.stringify({ upstreams: [http] })).upstreams[0]?.name,
    'mail',
  );
  const file = join(mkdtempSync(join(tmpdir(), 'mandate-gw-')), 'gateway.json');
  writeFileSync(
    file,
    JSON.stringify({
      failMode: 'closed',
      upstreams: [http, { name: 'files', transport: 'stdio', command: 'node', args: ['x.js'] }],
    }),
  );
  assert.deepEqual(
    parseGatewayConfig(file).upstreams.map((u) => u.transport),
    ['http', 'stdio'],
  );
  assert.match(refusal(join(file, 'nope')), /cannot read gateway file/);
  assert.match(refusal('{ nope'), /not valid json/);
});

test('a bad field is named', () => {
  assert.match(
    refusal({ upstreams: [{ ...http, name: 'Mail_1' }] }),
    /`gateway\.upstreams\[0\]\.name` must be 1-32 characters/,
  );
  assert.match(
    refusal({ upstreams: [{ ...http, name: '1mail' }] }),
    /upstreams\[0\]\.name/,
    'a name starts with a letter (it prefixes uri schemes)',
  );
  assert.match(
    refusal({ upstreams: [http, http] }),
    /`gateway\.upstreams\[1\]\.name` duplicates `mail`/,
  );
  assert.match(refusal({ upstreams: [{ ...http, url: 'ftp://x' }] }), /upstreams\[0\]\.url/);
  assert.match(refusal({ upstreams: [{ ...http, transport: 'ws' }] }), /upstreams\[0\]\.transport/);
  assert.match(refusal({ upstreams: [{ ...http, extra: 1 }] }), /upstreams\[0\]/);
  assert.match(refusal({ failMode: 'sometimes', upstreams: [] }), /gateway\.failMode/);
  assert.match(
    refusal({ failMode: 'open', upstreams: [] }),
    /`gateway\.failMode` can only be `closed`: an enforcement point never fails open/,
  );
  assert.match(
    refusal({
      upstreams: [
        { ...http, namespace: false },
        { ...http, name: 'b', namespace: false },
      ],
    }),
    /at most one upstream may set `namespace: false`/,
  );
});

test("credential bindings are checked with the broker's schema, stdio ones with their env mapping", () => {
  assert.equal(
    parseGatewayConfig({
      upstreams: [{ ...http, credential: { provider: 'static', secret: 'k', as: 'bearer' } }],
    }).upstreams[0]?.credential?.provider,
    'static',
  );
  assert.match(
    refusal({
      upstreams: [{ ...http, credential: { provider: 'static', secret: 'k', as: 'header' } }],
    }),
    /credential\.header/,
  );
  assert.match(
    refusal({ upstreams: [{ ...http, credential: { provider: 'magic' } }] }),
    /credential/,
  );
  const stdio = { name: 'files', transport: 'stdio', command: 'node' };
  assert.ok(
    parseGatewayConfig({
      upstreams: [
        {
          ...stdio,
          credential: {
            provider: 'static',
            secret: 'k',
            as: 'header',
            header: 'x-k',
            env: { K: 'x-k' },
          },
        },
      ],
    }),
  );
  assert.match(
    refusal({
      upstreams: [
        {
          ...stdio,
          credential: {
            provider: 'static',
            secret: 'k',
            as: 'bearer',
            env: { 'BAD NAME': 'authorization' },
          },
        },
      ],
    }),
    /credential\.env/,
  );
  assert.match(
    refusal({
      upstreams: [{ ...stdio, credential: { provider: 'static', as: 'bearer', env: {} } }],
    }),
    /credential\.secret/,
  );
});

test("an upstream's hints are untrusted unless `trustHints: true`", () => {
  const parsed = parseGatewayConfig({
    upstreams: [http, { name: 'files', transport: 'stdio', command: 'node', trustHints: true }],
  });
  assert.deepEqual(
    parsed.upstreams.map((u) => [u.name, u.trustHints]),
    [
      ['mail', false],
      ['files', true],
    ],
  );
  assert.match(
    refusal({ upstreams: [{ ...http, trustHints: 'yes' }] }),
    /`gateway\.upstreams\[0\]\.trustHints` invalid input: expected boolean/,
  );
});
