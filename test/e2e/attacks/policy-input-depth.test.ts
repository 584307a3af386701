// OWASP Agentic Top 10 2026: ASI08 Cascading Failures. Cedar's parser recurses once per bracket,
// per nested `if` and per link of an operator chain: a policy with thousands of nested
// parentheses overflowed its stack inside wasm and the policy API answered 500, and the wasm
// instance every decision shares was left broken. Policy text past the bounds (brackets deeper
// than 50, more than 50 `if`s or arithmetic operators, more than 100 `&&`/`||` in one policy) is
// refused before Cedar sees it, with a 400 naming the file, line and column, wherever policy text
// enters: the policy API (create, validate) and `mandate policy validate`. Brackets inside
// strings and comments do not count. Real server over plain fetch; the CLI as a child process.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { runCli } from '../helpers/cli.js';

const PERMIT =
  '@id("fine")\npermit (principal, action, resource)\nwhen { context.chain.depth < 2 };\n';
const deep = (n: number) =>
  `// line 1\n@id("deep")\npermit (principal, action, resource)\nwhen { ${'('.repeat(n)}true${')'.repeat(n)} };\n`;

describe('ASI08 attack: policy text nested past what the parser can take', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'mandate-depth-'));

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('creating a policy set with 5,000 nested parentheses: 400 naming the line, nothing stored, the server still decides', async () => {
    for (const n of [101, 5000, 50_000]) {
      const res = await admin('/v1/policies', { files: [{ name: 'deep.cedar', text: deep(n) }] });
      assert.equal(res.status, 400, `${n} levels`);
      const p = (await res.json()) as { detail: string; errors?: { file: string; line: number }[] };
      assert.match(p.detail, /deep\.cedar:4:\d+: brackets nest deeper than 50 levels/);
    }
    const list = await fetch(`${server.url}/v1/policies`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(list.status, 200);
    assert.ok(!JSON.stringify(await list.json()).includes('deep.cedar'), 'nothing was stored');
    const ok = await admin('/v1/policies', { files: [{ name: 'fine.cedar', text: PERMIT }] });
    assert.equal(ok.status, 201, await ok.text());
  });

  test('the same class without brackets: nested `if`, long arithmetic and boolean chains are refused, and the engine still works after', async () => {
    const cond = (c: string) => `@id("c")\npermit (principal, action, resource)\nwhen { ${c} };\n`;
    const forms: [string, RegExp][] = [
      ['if true then '.repeat(2000) + 'true' + ' else false'.repeat(2000), /`if` expressions/],
      [Array(2000).fill('1').join(' + ') + ' > 0', /arithmetic operators/],
      [Array(5000).fill('true').join(' && '), /`&&` \/ `\|\|` operators/],
      ['['.repeat(3000) + ']'.repeat(3000) + ' == []', /brackets nest deeper/],
      // Postfix chains nest the syntax tree one level per `.`, without a bracket left open.
      ['context' + '.a'.repeat(20_000) + ' == 1', /chain more than 50/],
      ['[1]' + '.contains(1)'.repeat(5000), /chain more than 50/],
      ['context.arguments' + '.getTag("a")'.repeat(3000) + ' == 1', /chain more than 50/],
    ];
    for (const [c, message] of forms) {
      const res = await admin('/v1/policies', { files: [{ name: 'c.cedar', text: cond(c) }] });
      assert.equal(res.status, 400, String(message));
      assert.match(((await res.json()) as { detail: string }).detail, message);
    }
    const fine = await admin('/v1/policies/validate', {
      files: [{ name: 'fine.cedar', text: PERMIT }],
    });
    assert.deepEqual(
      await fine.json(),
      { valid: true, errors: [] },
      'cedar still parses after the refusals',
    );
  });

  test('validate: 200 with valid false and the located error; 50 levels, and brackets in strings or comments, are fine', async () => {
    const res = await admin('/v1/policies/validate', {
      files: [{ name: 'deep.cedar', text: deep(3000) }],
    });
    assert.equal(res.status, 200);
    const v = (await res.json()) as {
      valid: boolean;
      errors: { file: string; line: number; message: string }[];
    };
    assert.equal(v.valid, false);
    assert.deepEqual([v.errors[0]!.file, v.errors[0]!.line], ['deep.cedar', 4]);
    const fifty = await admin('/v1/policies/validate', {
      files: [{ name: 'fifty.cedar', text: deep(49) }],
    });
    assert.equal(((await fifty.json()) as { valid: boolean }).valid, true);
    const chains = `@id("ch")\npermit (principal, action, resource)\nwhen { ${Array.from({ length: 40 }, () => `context${'.a'.repeat(40)} == 1`).join(' || ')} };\n`;
    const manyChains = await admin('/v1/policies/validate', {
      files: [{ name: 'chains.cedar', text: chains }],
    });
    assert.equal(manyChains.status, 200, 'forty chains of forty are no chain of 1,600');
    assert.ok(!JSON.stringify(await manyChains.json()).includes('chain more than'));
    for (const chain of [
      'context' + '.a'.repeat(50) + ' == 1',
      '[1]' + '.contains(1)'.repeat(50),
    ]) {
      const at = await admin('/v1/policies/validate', {
        files: [
          {
            name: 'at.cedar',
            text: `@id("at")\npermit (principal, action, resource)\nwhen { ${chain} };\n`,
          },
        ],
      });
      assert.equal(at.status, 200, 'a chain at the bound reaches cedar, which answers');
      await at.arrayBuffer();
    }
    const quoted = `// ${'('.repeat(500)}\n@id("q")\n@description("${'['.repeat(500)}")\npermit (principal, action, resource);\n`;
    const q = await admin('/v1/policies/validate', { files: [{ name: 'q.cedar', text: quoted }] });
    assert.deepEqual(await q.json(), { valid: true, errors: [] });
  });

  test('mandate policy validate (offline): exit 1 with file:line:column, not a crash', async () => {
    const file = join(dir, 'deep.cedar');
    writeFileSync(file, deep(20_000));
    const r = await runCli(['policy', 'validate', file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /deep\.cedar:4:\d+: brackets nest deeper than 50 levels/);
  });
});
