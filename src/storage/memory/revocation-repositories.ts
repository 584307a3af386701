import type {
  RevocationEventInput,
  RevocationEventReader,
  RevocationEventRecord,
  RevocationEventWriter,
} from '../../core/store/index.js';
import { copy, deleteWhere, insert, limit, type View } from './tables.js';

/** The revocation feed, as ../sqlite/revocation-repositories.ts keeps it: seq only grows. */
export class MemoryRevocationEvents implements RevocationEventReader, RevocationEventWriter {
  constructor(private readonly v: View) {}

  async list(opts: { afterSeq?: number; limit?: number } = {}) {
    const rows = this.v
      .table('revocations')
      .values()
      .filter((e) => e.seq > (opts.afterSeq ?? 0));
    return limit(rows, opts.limit ?? 10_000).map((e) => copy(e));
  }

  async head() {
    // Like sqlite_sequence: the highest seq handed out, even when its row was compacted away.
    return this.v.table('sequences').get('revocations') ?? 0;
  }

  async append(e: RevocationEventInput) {
    const seq = (await this.head()) + 1;
    const event: RevocationEventRecord = {
      seq,
      kind: e.kind,
      subject: e.subject,
      at: e.at,
      expiresAt: e.expiresAt,
      cause: e.cause,
      ...(e.status !== undefined && e.status !== null ? { status: e.status } : {}),
    };
    insert(this.v.write('revocations'), seq, event);
    this.v.write('sequences').set('revocations', seq);
    return copy(event);
  }

  async compact(now: number) {
    const events = this.v.write('revocations');
    // INVARIANT: superseded agent events go first, so an expired cutoff never uncovers an older suspension.
    const latest = new Map<string, number>();
    for (const e of events.values())
      if (e.kind === 'agent') latest.set(e.subject, Math.max(e.seq, latest.get(e.subject) ?? 0));
    const superseded = deleteWhere(
      events,
      (e) => e.kind === 'agent' && e.seq < (latest.get(e.subject) ?? 0),
    );
    const expired = deleteWhere(events, (e) => e.expiresAt !== null && e.expiresAt <= now);
    return superseded + expired;
  }
}
