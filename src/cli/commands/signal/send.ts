import type { Command } from 'commander';
import type { SendSignalInput, SentSignal } from '../../../sdk/admin-signals.js';
import {
  adminClient,
  clientOptions,
  CliError,
  orNotFound,
  output,
  table,
  wholeNumber,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

type SendOptions = ClientOptions & {
  task?: string;
  agent?: string;
  kind: string;
  risk?: string;
  confidence?: string;
  source: string;
  reason?: string;
  ttl?: string;
};

function risk(value: string): number {
  if (!/^\d{1,3}$/.test(value.trim()) || Number(value) > 100) {
    throw new CliError(
      `--risk must be a whole number from 0 to 100 (higher is worse), not \`${value}\`; to give a 0..1 value, pass --confidence instead (confidence 0.2 counts as risk 80)`,
      2,
    );
  }
  return Number(value);
}

function confidence(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n >= 0 && n <= 1)) {
    throw new CliError(
      `--confidence must be a number from 0 to 1 (how sure the source is that the agent acts as intended), not \`${value}\`; to give a 0..100 risk, pass --risk instead`,
      2,
    );
  }
  return n;
}

/** The signal's body, every number checked here so that nothing is sent when one is wrong. */
export function signalInput(opts: SendOptions): SendSignalInput {
  if ((opts.task === undefined) === (opts.agent === undefined))
    throw new CliError(
      'say what the signal is about: pass exactly one of --task <id> or --agent <spiffe-id>',
      2,
    );
  if (opts.risk === undefined && opts.confidence === undefined)
    throw new CliError('pass --risk <0-100> (higher is worse) or --confidence <0-1>', 2);
  return {
    ...(opts.task !== undefined ? { task: opts.task } : { agent: opts.agent! }),
    kind: opts.kind,
    ...(opts.risk !== undefined ? { risk: risk(opts.risk) } : {}),
    ...(opts.confidence !== undefined ? { confidence: confidence(opts.confidence) } : {}),
    source: opts.source,
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    ...(opts.ttl !== undefined
      ? { ttl_seconds: wholeNumber(opts.ttl, '--ttl', 1, 'a whole number of seconds, at least 1') }
      : {}),
  };
}

function sentText(s: SentSignal): string {
  const about =
    s.task !== null ? `task ${s.task} (agent ${s.agent ?? '-'})` : `agent ${s.agent ?? '-'}`;
  return [
    `signal ${s.id}: ${s.kind} from ${s.source}, risk ${s.risk}${s.confidence !== null ? ` (confidence ${s.confidence})` : ''}, about ${about}`,
    `  counts until ${s.expires_at}${s.reason ? `; reason: ${s.reason}` : ''}`,
    ...(s.responses.length === 0
      ? [
          "no response: no rung of the ladder and no rule applies; the signal still counts in each call's risk",
        ]
      : [
          'responses:',
          ...table(
            s.responses.map((r) => [
              `  ${r.response}`,
              r.outcome,
              r.targets.join(' ') || '-',
              r.error ?? '',
            ]),
          )
            .split('\n')
            .map((l) => l.trimEnd()),
        ]),
  ].join('\n');
}

export function registerSend(signal: Command, io: CliIo): void {
  clientOptions(
    io,
    signal
      .command('send')
      .description(
        'report a signal about one task or one agent; its responses are carried out before this returns',
      )
      .option('--task <id>', 'the task it is about')
      .option('--agent <spiffe-id>', 'the agent it is about (every call of every task it runs)')
      .requiredOption(
        '--kind <kind>',
        'what it is about, e.g. prompt_injection, exfiltration (a-z 0-9 . _ : -)',
      )
      .option(
        '--risk <0-100>',
        'a whole number, higher is worse: 50 asks for approvals, 70 read-only, 80 denies calls, 90 ends the task',
      )
      .option(
        '--confidence <0-1>',
        'how sure the source is that the agent acts as intended; without --risk it counts as risk round(100 × (1 − confidence))',
      )
      .requiredOption('--source <name>', 'who says so (a detector, guardrail, SIEM rule)')
      .option('--reason <text>', 'why, for the audit log (never a secret)')
      .option('--ttl <seconds>', 'how long it counts (server default 900)'),
  ).action(async (opts: SendOptions) => {
    const input = signalInput(opts);
    const next = input.task !== undefined ? 'see `mandate task list`' : 'see `mandate agent list`';
    output(io, opts, await orNotFound(adminClient(io, opts).signals.send(input), next), sentText);
  });
}
