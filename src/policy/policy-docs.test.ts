import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadDefaultPolicies, loadExamplePolicies } from './default-pack.js';
import { CedarWasmEngine } from './engines/wasm.js';

const doc = readFileSync('docs/policy.md', 'utf8');
const blocks = [...doc.matchAll(/```cedar\n([\s\S]*?)```/g)]
  .map((m) => m[1]!)
  .filter((b) => b.includes('@id('));

test('every example policy in docs/policy.md validates against the schema', () => {
  assert.ok(blocks.length >= 3);
  const { schema } = loadDefaultPolicies();
  blocks.forEach(
    (text, i) => new CedarWasmEngine({ schema, policies: [{ file: `docs/policy.md#${i}`, text }] }),
  );
});

test('docs/policy.md names every default and example policy id', () => {
  const { schema, policies } = loadDefaultPolicies();
  const engine = new CedarWasmEngine({ schema, policies: [...policies, ...loadExamplePolicies()] });
  const missing = engine.policyIds.filter(
    (id) => !doc.includes(`"${id}"`) && !doc.includes(`\`${id}\``),
  );
  assert.deepEqual(missing, []);
});

test('docs/policy.md describes every attribute of the schema', () => {
  const schema = readFileSync('src/policy/schema/mandate.cedarschema', 'utf8');
  const attributes = new Set([...schema.matchAll(/^\s+([a-z_]+)\??:/gm)].map((m) => m[1]!));
  const missing = [...attributes].filter((a) => !doc.includes(a));
  assert.deepEqual(missing, []);
});
