import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderConfigDocs } from '../scripts/gen-config-docs.js';

test('docs/configuration.md matches the settings table (run: node --import tsx scripts/gen-config-docs.ts)', () => {
  assert.equal(readFileSync('docs/configuration.md', 'utf8'), renderConfigDocs());
});
