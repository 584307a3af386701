// The package as a consumer gets it: `npm pack` on a copy of this tree (its `prepack` builds),
// the tarball installed into an empty app, and there every `exports` entry imported, the
// embedding API run (a server from the installed files alone: the Cedar schema and default pack
// must ship), the SDK talking to it, and the `mandate` bin run through npx.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// What `npm pack` needs from the source tree: the build's inputs and what the package ships.
const SOURCES = [
  'package.json',
  'package-lock.json',
  'README.md',
  'LICENSE',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts',
  'src',
];

// The npm_* variables `npm test` sets (local prefix, lifecycle, …) would steer the child npm back
// to this repository; only where the cache and the registry are is kept.
const KEEP = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !k.toLowerCase().startsWith('npm_') || KEEP.has(k.toLowerCase()),
  ),
);

async function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run('npm', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
}

const npmMissing = await npm(['--version'], ROOT).then(
  () => false,
  () => true,
);

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe(
  'package (mandate, mandate/sdk, the mandate bin)',
  { skip: npmMissing ? 'npm is not available on this machine' : false },
  () => {
    const work = mkdtempSync(join(tmpdir(), 'mandate-package-'));
    after(() => rmSync(work, { recursive: true, force: true }));

    test(
      'npm pack builds a package that installs without building and works from the installed files',
      { timeout: 300_000 },
      async () => {
        // Build and pack a copy, so the repository's own dist/ is neither needed nor touched.
        const tree = join(work, 'tree');
        for (const name of SOURCES) {
          if (existsSync(join(ROOT, name)))
            cpSync(join(ROOT, name), join(tree, name), {
              recursive: true,
              filter: (p) => !p.endsWith('.test.ts'),
            });
        }
        symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
        const packed = await npm(['pack', '--json', '--pack-destination', work], tree);
        // Anything the build printed on stdout comes before the JSON.
        const [pack] = JSON.parse(
          packed.stdout.slice(packed.stdout.search(/^\[/m)),
        ) as PackResult[];
        assert.ok(pack);
        const files = pack.files.map((f) => f.path);

        const manifest = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8')) as {
          exports: Record<string, string | { default: string; types?: string }>;
          bin: Record<string, string>;
          scripts: Record<string, string>;
        };
        for (const [key, target] of Object.entries(manifest.exports)) {
          for (const path of typeof target === 'string'
            ? [target]
            : [target.default, target.types]) {
            assert.ok(
              path && files.includes(path.replace(/^\.\//, '')),
              `exports[${key}] → ${String(path)} is not in the package`,
            );
          }
        }
        for (const path of Object.values(manifest.bin))
          assert.ok(files.includes(path.replace(/^\.\//, '')), `bin ${path} is not in the package`);
        assert.ok(
          files.includes('dist/policy/schema/mandate.cedarschema'),
          'the Cedar schema ships',
        );
        assert.ok(
          files.some((f) => /^dist\/policy\/defaults\/[^/]+\.cedar$/.test(f)),
          'the default policy pack ships',
        );
        const stray = files.filter(
          (f) =>
            !['package.json', 'README.md', 'LICENSE'].includes(f) &&
            !(f.startsWith('dist/') && !f.endsWith('.map') && !/\.test\./.test(f)),
        );
        assert.deepEqual(
          stray,
          [],
          'only dist/ (without source maps and tests), package.json, README and LICENSE ship',
        );
        // A consumer's install runs none of these: the package comes built.
        for (const script of ['prepare', 'preinstall', 'install', 'postinstall'])
          assert.equal(
            manifest.scripts[script],
            undefined,
            `scripts.${script} would run at a consumer's install`,
          );

        // An empty app installs the tarball. Install scripts are skipped: the only one is
        // better-sqlite3's native build, which compiles for minutes where no prebuilt binary can be
        // downloaded; this repository's already-built copy of it stands in (same package range).
        const app = join(work, 'app');
        cpSync(join(ROOT, 'test/fixtures/package-app'), app, { recursive: true });
        const installed = await npm(
          [
            'install',
            '--prefer-offline',
            '--no-audit',
            '--no-fund',
            '--ignore-scripts',
            join(work, pack.filename),
          ],
          app,
        );
        assert.doesNotMatch(
          installed.stdout + installed.stderr,
          /EBADENGINE/,
          'no dependency asks for a newer Node than the package supports',
        );
        rmSync(join(app, 'node_modules/better-sqlite3'), { recursive: true, force: true });
        symlinkSync(
          join(ROOT, 'node_modules/better-sqlite3'),
          join(app, 'node_modules/better-sqlite3'),
          'dir',
        );
        assert.match(
          readFileSync(join(app, 'node_modules/mandate/dist/cli/main.js'), 'utf8'),
          /^#!\/usr\/bin\/env node\n/,
        );

        const checked = await run(process.execPath, ['check.mjs'], { cwd: app, env });
        const report = JSON.parse(checked.stdout) as {
          exports: Record<string, string[]>;
          version: string;
          agents: string[];
          jwks: number;
        };
        assert.deepEqual(Object.keys(report.exports).sort(), Object.keys(manifest.exports).sort());
        for (const name of [
          'buildHttpServer',
          'createMandate',
          'isMandateError',
          'loadConfig',
          'MandateError',
          'settings',
          'startServer',
        ])
          assert.ok(report.exports['.']?.includes(name), `mandate exports ${name}`);
        for (const name of [
          'MandateAgent',
          'MandateAdminClient',
          'TokenVerifier',
          'verifyRequest',
          'RevocationFeed',
          'mandateExpress',
          'mandateFastify',
          'mandateHono',
        ])
          assert.ok(report.exports['./sdk']?.includes(name), `mandate/sdk exports ${name}`);
        assert.equal(report.version, '0.1.0');
        assert.deepEqual(report.agents, ['pkg-bot']);
        assert.ok(report.jwks > 0);

        const version = await run('npx', ['--no', '--', 'mandate', '--version'], { cwd: app, env });
        assert.equal(version.stdout.trim(), report.version);
        const help = await run('npx', ['--no', '--', 'mandate', '--help'], { cwd: app, env });
        assert.match(help.stdout, /^Usage: mandate /m);
        assert.match(help.stdout, /^\s+serve\b/m);
      },
    );
  },
);
