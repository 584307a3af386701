import type { Command } from 'commander';
import type { FeedMessage } from '../../../sdk/admin-events.js';
import {
  adminClient,
  clientOptions,
  CliError,
  wholeNumber,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

type WatchOptions = ClientOptions & { from?: string; heartbeats?: boolean; count?: string };

const KINDS = ['tokens', 'tasks', 'agents', 'grants', 'approvals', 'keys'] as const;

/** One line per message: a snapshot as counts per kind, a revocation as seq, kind, id and cause. */
export function messageLine(m: FeedMessage): string {
  switch (m.type) {
    case 'snapshot':
      return `snapshot at seq ${m.snapshot.seq}: ${KINDS.map((k) => `${m.snapshot[k].length} ${k}`).join(', ')} revoked`;
    case 'revocation':
      return `seq ${m.event.seq}  ${m.event.kind}  ${m.event.id}  cause ${m.event.cause}${m.event.status !== undefined ? `  status ${m.event.status}` : ''}`;
    case 'heartbeat':
      return `heartbeat at seq ${m.seq}  ${new Date(m.time).toISOString()}`;
  }
}

/** With --json: the message as one JSON object, `type` first. */
export function messageJson(m: FeedMessage): string {
  if (m.type === 'snapshot') return JSON.stringify({ type: 'snapshot', ...m.snapshot });
  if (m.type === 'revocation') return JSON.stringify({ type: 'revocation', ...m.event });
  return JSON.stringify(m);
}

export function registerWatch(events: Command, io: CliIo): void {
  clientOptions(
    io,
    events
      .command('watch')
      .description(
        'print the revocation feed as it arrives: a snapshot summary, then one line per revocation (seq, kind, id, cause); Ctrl-C stops',
      )
      .option(
        '--from <seq>',
        'resume after this seq (Last-Event-ID): only the revocations after it, or a snapshot when the server no longer has them',
      )
      .option('--heartbeats', 'also print the heartbeats')
      .option('--count <n>', 'exit after n revocations (for scripts and tests)'),
  ).action(async (opts: WatchOptions) => {
    const from =
      opts.from !== undefined
        ? wholeNumber(
            opts.from,
            '--from',
            0,
            'a seq (a whole number) as printed by an earlier watch',
          )
        : undefined;
    const count =
      opts.count !== undefined
        ? wholeNumber(opts.count, '--count', 1, 'a whole number, at least 1')
        : undefined;
    const client = adminClient(io, opts);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let last = from;
    let seen = 0;
    try {
      for await (const m of client.events.watch({
        ...(from !== undefined ? { from } : {}),
        signal: stop.signal,
      })) {
        if (m.type === 'snapshot') last = m.snapshot.seq;
        if (m.type === 'revocation') last = m.event.seq;
        if (m.type !== 'heartbeat' || opts.heartbeats)
          io.stdout.write(`${opts.json ? messageJson(m) : messageLine(m)}\n`);
        if (m.type === 'revocation' && count !== undefined && ++seen >= count) return;
      }
    } catch (err) {
      // Lost after it started: say where to resume from.
      if (
        last !== undefined &&
        !(err instanceof CliError) &&
        err instanceof Error &&
        !('status' in err)
      )
        throw new CliError(`${err.message}; resume with \`mandate events watch --from ${last}\``);
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    // Ctrl-C or SIGTERM: a normal end.
    if (stop.signal.aborted) return;
    throw new CliError(
      `the server ended the revocation stream (is it shutting down?)${last !== undefined ? `; resume with \`mandate events watch --from ${last}\`` : ''}`,
    );
  });
}
