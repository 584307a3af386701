import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../common.js';

export function register(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('trust domain signing keys');
  clientOptions(io, keys.command('list').description('list signing keys and their state')).action(
    async (opts: ClientOptions) => {
      const list = await adminClient(io, opts).listKeys();
      output(io, opts, list, (ks) =>
        table([
          ['KID', 'PURPOSE', 'ALG', 'STATE', 'PUBLISHED', 'PUBLISH UNTIL'],
          ...ks.map((k) => [
            k.kid,
            k.purpose,
            k.alg,
            k.state,
            k.published ? 'yes' : 'no',
            k.publish_until ?? '-',
          ]),
        ]),
      );
    },
  );
  clientOptions(
    io,
    keys
      .command('rotate')
      .description(
        'rotate: the published next key starts signing; the old key stays published until its tokens expire',
      )
      .option('--purpose <purpose>', 'jwt-svid or token (default: both)'),
  ).action(async (opts: ClientOptions & { purpose?: 'jwt-svid' | 'token' }) => {
    const rotated = await adminClient(io, opts).rotateKeys(opts.purpose);
    output(io, opts, rotated, (rs) =>
      rs
        .map(
          (r) =>
            `${r.purpose}: now signing with ${r.activated}; retired ${r.retired ?? '-'}; next ${r.next}`,
        )
        .join('\n'),
    );
  });
  clientOptions(
    io,
    keys
      .command('revoke <kid>')
      .description(
        'take a leaked signing key out of service: it leaves the JWKS and every token it signed stops working everywhere (for ordinary rotation use `keys rotate`)',
      ),
  ).action(async (kid: string, opts: ClientOptions) => {
    const client = adminClient(io, opts);
    const known = (await client.listKeys()).find((k) => k.kid === kid);
    if (!known)
      throw new CliError(`signing key \`${kid}\` does not exist; see \`mandate keys list\``);
    const revoked = await client.revokeKey(kid);
    // An active key is rotated out first (the server does it): say which key signs now.
    const signer =
      known.state === 'active'
        ? (await client.listKeys()).find(
            (k) => k.purpose === revoked.purpose && k.state === 'active',
          )?.kid
        : undefined;
    output(io, opts, revoked, (k) =>
      [
        `revoked signing key ${k.kid} (${k.purpose}) at ${k.revoked_at}`,
        "  it has left the JWKS, and every token it signed is refused everywhere: at introspection, by Mandate's gateways and by every enforcement point following the revocation feed",
        ...(known.state === 'active'
          ? [
              `  it was signing ${k.purpose === 'token' ? 'task tokens' : 'jwt-svids'}: the next key took over${signer ? ` (${signer})` : ''}`,
            ]
          : []),
        `  whoever holds a ${k.purpose === 'token' ? 'task token' : 'jwt-svid'} it signed needs a new one${k.purpose === 'token' ? ' (token exchange again)' : ' (attest again)'}`,
      ].join('\n'),
    );
  });
}
