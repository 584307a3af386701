#!/usr/bin/env node
// Empties dist/ before a build: `tsc` never deletes, so a module removed from src/ would otherwise
// linger in dist/ and ship in the package (`npm pack` builds through `prepack`).
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

rmSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'), {
  recursive: true,
  force: true,
});
