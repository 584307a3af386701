import type { AuditEventRecord, StoreReader } from '../core/store/index.js';

const PAGE = 1000;

/** Audit events in seq order, paged so that a large log never sits in memory at once. */
export async function* auditEvents(
  read: StoreReader,
  opts: { sinceTime?: number; afterSeq?: number } = {},
): AsyncGenerator<AuditEventRecord> {
  let after = opts.afterSeq ?? 0;
  for (;;) {
    const page = await read.audit.list({
      afterSeq: after,
      ...(opts.sinceTime !== undefined ? { sinceTime: opts.sinceTime } : {}),
      limit: PAGE,
    });
    for (const e of page) yield e;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.seq;
  }
}

/** One event as a JSONL line (snake_case, as exported). */
export function toJsonLine(e: AuditEventRecord): string {
  return `${JSON.stringify({
    seq: e.seq,
    time: new Date(e.time).toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    request_id: e.requestId,
    details: e.details,
    prev_hash: e.prevHash,
    hash: e.hash,
  })}\n`;
}

/** Parses `--since`: an ISO 8601 time, or a duration back from now such as `90s`, `15m`, `24h`, `7d`. */
export function parseSince(value: string, now: number): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (m) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      m[2] as 's' | 'm' | 'h' | 'd'
    ];
    return now - Number(m[1]) * unit;
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}
