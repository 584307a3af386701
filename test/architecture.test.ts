import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

/**
 * Dependency direction (STYLE.md habit 15): core ← domains ← storage / server ← cli.
 * Domains never import a web framework or a database driver; the SDK stands alone. The protocol
 * module (RFC 6750 / 9068 / 9449 checks, the revocation check over a chain) imports only itself,
 * `jose` and the platform, so every layer may use it: each protocol operation exists once.
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
  'clients',
];
type Layer =
  'protocol' | 'core' | 'domain' | 'storage' | 'server' | 'gateway' | 'sdk' | 'cli' | 'root';

function layerOf(path: string): Layer {
  const top = relative(SRC, path).split('/')[0] ?? '';
  if (top === 'protocol') return 'protocol';
  if (top === 'core') return 'core';
  if (DOMAINS.includes(top)) return 'domain';
  if (top === 'storage' || top === 'server' || top === 'gateway' || top === 'sdk' || top === 'cli')
    return top;
  return 'root';
}

const ALLOWED: Record<Layer, Layer[]> = {
  protocol: ['protocol'],
  core: ['protocol', 'core'],
  domain: ['protocol', 'core', 'domain'],
  storage: ['protocol', 'core', 'domain', 'storage'],
  gateway: ['protocol', 'core', 'domain', 'gateway'],
  server: ['protocol', 'core', 'domain', 'storage', 'server', 'gateway'],
  sdk: ['protocol', 'sdk'],
  cli: ['protocol', 'core', 'domain', 'storage', 'server', 'gateway', 'sdk', 'cli'],
  root: ['protocol', 'core', 'domain', 'storage', 'server', 'gateway', 'sdk', 'cli', 'root'],
};

const FORBIDDEN_PACKAGES: Partial<Record<Layer, RegExp>> = {
  protocol: /^(fastify|better-sqlite3|pg|commander|pino|prom-client)$/,
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

/**
 * Every relative import in src/, `import type` included: a type-only cycle costs nothing at run
 * time, but the two modules still cannot be understood, moved or split apart, and the next value
 * import along it makes it a real cycle (whose order of evaluation decides what is undefined).
 * So a shared type moves to the module it belongs to, like a shared value.
 */
function importGraph(): Map<string, string[]> {
  const all = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? all(p) : p.endsWith('.ts') ? [p] : [];
    });
  const graph = new Map<string, string[]>();
  for (const file of all(SRC)) {
    const targets = ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => join(file, '..', spec.replace(/\.js$/, '.ts')));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * One shortest cycle through each strongly connected component of `graph` (Tarjan), as
 * `a → b → a`, saying how many more files the component holds.
 */
function cycles(graph: Map<string, string[]>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((component) => {
    // Breadth-first from the component's first file back to itself, inside the component.
    const start = component[0]!;
    const from = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of graph.get(v) ?? []) {
        if (!component.includes(w) || from.has(w)) continue;
        from.set(w, v);
        if (w === start) queue.length = 0;
        else queue.push(w);
      }
    }
    const path = [start];
    for (let v = from.get(start)!; v !== start; v = from.get(v)!) path.unshift(v);
    const rest = component.length - path.length;
    return (
      [start, ...path].join(' → ') +
      (rest > 0 ? ` (and ${rest} more file${rest === 1 ? '' : 's'} in the same tangle)` : '')
    );
  });
}

test('no import cycles in src/ (type-only imports included)', () => {
  assert.deepEqual(cycles(importGraph()), []);
});
