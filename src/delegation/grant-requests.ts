import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import { newId } from '../core/random.js';
import type {
  AgentRecord,
  GrantRecord,
  GrantRequestRecord,
  GrantRequestStatus,
  Store,
} from '../core/store/index.js';
import { actorOf, humanIdProblem, type Human } from '../humans/human.js';
import { narrowTerms } from './narrowing.js';
import type { DelegationNotices } from './notices.js';
import { isSubset, parseScope } from './scope.js';

/**
 * Grant requests: an agent asks a human for access to their resources (which tools, what for,
 * for how long); the human approves — possibly narrowing the scopes and shortening the duration —
 * or denies, or the request expires unanswered. An approved request becomes a grant with the
 * request's id, which the agent then exchanges for on-behalf-of task tokens (sub = the human,
 * act = the agent). Only the human asked (or the admin) answers. Every step is audited.
 *
 * States: pending → approved | denied, pending → expired (lazily, when read after `expiresAt`).
 */
export interface GrantRequestOptions {
  /** How long a request waits for an answer. */
  requestTtlSeconds: number;
  /** The longest grant an agent may ask for. */
  maxGrantSeconds: number;
  /** Unanswered requests one agent may have at a time: a human's inbox is not the agent's to flood. */
  maxPendingPerAgent: number;
}

export interface NewGrantRequest {
  agent: AgentRecord;
  human: string;
  scopes: string[];
  purpose: string;
  durationSeconds: number;
}

