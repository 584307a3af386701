import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

/**
 * Dependency direction (STYLE.md habit 15): core ← domains ← storage / server ← cli.
 * Domains never import a web framework or a database driver; the SDK stands alone.
 */
const SRC = 'src';
const DOMAINS = [
  'agents',
  'identity',
  'audit',
  'tasks',
  'oauth',
  'delegation',
  'policy',
  'session',
  'revocation',
  'broker',
  'inventory',
  'ssf',
  'humans',
];
type Layer = 'core' | 'domain' | 'storage' | 'server' | 'gateway' | 'sdk' | 'cli' | 'root';

function layerOf(path: string): Layer {
  const top = relative(SRC, path).split('/')[0] ?? '';
  if (top === 'core') return 'core';
  if (DOMAINS.includes(top)) return 'domain';
  if (top === 'storage' || top === 'server' || top === 'gateway' || top === 'sdk' || top === 'cli')
    return top;
  return 'root';
}

const ALLOWED: Record<Layer, Layer[]> = {
  core: ['core'],
  domain: ['core', 'domain'],
  storage: ['core', 'domain', 'storage'],
  gateway: ['core', 'domain', 'gateway', 'sdk'],
  server: ['core', 'domain', 'storage', 'server', 'gateway'],
  sdk: ['sdk'],
  cli: ['core', 'domain', 'storage', 'server', 'gateway', 'sdk', 'cli'],
  root: ['core', 'domain', 'storage', 'server', 'gateway', 'sdk', 'cli', 'root'],
};

const FORBIDDEN_PACKAGES: Partial<Record<Layer, RegExp>> = {
  core: /^(fastify|better-sqlite3|pg|commander|pino)$/,
  domain: /^(fastify|better-sqlite3|pg|commander)$/,
  storage: /^(fastify|commander)$/,
  sdk: /^(fastify|better-sqlite3|pg|commander|pino|prom-client)$/,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory()
      ? files(p)
      : p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.includes('/conformance/')
        ? [p]
        : [];
  });
}

test('imports follow the dependency direction', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(
      /(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g,
    )) {
      const spec = m[1] ?? m[2] ?? '';
      if (spec.startsWith('.')) {
        const target = join(file, '..', spec);
        const to = layerOf(target);
        if (!ALLOWED[from].includes(to))
          violations.push(`${file} (${from}) imports ${spec} (${to})`);
      } else {
        const pkg = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : (spec.split('/')[0] ?? '');
        if (FORBIDDEN_PACKAGES[from]?.test(pkg))
          violations.push(`${file} (${from}) imports package ${pkg}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
