import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CedarRequest } from '../request.js';
import { CedarWasmEngine } from './wasm.js';

/**
 * Smoke test against Cedar's own hand-written integration tests (test/fixtures/cedar, see its
 * README): each example use case, decided by Mandate's engine wrapper, must give the expected
 * decision, determining policies and erroring policies. Cedar numbers policies without `@id`
 * `policy0`, `policy1`, ... in file order, and so does the engine.
 */

const ROOT = 'test/fixtures/cedar';
const CASES = join(ROOT, 'tests/example_use_cases');

interface CorpusRequest extends Omit<CedarRequest, 'entities'> {
  description: string;
  validateRequest?: boolean;
  decision: 'allow' | 'deny';
  reason: string[];
  errors: string[];
}

interface CorpusCase {
  policies: string;
  entities: string;
  schema: string;
  shouldValidate: boolean;
  requests: CorpusRequest[];
}

const files = readdirSync(CASES)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('the fixtures hold the example use cases', () => {
  assert.equal(files.length, 12);
});

for (const file of files) {
  const spec = JSON.parse(readFileSync(join(CASES, file), 'utf8')) as CorpusCase;
  const missing = [spec.schema, spec.entities].find((p) => !existsSync(join(ROOT, p)));
  test(
    `example use case ${file}`,
    { skip: missing ? `needs ${missing}, which is not in the fixtures` : false },
    () => {
      const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
      assert.equal(spec.shouldValidate, true);
      const engine = new CedarWasmEngine({
        schema: { file: spec.schema, text: read(spec.schema) },
        policies: [{ file: spec.policies, text: read(spec.policies) }],
      });
      const entities = JSON.parse(read(spec.entities)) as CedarRequest['entities'];
      assert.ok(spec.requests.length > 0);
      for (const r of spec.requests) {
        const d = engine.evaluate(
          {
            principal: r.principal,
            action: r.action,
            resource: r.resource,
            context: r.context,
            entities,
          },
          { validateRequest: r.validateRequest ?? false },
        );
        const label = `${file}: ${r.description}`;
        assert.equal(d.outcome, r.decision, label);
        assert.deepEqual([...d.reasons].sort(), [...r.reason].sort(), label);
        assert.deepEqual(d.errors.map((e) => e.policy).sort(), [...r.errors].sort(), label);
      }
    },
  );
}
