import type { Command } from 'commander';
import type { SsfStream, SsfStreamStatus } from '../../../sdk/admin-ssf.js';
import {
  adminClient,
  clientOptions,
  orNotFound,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { audText, deliveryText, eventsText, STREAM_LIST_HINT } from './event-types.js';
import { statusText } from './stream-status.js';

function listText(list: SsfStream[]): string {
  if (list.length === 0)
    return 'no ssf streams: create one with `mandate ssf stream create --push <endpoint-url>` or `--poll`';
  return table([
    ['ID', 'DELIVERY', 'EVENTS', 'AUD', 'DESCRIPTION'],
    ...list.map((s) => [
      s.stream_id,
      deliveryText(s),
      eventsText(s.events_requested),
      audText(s.aud),
      s.description ?? '-',
    ]),
  ]);
}

export function describeStream(
  s: SsfStream & { status: SsfStreamStatus['status']; reason?: string },
): string {
  return [
    `stream ${s.stream_id}`,
    `  status       ${statusText(s)}`,
    `  delivery     ${deliveryText(s)}`,
    `  events       ${eventsText(s.events_requested)}`,
    `  aud          ${audText(s.aud)}`,
    `  issuer       ${s.iss}`,
    ...(s.description !== undefined ? [`  description  ${s.description}`] : []),
  ].join('\n');
}

export function registerList(stream: Command, io: CliIo): void {
  clientOptions(io, stream.command('list').description('list every stream')).action(
    async (opts: ClientOptions) => {
      output(io, opts, await adminClient(io, opts).ssf.listStreams(), listText);
    },
  );
  clientOptions(
    io,
    stream
      .command('show <id>')
      .description(
        "show one stream's configuration and status (--json: the configuration with `status` and `reason`)",
      ),
  ).action(async (id: string, opts: ClientOptions) => {
    const client = adminClient(io, opts);
    const [s, st] = await orNotFound(
      Promise.all([client.ssf.getStream(id), client.ssf.status(id)]),
      STREAM_LIST_HINT,
    );
    output(
      io,
      opts,
      { ...s, status: st.status, ...(st.reason !== undefined ? { reason: st.reason } : {}) },
      describeStream,
    );
  });
}
