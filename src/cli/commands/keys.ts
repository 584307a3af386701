import type { Command } from 'commander';
import { adminClient, clientOptions, output, table, type ClientOptions } from '../common.js';

export function register(program: Command): void {
  const keys = program.command('keys').description('trust domain signing keys');
  clientOptions(keys.command('list').description('list signing keys and their state')).action(async (opts: ClientOptions) => {
    const list = await adminClient(opts).listKeys();
    output(opts, list, (ks) => table([['KID', 'PURPOSE', 'ALG', 'STATE', 'PUBLISHED', 'PUBLISH UNTIL'], ...ks.map((k) => [k.kid, k.purpose, k.alg, k.state, k.published ? 'yes' : 'no', k.publish_until ?? '-'])]));
  });
  clientOptions(keys.command('rotate').description('rotate: the published next key starts signing; the old key stays published until its tokens expire').option('--purpose <purpose>', 'jwt-svid or token (default: both)')).action(
    async (opts: ClientOptions & { purpose?: 'jwt-svid' | 'token' }) => {
      const rotated = await adminClient(opts).rotateKeys(opts.purpose);
      output(opts, rotated, (rs) => rs.map((r) => `${r.purpose}: now signing with ${r.activated}; retired ${r.retired ?? '-'}; next ${r.next}`).join('\n'));
    },
  );
}
