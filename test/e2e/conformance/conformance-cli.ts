// Runs the official MCP conformance CLI (@modelcontextprotocol/conformance 0.1.16 for servers;
// 0.2.0-alpha.12, aliased `conformance-next`, for authorization servers) and reads its results. The CLI needs Node >= 22 (it uses `fs.globSync`) while Mandate stays on Node 20, so
// it lives in tools/mcp-conformance/ with its own lockfile and the Node 24 binary of the npm
// package `node` — installed there, never at the repo root, where a `node` in
// node_modules/.bin would make every npm script run on Node 24.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const TOOLS_DIR = resolve('tools/mcp-conformance');
const NODE24 = join(TOOLS_DIR, 'node_modules/node/bin/node');
const CLI = join(TOOLS_DIR, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
/** The first release with an `authorization` (authorization server) mode: a prerelease, pinned. */
const NEXT_CLI = join(TOOLS_DIR, 'node_modules/conformance-next/dist/index.js');

export interface Check {
  id: string;
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
  details?: Record<string, unknown>;
}

export interface ScenarioResult {
  scenario: string;
  checks: Check[];
  /** No check failed (warnings and info do not fail a scenario, as in the CLI's own summary). */
  passed: boolean;
}

/** Installs tools/mcp-conformance (`npm ci`) when it is missing; a no-op once installed. */
export function ensureConformanceTools(): void {
  if (existsSync(NODE24) && existsSync(CLI) && existsSync(NEXT_CLI)) return;
  console.error(
    'mcp-conformance: installing the conformance CLI and Node 24 into tools/mcp-conformance (npm ci, once)...',
  );
  // Settings an enclosing `npm test` exports (npm_config_*) must not redirect this install.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')),
  );
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: TOOLS_DIR,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (npm.status !== 0 || !existsSync(NODE24) || !existsSync(CLI) || !existsSync(NEXT_CLI))
    throw new Error(`npm ci in ${TOOLS_DIR} failed (exit ${String(npm.status)})`);
}

/** The version the Node binary that runs the CLI reports (`v24...`). */
export function conformanceNodeVersion(): string {
  return spawnSync(NODE24, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/**
 * Runs `conformance server --url <url> --suite all` (or one scenario) and returns one result per
 * scenario, read from the `checks.json` files it writes. Asynchronous on purpose: the servers
 * under test run in this process and must keep answering while the CLI runs.
 */
export async function runConformance(
  url: string,
  opts: { scenario?: string } = {},
): Promise<{ results: Map<string, ScenarioResult>; output: string }> {
  const outDir = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  try {
    const args = [
      CLI,
      'server',
      '--url',
      url,
      '-o',
      outDir,
      ...(opts.scenario ? ['--scenario', opts.scenario] : ['--suite', 'all']),
    ];
    const output = await new Promise<string>((resolvePromise, reject) => {
      // Exit code 1 only means "some scenario failed"; the results say which.
      execFile(
        NODE24,
        args,
        { cwd: TOOLS_DIR, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err && typeof err.code !== 'number') reject(err);
          else resolvePromise(`${stdout}${stderr}`);
        },
      );
    });
    return { results: readResults(outDir), output };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * Runs `conformance authorization` (0.2.0-alpha.12: the scenarios
 * `authorization-server-metadata-endpoint` and `authorization-code-grant`) against the issuer
 * `url` as the public client `clientId`, its redirect `http://127.0.0.1:<port>/callback`. The CLI
 * prints the authorization URL and waits for the redirect: `authorize` is given that URL and must
 * bring the redirect there (a human in a browser).
 */
export async function runAuthorizationConformance(opts: {
  url: string;
  clientId: string;
  resource: string;
  port: number;
  authorize: (authorizationUrl: string) => Promise<void>;
}): Promise<{ results: Map<string, ScenarioResult>; output: string }> {
  const outDir = mkdtempSync(join(tmpdir(), 'mcp-conformance-as-'));
  try {
    const args = [
      NEXT_CLI,
      'authorization',
      '--url',
      opts.url,
      '--client-id',
      opts.clientId,
      '--resource',
      opts.resource,
      '--port',
      String(opts.port),
      '-o',
      outDir,
    ];
    const output = await new Promise<string>((resolvePromise, reject) => {
      const child = spawn(NODE24, args, { cwd: TOOLS_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      let browsing: Promise<void> | undefined;
      const kill = setTimeout(() => child.kill(), 300_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        const line = /^(https?:\/\/\S+)$/mu.exec(text);
        if (line && !browsing)
          browsing = opts.authorize(line[1]!).catch((err: unknown) => {
            text += `\n[the browser failed: ${String(err)}]\n`;
            child.kill();
          });
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      child.on('error', reject);
      // Exit code 1 only means "some scenario failed"; the results say which.
      child.on('close', () => {
        clearTimeout(kill);
        void Promise.resolve(browsing).then(() => resolvePromise(text));
      });
    });
    return { results: readResults(outDir, 'authorization-server'), output };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** `<outDir>/<mode>-<scenario>-<ISO timestamp>/checks.json` → scenario → checks. */
function readResults(outDir: string, mode = 'server'): Map<string, ScenarioResult> {
  const results = new Map<string, ScenarioResult>();
  for (const dir of readdirSync(outDir)) {
    const m = new RegExp(`^${mode}-(.+)-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z$`, 'u').exec(dir);
    if (!m) continue;
    const checks = JSON.parse(readFileSync(join(outDir, dir, 'checks.json'), 'utf8')) as Check[];
    results.set(m[1]!, {
      scenario: m[1]!,
      checks,
      passed: !checks.some((c) => c.status === 'FAILURE'),
    });
  }
  return results;
}

/** One line per failed check, for assertion messages. */
export function failures(result: ScenarioResult | undefined): string {
  if (!result) return 'scenario did not run';
  return result.checks
    .filter((c) => c.status === 'FAILURE')
    .map((c) => `${c.id}: ${c.errorMessage ?? ''}`)
    .join('; ');
}
