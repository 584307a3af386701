import type { Command } from 'commander';
import type { CliIo } from '../common.js';

export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command('serve')
    .description('run the Mandate server (embedded SQLite store by default)');
  cmd.option('--config <file>', 'JSON config file (env MANDATE_CONFIG)');
  // One flag per setting, from the server's config module (zod, the gateway, proxy and signal
  // parsers): added only when `serve` is the command being run (or helped), so that `mandate --help`
  // and the admin commands do not load it. parseAsync awaits this hook before `serve` parses its flags.
  program.hook('preSubcommand', async (_program, sub) => {
    if (sub !== cmd) return;
    const { flagName, settings } = await import('../../server/config/defaults.js');
    for (const [key, s] of Object.entries(settings)) {
      if ('secret' in s && s.secret) continue;
      cmd.option(
        `--${flagName(key)} <value>`,
        `${s.doc}${s.default !== undefined ? ` (default: ${String(s.default)})` : ''}`,
      );
    }
  });
  cmd.action(async (flags: Record<string, unknown> & { config?: string }) => {
    const [{ loadConfig }, { startServer }] = await Promise.all([
      import('../../server/config/load.js'),
      import('../../server/serve.js'),
    ]);
    const config = loadConfig({ flags, env: io.env, file: flags.config });
    const server = await startServer(config);
    const { mandate } = server;
    const lines = [
      `mandate listening on ${server.url}`,
      `  trust domain  ${config.trustDomain}`,
      `  issuer        ${config.issuer}`,
      `  data dir      ${config.dataDir} (SQLite)`,
      mandate.adminToken.path
        ? `  admin token   ${mandate.adminToken.path}${mandate.adminToken.created ? ' (generated now; keep it safe)' : ''}`
        : '  admin token   from MANDATE_ADMIN_TOKEN',
      mandate.masterKey.source === 'file'
        ? `  master key    ${mandate.masterKey.path}${mandate.masterKey.created ? ' (generated now; back it up: without it the keys cannot be opened)' : ''}`
        : '  master key    from MANDATE_MASTER_KEY',
    ];
    io.stderr.write(`${lines.join('\n')}\n`);
    const stop = (signal: string) => {
      io.stderr.write(`${signal}: shutting down\n`);
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
