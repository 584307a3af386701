import { canonicalDigest } from '../core/canonical-json.js';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { newId } from '../core/random.js';
import type { ApprovalRecord, Store } from '../core/store/index.js';

/**
 * Per-call approvals: when the decision point answers `approval_required`, the enforcement point
 * asks for one; a human approves or denies it; the identical call (same agent, task, target and
 * RFC 8785 digest of the arguments) then succeeds exactly once. A changed argument digests
 * differently and needs a new approval. Every step is audited with who did it.
 *
 * States: pending → approved → used, pending → denied, pending/approved → expired (lazily, when
 * read after `expiresAt`).
 */

export interface CallBinding {
  agent: string;
  taskId: string;
  /** The tool id, or a `resource:`/`prompt:` scope. */
  target: string;
  arguments: Record<string, unknown>;
}

export interface ApprovalRequest extends CallBinding {
  policySetVersion: string;
  decisionId: string;
  reasons: string[];
  /** The resource the call was made to; status polls present a task token for it. */
  audience: string;
  requestId?: string | null;
}

export interface ApprovalTicket {
  id: string;
  status: ApprovalRecord['status'];
  expiresAt: number;
  /** Where a human approves it (the admin API today; the dashboard later). */
  approveUrl: string;
  /** Where the agent polls its status with its task token. */
  statusUrl: string;
}

export interface ApprovalServiceOptions {
  issuer: string;
  /** How long a pending or approved approval lives. */
  ttlSeconds: number;
  /** Told after each state change (webhooks, the inbox stream). Errors are swallowed. */
  onChange?: (approval: ApprovalRecord) => void;
}

const digestOf = (args: Record<string, unknown>): string => canonicalDigest(args);

