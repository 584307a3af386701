import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NESTED_PAGES, renderConfigDocs, renderNestedPage } from '../scripts/gen-config-docs.js';
import { renderErrorDocs } from '../scripts/gen-error-docs.js';
import { AUDIT_ACTIONS } from '../src/core/audit-actions.js';

test('docs/configuration.md matches the settings table (run: node --import tsx scripts/gen-config-docs.ts)', () => {
  assert.equal(readFileSync('docs/configuration.md', 'utf8'), renderConfigDocs());
});

test('the tables of the nested settings in docs/gateway.md, docs/proxy.md and docs/signals.md match their schemas (run: node --import tsx scripts/gen-config-docs.ts)', () => {
  for (const path of Object.keys(NESTED_PAGES)) {
    const page = readFileSync(path, 'utf8');
    assert.equal(page, renderNestedPage(path, page), path);
  }
});

test('a nested table that no longer says what its schema says is stale', () => {
  const page = readFileSync('docs/gateway.md', 'utf8');
  const edited = page.replace('| `maxSessions` | `1000` |', '| `maxSessions` | `500` |');
  assert.notEqual(edited, page);
  assert.notEqual(renderNestedPage('docs/gateway.md', edited), edited);
  assert.match(renderConfigDocs(), /\| `maxSessions` \| `1000` \|/);
});

test('docs/errors.md matches the error registry (run: node --import tsx scripts/gen-error-docs.ts)', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorDocs());
});

test('the AuditAction union and docs/audit.md name the same events', () => {
  const doc = readFileSync('docs/audit.md', 'utf8');
  const section = doc.slice(doc.indexOf('## Event names'));
  const documented = new Set(
    section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([a-z_.]+)`/g)].map((m) => m[1]!)),
  );
  assert.deepEqual(
    AUDIT_ACTIONS.filter((a) => !documented.has(a)),
    [],
  );
  assert.deepEqual(
    [...documented].filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a)),
    [],
  );
});

test('every audit action written in src/ is documented in docs/audit.md', () => {
  const doc = readFileSync('docs/audit.md', 'utf8');
  const actions = new Set<string>();
  for (const file of sourceFiles('src')) {
    for (const m of readFileSync(file, 'utf8').matchAll(
      /action: '([a-z_]+\.[a-z_]+)'|'(agent\.(?:suspend|resume|retire))'/g,
    ))
      actions.add((m[1] ?? m[2])!);
  }
  const missing = [...actions].filter((a) => !doc.includes(`\`${a}\``));
  assert.deepEqual(missing, []);
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return p.includes('conformance') ? [] : sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}
