import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  type ClientOptions,
  type CliIo,
} from '../common.js';

/** join-token create, attest, svid x509: how an agent instance gets its identity. */
export function register(program: Command, io: CliIo): void {
  const joinToken = program
    .command('join-token')
    .description('one-time tokens agent instances attest with');
  clientOptions(
    io,
    joinToken
      .command('create <agent>')
      .description('create a one-time join token for an agent')
      .option('--ttl <seconds>', "lifetime (default: the server's joinTokenTtl)"),
  ).action(async (agent: string, opts: ClientOptions & { ttl?: string }) => {
    const t = await adminClient(io, opts).createJoinToken(
      agent,
      opts.ttl ? Number(opts.ttl) : undefined,
    );
    output(
      io,
      opts,
      t,
      (v) =>
        `${v.join_token}\n(single use, expires ${v.expires_at})\nnext, on the agent: mandate attest --join-token <token> --audience <aud>`,
    );
  });

  clientOptions(
    io,
    program
      .command('attest')
      .description('attest with a join token or a trusted JWT and print the JWT-SVID')
      .option('--join-token <token>', 'a one-time join token')
      .option(
        '--jwt <token>',
        'a JWT from a trusted issuer (e.g. a Kubernetes service-account token)',
      )
      .requiredOption('--audience <aud...>', 'audience(s) of the JWT-SVID')
      .option('--ttl <seconds>', 'JWT-SVID lifetime'),
    { token: false },
  ).action(
    async (
      opts: ClientOptions & { joinToken?: string; jwt?: string; audience: string[]; ttl?: string },
    ) => {
      if (Boolean(opts.joinToken) === Boolean(opts.jwt))
        throw new CliError('give exactly one of --join-token and --jwt', 2);
      const { attest } = await import('../../sdk/agent-client.js');
      const r = await attest({
        url: opts.url!,
        ...(opts.joinToken ? { joinToken: opts.joinToken } : { attestationJwt: opts.jwt! }),
        audience: opts.audience,
        ...(opts.ttl ? { jwtSvidTtlSeconds: Number(opts.ttl) } : {}),
      });
      output(io, opts, r, (v) => v.jwt_svid!.token);
    },
  );

  const svid = program.command('svid').description('X.509 identities');
  clientOptions(
    io,
    svid
      .command('x509')
      .description('attest and write an X.509-SVID: key.pem, cert.pem (leaf and chain), bundle.pem')
      .option('--join-token <token>', 'a one-time join token')
      .option('--jwt <token>', 'a JWT from a trusted issuer')
      .requiredOption('--out <dir>', 'directory to write into')
      .option('--ttl <seconds>', 'certificate lifetime'),
    { token: false },
  ).action(
    async (
      opts: ClientOptions & { joinToken?: string; jwt?: string; out: string; ttl?: string },
    ) => {
      if (Boolean(opts.joinToken) === Boolean(opts.jwt))
        throw new CliError('give exactly one of --join-token and --jwt', 2);
      const [{ createKeyAndCsr }, { attest }] = await Promise.all([
        import('../../identity/x509/index.js'),
        import('../../sdk/agent-client.js'),
      ]);
      const { keyPkcs8Pem, csrPem } = await createKeyAndCsr();
      const r = await attest({
        url: opts.url!,
        ...(opts.joinToken ? { joinToken: opts.joinToken } : { attestationJwt: opts.jwt! }),
        csrPem,
        ...(opts.ttl ? { x509SvidTtlSeconds: Number(opts.ttl) } : {}),
      });
      const x509 = r.x509_svid!;
      const dir = resolve(opts.out);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const files = {
        key: join(dir, 'key.pem'),
        cert: join(dir, 'cert.pem'),
        bundle: join(dir, 'bundle.pem'),
      };
      writeFileSync(files.key, keyPkcs8Pem, { mode: 0o600 });
      chmodSync(files.key, 0o600);
      writeFileSync(files.cert, x509.cert_chain.join(''));
      writeFileSync(files.bundle, x509.bundle.join(''));
      output(
        io,
        opts,
        { spiffe_id: r.spiffe_id, expires_at: x509.expires_at, files },
        (v) =>
          `wrote ${v.files.key}, ${v.files.cert}, ${v.files.bundle}\n${v.spiffe_id}, valid until ${v.expires_at}`,
      );
    },
  );
}
