#!/usr/bin/env node
// Copies the non-TypeScript files the built code reads at run time into dist/: Mandate's Cedar
// schema and the default policy pack (with its examples). `tsc` copies only what it compiles.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = ['policy/schema', 'policy/defaults'];

for (const asset of ASSETS) {
  const from = join(root, 'src', asset);
  const to = join(root, 'dist', asset);
  if (!existsSync(from)) {
    console.error(`copy-assets: ${from} does not exist`);
    process.exit(1);
  }
  // A policy deleted from src/ must not linger in dist/ and load from there.
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