export class ApprovalService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #opts: ApprovalServiceOptions;

  constructor(store: Store, clock: Clock, opts: ApprovalServiceOptions) {
    this.#store = store;
    this.#clock = clock;
    this.#opts = opts;
  }

  /**
   * Asks for an approval of exactly this call; while one is pending for the identical call, that
   * one is returned instead of a second. Audited as `approval.request`.
   */
  async request(input: ApprovalRequest): Promise<ApprovalTicket> {
    const now = this.#clock.now();
    const argumentsDigest = digestOf(input.arguments);
    const binding = {
      agent: input.agent,
      taskId: input.taskId,
      target: input.target,
      argumentsDigest,
    };
    const { record, created } = await this.#store.transaction(async (tx) => {
      const pending = (await tx.approvals.findBound(binding, 'pending')).find(
        (a) => a.expiresAt > now,
      );
      if (pending) return { record: pending, created: false };
      const approval: ApprovalRecord = {
        id: `apr_${newId()}`,
        ...binding,
        policySetVersion: input.policySetVersion,
        decisionId: input.decisionId,
        reasons: [...input.reasons],
        audience: input.audience,
        status: 'pending',
        createdAt: now,
        expiresAt: now + this.#opts.ttlSeconds * 1000,
        decidedAt: null,
        decidedBy: null,
        usedAt: null,
        note: null,
      };
      await tx.approvals.insert(approval);
      await tx.audit.append({
        actor: input.agent,
        action: 'approval.request',
        target: approval.id,
        outcome: 'success',
        requestId: input.requestId ?? null,
        details: {
          task: input.taskId,
          target: input.target,
          arguments_digest: argumentsDigest,
          policy_set_version: input.policySetVersion,
          decision_id: input.decisionId,
          reasons: input.reasons,
          expires_at: approval.expiresAt,
        },
      });
      return { record: approval, created: true };
    });
    if (created) this.#changed(record);
    return this.ticket(record);
  }

  /**
   * Spends the approval bound to exactly this call, if one is approved and unexpired: true once,
   * false after. The approval must have been asked under the same policy-set version, and every
   * approval policy that holds now must be one it was asked for (`reasons`): a human's yes never
   * lifts a forbid that came into force after it. Audited as `approval.use`.
   */
  async consume(
    call: CallBinding & {
      policySetVersion: string;
      reasons: readonly string[];
      requestId?: string | null;
    },
  ): Promise<boolean> {
    const binding = {
      agent: call.agent,
      taskId: call.taskId,
      target: call.target,
      argumentsDigest: digestOf(call.arguments),
    };
    const used = await this.#store.transaction(async (tx) => {
      // Read the clock inside the transaction: the write queue may have held it back.
      const now = this.#clock.now();
      for (const a of await tx.approvals.findBound(binding, 'approved')) {
        if (a.expiresAt <= now) continue;
        if (
          a.policySetVersion !== call.policySetVersion ||
          !call.reasons.every((r) => a.reasons.includes(r))
        )
          continue;
        // INVARIANT: `transition` only succeeds from `approved`, so two concurrent calls cannot both spend it.
        if (!(await tx.approvals.transition(a.id, 'approved', { status: 'used', usedAt: now })))
          continue;
        await tx.audit.append({
          actor: call.agent,
          action: 'approval.use',
          target: a.id,
          outcome: 'success',
          requestId: call.requestId ?? null,
          details: { task: a.taskId, target: a.target, arguments_digest: a.argumentsDigest },
        });
        return { ...a, status: 'used' as const, usedAt: now };
      }
      return undefined;
    });
    if (used) this.#changed(used);
    return used !== undefined;
  }

  /**
   * A human's answer. Throws `not_found`, or `conflict` when it is no longer pending (decided,
   * used or expired). Audited as `approval.approve` / `approval.deny` with who decided.
   */
  async decide(
    id: string,
    answer: { approve: boolean; by: string; note?: string; requestId?: string | null },
  ): Promise<ApprovalRecord> {
    let now = this.#clock.now();
    const decided = await this.#store.transaction(async (tx) => {
      now = this.#clock.now();
      const a = await tx.approvals.get(id);
      if (!a) throw new MandateError('not_found', `no approval \`${id.slice(0, 80)}\``, { id });
      if (a.status === 'pending' && a.expiresAt <= now) {
        throw new MandateError(
          'conflict',
          `approval \`${id}\` expired at ${new Date(a.expiresAt).toISOString()}; the agent must make the call again to ask for a new one`,
          { id, state: 'expired' },
        );
      }
      if (a.status !== 'pending')
        throw new MandateError('conflict', `approval \`${id}\` is ${a.status}, not pending`, {
          id,
          state: a.status,
        });
      const status = answer.approve ? 'approved' : 'denied';
      // INVARIANT: only a pending approval is decided, once; a racing decision loses here.
      if (
        !(await tx.approvals.transition(id, 'pending', {
          status,
          decidedAt: now,
          decidedBy: answer.by,
          ...(answer.note ? { note: answer.note } : {}),
        }))
      ) {
        throw new MandateError('conflict', `approval \`${id}\` was decided meanwhile`, { id });
      }
      await tx.audit.append({
        actor: answer.by,
        action: answer.approve ? 'approval.approve' : 'approval.deny',
        target: id,
        outcome: 'success',
        requestId: answer.requestId ?? null,
        details: {
          agent: a.agent,
          task: a.taskId,
          target: a.target,
          arguments_digest: a.argumentsDigest,
          ...(answer.note ? { note: answer.note } : {}),
        },
      });
      return {
        ...a,
        status,
        decidedAt: now,
        decidedBy: answer.by,
        note: answer.note ?? a.note,
      } as ApprovalRecord;
    });
    this.#changed(decided);
    return decided;
  }

  /**
   * Withdraws a pending or approved approval: it can no longer be approved or used, and an
   * `approval` revocation event tells every enforcement point that holds it. Throws `not_found`,
   * or `conflict` when it is denied, used, expired or revoked already. Audited as `approval.revoke`.
   */
  async revoke(
    id: string,
    who: { by: string; reason?: string; requestId?: string | null },
  ): Promise<ApprovalRecord> {
    const now = this.#clock.now();
    const revoked = await this.#store.transaction(async (tx) => {
      const a = await tx.approvals.get(id);
      if (!a) throw new MandateError('not_found', `no approval \`${id.slice(0, 80)}\``, { id });
      const status = this.#current(a, now).status;
      if (
        (status !== 'pending' && status !== 'approved') ||
        !(await tx.approvals.transition(id, a.status, {
          status: 'revoked',
          ...(who.reason ? { note: who.reason } : {}),
        }))
      ) {
        throw new MandateError(
          'conflict',
          `approval \`${id}\` is ${status}; only a pending or approved approval can be revoked`,
          { id, state: status },
        );
      }
      await tx.revocations.append({
        kind: 'approval',
        subject: id,
        at: now,
        expiresAt: a.expiresAt,
        cause: 'approval.revoke',
      });
      await tx.audit.append({
        actor: who.by,
        action: 'approval.revoke',
        target: id,
        outcome: 'success',
        requestId: who.requestId ?? null,
        details: {
          agent: a.agent,
          task: a.taskId,
          target: a.target,
          was: status,
          ...(who.reason ? { reason: who.reason } : {}),
        },
      });
      return { ...a, status: 'revoked', note: who.reason ?? a.note } as ApprovalRecord;
    });
    this.#changed(revoked);
    return revoked;
  }

  /** The approval as it is now (`expired` once its time has passed while pending or approved). */
  async get(id: string): Promise<ApprovalRecord | undefined> {
    const a = await this.#store.read.approvals.get(id);
    return a && this.#current(a);
  }

  async list(
    filter: {
      status?: ApprovalRecord['status'];
      agent?: string;
      taskId?: string;
      limit?: number;
    } = {},
  ): Promise<ApprovalRecord[]> {
    const now = this.#clock.now();
    if (filter.status === 'expired') {
      const all = await this.#store.read.approvals.list({
        ...filter,
        status: undefined,
      } as typeof filter);
      return all.map((a) => this.#current(a, now)).filter((a) => a.status === 'expired');
    }
    const rows = await this.#store.read.approvals.list(filter);
    return rows
      .map((a) => this.#current(a, now))
      .filter((a) => filter.status === undefined || a.status === filter.status);
  }

  ticket(a: ApprovalRecord): ApprovalTicket {
    const base = `${this.#opts.issuer}/v1/approvals/${a.id}`;
    return {
      id: a.id,
      status: this.#current(a).status,
      expiresAt: a.expiresAt,
      approveUrl: `${base}/approve`,
      statusUrl: `${base}/status`,
    };
  }

  #current(a: ApprovalRecord, now = this.#clock.now()): ApprovalRecord {
    return (a.status === 'pending' || a.status === 'approved') && a.expiresAt <= now
      ? { ...a, status: 'expired' }
      : a;
  }

  #changed(a: ApprovalRecord): void {
    try {
      this.#opts.onChange?.(a);
    } catch {
      // a listener must never undo or fail a state change that has committed
    }
  }
}