export class GrantRequestService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly notices: DelegationNotices,
    private readonly options: GrantRequestOptions,
  ) {}

  /** Records a pending request and tells the human. Audited as `grant_request.create` (actor: the agent). */
  async request(input: NewGrantRequest, ctx: RequestContext): Promise<GrantRequestRecord> {
    const problem = humanIdProblem(input.human);
    if (problem) throw new MandateError('invalid_request', `\`owner\` ${problem}`);
    const purpose = input.purpose.trim();
    if (purpose.length === 0 || purpose.length > 1024)
      throw new MandateError(
        'invalid_request',
        '`purpose` must be 1 to 1024 characters: the human reads it to decide',
      );
    const scopes = parseScope(input.scopes.join(' '));
    if (scopes.length === 0) throw new MandateError('invalid_scope', 'ask for at least one scope');
    const beyond = scopes.filter((s) => !isSubset([s], input.agent.allowedScopes));
    if (beyond.length)
      throw new MandateError(
        'invalid_scope',
        `agent \`${input.agent.name}\` may not hold ${beyond.map((s) => `\`${s}\``).join(', ')}, whoever grants it`,
      );
    if (
      !Number.isInteger(input.durationSeconds) ||
      input.durationSeconds < 1 ||
      input.durationSeconds > this.options.maxGrantSeconds
    ) {
      throw new MandateError(
        'invalid_request',
        `\`duration\` must be 1 to ${this.options.maxGrantSeconds} seconds`,
      );
    }
    const now = this.clock.now();
    const record: GrantRequestRecord = {
      id: newId(),
      agent: input.agent.spiffeId,
      human: input.human,
      scopes,
      purpose,
      durationSeconds: input.durationSeconds,
      status: 'pending',
      createdAt: now,
      expiresAt: now + this.options.requestTtlSeconds * 1000,
      decidedAt: null,
      decidedBy: null,
      note: null,
    };
    await this.store.transaction(async (tx) => {
      const pending = (
        await tx.grantRequests.list({
          agent: record.agent,
          status: 'pending',
          limit: this.options.maxPendingPerAgent + 1,
        })
      ).filter((r) => r.expiresAt > now);
      if (pending.length >= this.options.maxPendingPerAgent) {
        throw new MandateError(
          'conflict',
          `agent \`${input.agent.name}\` already has ${pending.length} unanswered grant requests; wait for an answer or for them to expire`,
          { reason: 'too_many_pending' },
        );
      }
      await tx.grantRequests.insert(record);
      await tx.audit.append({
        actor: record.agent,
        action: 'grant_request.create',
        target: `grant_request:${record.id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          human: record.human,
          scopes,
          purpose,
          duration_seconds: record.durationSeconds,
          expires_at: record.expiresAt,
        },
      });
    });
    this.notices.grantRequest('created', record);
    return record;
  }

  /** The request as it is now (`expired` once unanswered past its expiry). */
  async get(id: string): Promise<GrantRequestRecord | undefined> {
    const r = await this.store.read.grantRequests.get(id);
    return r && this.current(r);
  }

  async list(
    filter: { human?: string; agent?: string; status?: GrantRequestStatus; limit?: number } = {},
  ): Promise<GrantRequestRecord[]> {
    const { status, ...rest } = filter;
    // `expired` is partly lazy: a pending row past its expiry reads as expired.
    const rows = await this.store.read.grantRequests.list(status === 'expired' ? rest : filter);
    return rows
      .map((r) => this.current(r))
      .filter((r) => status === undefined || r.status === status);
  }

  /**
   * The human's yes: a grant with the request's id, for the requested scopes and duration or a
   * narrower part of them. Audited as `grant_request.approve` and `grant.create`.
   */
  async approve(
    id: string,
    by: Human,
    change: {
      scopes?: string[] | undefined;
      durationSeconds?: number | undefined;
      note?: string | undefined;
    },
    ctx: RequestContext,
  ): Promise<{ request: GrantRequestRecord; grant: GrantRecord }> {
    await this.mayAnswer(id, by, 'grant_request.approve', ctx);
    const now = this.clock.now();
    const actor = actorOf(by);
    const result = await this.store.transaction(async (tx) => {
      const r = await this.pendingIn(tx, id, now);
      if (
        change.durationSeconds !== undefined &&
        (!Number.isInteger(change.durationSeconds) || change.durationSeconds < 1)
      )
        throw new MandateError(
          'invalid_request',
          '`ttl` must be a whole number of seconds, at least 1',
        );
      const asked = { scopes: r.scopes, expiresAt: now + r.durationSeconds * 1000 };
      const terms = narrowTerms(
        asked,
        {
          scopes: change.scopes,
          expiresAt:
            change.durationSeconds === undefined ? undefined : now + change.durationSeconds * 1000,
        },
        now,
      );
      if (!terms.ok)
        throw new MandateError(
          terms.error,
          terms.message.replace(
            'narrowing cannot extend a grant past',
            'an approval cannot last longer than asked: until',
          ),
        );
      const grant: GrantRecord = {
        id: r.id,
        human: r.human,
        agent: r.agent,
        scopes: terms.terms.scopes,
        purpose: r.purpose,
        status: 'active',
        createdAt: now,
        expiresAt: terms.terms.expiresAt,
        revokedAt: null,
      };
      await tx.grantRequests.transition(id, 'pending', {
        status: 'approved',
        decidedAt: now,
        decidedBy: actor,
        ...(change.note ? { note: change.note } : {}),
      });
      await tx.grants.insert(grant);
      await tx.audit.append({
        actor,
        action: 'grant_request.approve',
        target: `grant_request:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          agent: r.agent,
          human: r.human,
          requested_scopes: r.scopes,
          scopes: grant.scopes,
          requested_duration_seconds: r.durationSeconds,
          expires_at: grant.expiresAt,
          narrowed: terms.narrowed,
          ...(change.note ? { note: change.note } : {}),
        },
      });
      await tx.audit.append({
        actor,
        action: 'grant.create',
        target: `grant:${grant.id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          human: grant.human,
          agent: grant.agent,
          scopes: grant.scopes,
          expiresAt: grant.expiresAt,
          request: id,
        },
      });
      return {
        request: {
          ...r,
          status: 'approved' as const,
          decidedAt: now,
          decidedBy: actor,
          note: change.note ?? r.note,
        },
        grant,
      };
    });
    this.notices.grantRequest('approved', result.request, result.grant);
    return result;
  }

  /** The human's no. Audited as `grant_request.deny`. */
  async deny(
    id: string,
    by: Human,
    note: string | undefined,
    ctx: RequestContext,
  ): Promise<GrantRequestRecord> {
    await this.mayAnswer(id, by, 'grant_request.deny', ctx);
    const now = this.clock.now();
    const actor = actorOf(by);
    const denied = await this.store.transaction(async (tx) => {
      const r = await this.pendingIn(tx, id, now);
      await tx.grantRequests.transition(id, 'pending', {
        status: 'denied',
        decidedAt: now,
        decidedBy: actor,
        ...(note ? { note } : {}),
      });
      await tx.audit.append({
        actor,
        action: 'grant_request.deny',
        target: `grant_request:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { agent: r.agent, human: r.human, scopes: r.scopes, ...(note ? { note } : {}) },
      });
      return {
        ...r,
        status: 'denied' as const,
        decidedAt: now,
        decidedBy: actor,
        note: note ?? r.note,
      };
    });
    this.notices.grantRequest('denied', denied);
    return denied;
  }

  /** Only the human asked, or the admin, answers; anyone else is refused, and the refusal audited. */
  private async mayAnswer(
    id: string,
    by: Human,
    action: 'grant_request.approve' | 'grant_request.deny',
    ctx: RequestContext,
  ): Promise<void> {
    const r = await this.store.read.grantRequests.get(id);
    // The same answer for "no such request" and "not yours": ids reveal nothing to other humans.
    if (!r || (!by.admin && by.id !== r.human)) {
      if (r)
        await this.store.transaction((tx) =>
          tx.audit.append({
            actor: actorOf(by),
            action,
            target: `grant_request:${id}`,
            outcome: 'denied',
            requestId: ctx.requestId,
            details: { reason: 'not_the_human_asked', human: r.human },
          }),
        );
      throw new MandateError('not_found', `no grant request \`${id.slice(0, 80)}\` for you`, {
        id,
      });
    }
  }

  private async pendingIn(
    tx: Parameters<Parameters<Store['transaction']>[0]>[0],
    id: string,
    now: number,
  ): Promise<GrantRequestRecord> {
    const r = await tx.grantRequests.get(id);
    if (!r) throw new MandateError('not_found', `no grant request \`${id.slice(0, 80)}\``, { id });
    if (r.status === 'pending' && r.expiresAt <= now) {
      throw new MandateError(
        'conflict',
        `grant request \`${id}\` expired at ${new Date(r.expiresAt).toISOString()}; the agent must ask again`,
        { id, status: 'expired' },
      );
    }
    if (r.status !== 'pending')
      throw new MandateError('conflict', `grant request \`${id}\` is ${r.status}, not pending`, {
        id,
        status: r.status,
      });
    return r;
  }

  private current(r: GrantRequestRecord): GrantRequestRecord {
    return r.status === 'pending' && r.expiresAt <= this.clock.now()
      ? { ...r, status: 'expired' }
      : r;
  }
}
