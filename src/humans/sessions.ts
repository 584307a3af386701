import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { randomToken, sha256Hex } from '../core/random.js';
import type { HumanSessionRecord, Store } from '../core/store/index.js';
import type { Human } from './human.js';

/**
 * Server-side human sessions. The session id is 32 random bytes that only the human's cookie
 * holds; the store keeps its SHA-256, so a copy of the database signs no one in. A session ends
 * at its expiry, at sign-out, or never resolves again once deleted. Sign-in and sign-out are
 * audited (`human.sign_in`, `human.sign_out`); the id never appears in the audit log or a log line.
 */
export interface HumanSessionsOptions {
  ttlSeconds: number;
}

const ID = /^mhs_[A-Za-z0-9_-]{43}$/u;

export class HumanSessions {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: HumanSessionsOptions,
  ) {}

  /** Starts a session for `human`; returns the id to set in the cookie. Expired sessions are swept on the way. */
  async start(
    human: Pick<Human, 'id' | 'groups'> & { method: HumanSessionRecord['method'] },
    ctx: RequestContext,
    details: Record<string, unknown> = {},
  ): Promise<{ id: string; expiresAt: number }> {
    const id = `mhs_${randomToken(32)}`;
    const now = this.clock.now();
    const record: HumanSessionRecord = {
      idHash: sha256Hex(id),
      human: human.id,
      groups: [...human.groups],
      method: human.method,
      createdAt: now,
      expiresAt: now + this.options.ttlSeconds * 1000,
    };
    await this.store.transaction(async (tx) => {
      await tx.humanSessions.deleteExpired(now);
      await tx.humanSessions.insert(record);
      await tx.audit.append({
        actor: human.method === 'local' ? 'admin' : `human:${human.id}`,
        action: 'human.sign_in',
        target: `human:${human.id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          method: human.method,
          groups: human.groups,
          expires_at: record.expiresAt,
          session: record.idHash.slice(0, 12),
          ...details,
        },
      });
    });
    return { id, expiresAt: record.expiresAt };
  }

  /** The human behind a session id, or undefined when it is malformed, unknown or expired. */
  async resolve(id: string): Promise<Human | undefined> {
    if (!ID.test(id)) return undefined;
    const s = await this.store.read.humanSessions.get(sha256Hex(id));
    if (!s || s.expiresAt <= this.clock.now()) return undefined;
    return { id: s.human, groups: s.groups, admin: s.method === 'local', method: s.method };
  }

  /** Ends a session (sign-out); false when it did not exist. */
  async end(id: string, ctx: RequestContext): Promise<boolean> {
    if (!ID.test(id)) return false;
    const idHash = sha256Hex(id);
    return this.store.transaction(async (tx) => {
      const s = await tx.humanSessions.get(idHash);
      if (!s || !(await tx.humanSessions.delete(idHash))) return false;
      await tx.audit.append({
        actor: s.method === 'local' ? 'admin' : `human:${s.human}`,
        action: 'human.sign_out',
        target: `human:${s.human}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { session: idHash.slice(0, 12) },
      });
      return true;
    });
  }

  /** Audits a refused sign-in (never with a code, a token or a cookie). */
  async refused(
    method: HumanSessionRecord['method'],
    reason: string,
    ctx: RequestContext,
    human?: string,
  ): Promise<void> {
    await this.store.transaction((tx) =>
      tx.audit.append({
        actor: human ? `human:${human}` : 'anonymous',
        action: 'human.sign_in',
        target: human ? `human:${human}` : 'human',
        outcome: 'failure',
        requestId: ctx.requestId,
        details: { method, reason },
      }),
    );
  }
}
