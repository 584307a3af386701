import type { Command } from 'commander';
import {
  SSF_DELIVERY,
  type CreatedSsfStream,
  type CreateSsfStreamInput,
} from '../../../sdk/admin-ssf.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import {
  ALL_EVENT_TYPES,
  audText,
  deliveryText,
  eventsText,
  parseEventTypes,
  shortName,
} from './event-types.js';

type CreateOptions = ClientOptions & {
  push?: string;
  poll?: boolean;
  authorization?: string;
  authorizationEnv?: string;
  events?: string;
  aud?: string;
  description?: string;
};

const TOKEN_WARNING =
  "shown only now: Mandate keeps only its hash. Give it to the stream's receiver (it may poll, read and verify this stream only); if it is lost, delete the stream and create another";

export function streamInput(io: CliIo, opts: CreateOptions): CreateSsfStreamInput {
  if (opts.authorizationEnv !== undefined) {
    if (opts.authorization !== undefined)
      throw new CliError(
        'pass the push Authorization header once: --authorization or --authorization-env',
        2,
      );
    const value = io.env[opts.authorizationEnv];
    if (!value)
      throw new CliError(
        `--authorization-env ${opts.authorizationEnv}: that environment variable is not set (or empty); export the header value in it first`,
        2,
      );
    opts = { ...opts, authorization: value };
  }
  if ((opts.push === undefined) === !opts.poll)
    throw new CliError(
      'choose the delivery: --push <endpoint-url> (Mandate posts each SET there) or --poll (the receiver polls Mandate)',
      2,
    );
  if (opts.authorization !== undefined && opts.push === undefined)
    throw new CliError(
      '--authorization is the header Mandate sends with each push: use it with --push',
      2,
    );
  const delivery =
    opts.push !== undefined
      ? {
          method: SSF_DELIVERY.push,
          endpoint_url: opts.push,
          ...(opts.authorization !== undefined ? { authorization_header: opts.authorization } : {}),
        }
      : { method: SSF_DELIVERY.poll };
  return {
    delivery,
    events_requested: opts.events !== undefined ? parseEventTypes(opts.events) : ALL_EVENT_TYPES,
    ...(opts.aud !== undefined ? { aud: opts.aud } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
  };
}

function createdText(s: CreatedSsfStream): string {
  return [
    `created ssf stream ${s.stream_id}`,
    `  delivery     ${deliveryText(s)}`,
    `  events       ${eventsText(s.events_requested)}`,
    `  aud          ${audText(s.aud)}`,
    ...(s.description !== undefined ? [`  description  ${s.description}`] : []),
    `receiver token: ${s.receiver_token}`,
    `  ${TOKEN_WARNING}`,
  ].join('\n');
}

export function registerCreate(stream: Command, io: CliIo): void {
  clientOptions(
    io,
    stream
      .command('create')
      .description('create a stream for one receiver; prints its receiver token, once')
      .option(
        '--push <endpoint-url>',
        'push delivery (RFC 8935): Mandate posts each SET to this url',
      )
      .option(
        '--authorization <header-value>',
        'with --push: the Authorization header Mandate sends (never shown again; visible in ps and shell history: prefer --authorization-env)',
      )
      .option(
        '--authorization-env <VAR>',
        'with --push: read that header value from this environment variable',
      )
      .option(
        '--poll',
        'poll delivery (RFC 8936): the receiver polls Mandate with its receiver token',
      )
      .option(
        '--events <type,...>',
        'event types: session-revoked, credential-change, token-claims-change, risk-level-change or full uris (default: all four)',
      )
      .option(
        '--aud <aud>',
        "the aud of its SETs (default: the push endpoint's origin, or the stream's urn)",
      )
      .option('--description <text>', 'what the stream is for'),
  ).action(async (opts: CreateOptions) => {
    const input = streamInput(io, opts);
    const created = await adminClient(io, opts).ssf.createStream(input);
    const dropped = (input.events_requested ?? []).filter(
      (t) => !created.events_requested.includes(t),
    );
    if (dropped.length > 0)
      io.stderr.write(
        `warning: Mandate does not send ${dropped.map((t) => `\`${shortName(t)}\``).join(', ')}; the stream asks for ${eventsText(created.events_requested)}\n`,
      );
    if (opts.json) io.stderr.write(`warning: the receiver_token is ${TOKEN_WARNING}\n`);
    output(io, opts, created, createdText);
  });
}
