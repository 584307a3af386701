import type { Command } from 'commander';
import { loadConfig } from '../../server/config/load.js';
import { flagName, settings } from '../../server/config/defaults.js';
import { startServer } from '../../server/serve.js';

export function register(program: Command): void {
  const cmd = program.command('serve').description('run the Mandate server (embedded SQLite store by default)');
  cmd.option('--config <file>', 'JSON config file (env MANDATE_CONFIG)');
  for (const [key, s] of Object.entries(settings)) {
    if ('secret' in s && s.secret) continue;
    cmd.option(`--${flagName(key)} <value>`, `${s.doc}${s.default !== undefined ? ` (default: ${String(s.default)})` : ''}`);
  }
  cmd.action(async (flags: Record<string, unknown> & { config?: string }) => {
    const config = loadConfig({ flags, env: process.env, file: flags.config });
    const server = await startServer(config);
    const { mandate } = server;
    const lines = [
      `mandate listening on ${server.url}`,
      `  trust domain  ${config.trustDomain}`,
      `  issuer        ${config.issuer}`,
      `  data dir      ${config.dataDir} (SQLite)`,
      mandate.adminToken.path ? `  admin token   ${mandate.adminToken.path}${mandate.adminToken.created ? ' (generated now; keep it safe)' : ''}` : '  admin token   from MANDATE_ADMIN_TOKEN',
      mandate.masterKey.source === 'file' ? `  master key    ${mandate.masterKey.path}${mandate.masterKey.created ? ' (generated now; back it up: without it the keys cannot be opened)' : ''}` : '  master key    from MANDATE_MASTER_KEY',
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
    const stop = (signal: string) => {
      process.stderr.write(`${signal}: shutting down\n`);
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
