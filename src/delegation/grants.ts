import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import { newId } from '../core/random.js';
import type { GrantRecord, Store } from '../core/store/index.js';
import { actorOf, type Human } from '../humans/human.js';
import type { TaskService } from '../tasks/task-service.js';
import { narrowTerms } from './narrowing.js';
import { parseScope } from './scope.js';
import type { DelegationNotices } from './notices.js';

/**
 * Delegation grants as the human sees them: list their own, narrow (fewer scopes, an earlier
 * expiry — never wider), revoke. The admin may do the same to any grant.
 *
 * Revoking appends a `grant` revocation event in the same transaction, so every token that
 * carries its `grant_id` (on-behalf-of tokens and everything delegated from them) fails its next
 * check, here and at every enforcement point following the revocation feed.
 * Narrowing ends every task started under the grant — every derived token is revoked, not only
 * those that now exceed it — and the agent exchanges the grant again for tokens within the
 * narrowed terms. The token exchange re-reads the grant in its commit transaction, so a token
 * cannot be issued under the old terms after a narrowing commits.
 */
export class GrantService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly tasks: TaskService,
    private readonly notices: DelegationNotices,
  ) {}

  /** The grant as it is now (`expired` once active past its expiry). */
  current(g: GrantRecord): GrantRecord {
    return g.status === 'active' && g.expiresAt <= this.clock.now()
      ? { ...g, status: 'expired' }
      : g;
  }

  async list(
    filter: { human?: string; agent?: string; status?: GrantRecord['status'] } = {},
  ): Promise<GrantRecord[]> {
    const { status, ...rest } = filter;
    return (await this.store.read.grants.list(rest))
      .map((g) => this.current(g))
      .filter((g) => status === undefined || g.status === status);
  }

  /**
   * Records a human's delegation to an agent (named, or by SPIFFE ID) for `ttlSeconds`. Audited
   * as `grant.create`; the agent exchanges the grant id for on-behalf-of task tokens.
   */
  async create(
    input: { human: string; agent: string; scopes: string[]; purpose: string; ttlSeconds: number },
    ctx: RequestContext,
  ): Promise<GrantRecord> {
    const agent = input.agent.startsWith('spiffe://')
      ? await this.store.read.agents.getBySpiffeId(input.agent)
      : await this.store.read.agents.get(input.agent);
    if (!agent) throw new MandateError('not_found', `agent \`${input.agent}\` does not exist`);
    const scopes = parseScope(input.scopes.join(' '));
    const now = this.clock.now();
    const grant: GrantRecord = {
      id: newId(),
      human: input.human,
      agent: agent.spiffeId,
      scopes,
      purpose: input.purpose,
      status: 'active',
      createdAt: now,
      expiresAt: now + input.ttlSeconds * 1000,
      revokedAt: null,
    };
    await this.store.transaction(async (tx) => {
      await tx.grants.insert(grant);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'grant.create',
        target: `grant:${grant.id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { human: grant.human, agent: grant.agent, scopes, expiresAt: grant.expiresAt },
      });
    });
    return grant;
  }

  /** The grant as it is now, whoever's it is; undefined when there is none. */
  async find(id: string): Promise<GrantRecord | undefined> {
    const g = await this.store.read.grants.get(id);
    return g && this.current(g);
  }

  /** A grant `by` may see: their own, or any for the admin; `not_found` otherwise. */
  async get(id: string, by: Human): Promise<GrantRecord> {
    const g = await this.store.read.grants.get(id);
    if (!g || (!by.admin && g.human !== by.id))
      throw new MandateError('not_found', `no grant \`${id.slice(0, 80)}\` of yours`, { id });
    return this.current(g);
  }

  /** Revokes a grant: every token derived from it stops working. Audited as `grant.revoke`. */
  async revoke(id: string, by: Human, ctx: RequestContext): Promise<GrantRecord> {
    await this.get(id, by);
    const actor = actorOf(by);
    const { grant, changed } = await this.store.transaction(async (tx) => {
      const g = await tx.grants.get(id);
      if (!g) throw new MandateError('not_found', `grant \`${id}\` does not exist`);
      if (g.status !== 'active') return { grant: g, changed: false };
      const updated: GrantRecord = { ...g, status: 'revoked', revokedAt: this.clock.now() };
      await tx.grants.update(updated);
      // Every token derived from the grant carries its id: one event revokes them all, wherever they are checked.
      await tx.revocations.append({
        kind: 'grant',
        subject: g.id,
        at: updated.revokedAt!,
        expiresAt: g.expiresAt,
        cause: 'grant.revoke',
      });
      await tx.audit.append({
        actor,
        action: 'grant.revoke',
        target: `grant:${g.id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { human: g.human, agent: g.agent },
      });
      return { grant: updated, changed: true };
    });
    if (changed) this.notices.grant('revoked', grant, actor);
    return grant;
  }

  /**
   * Narrows an active grant: scopes to a subset, the expiry to an earlier time (`ttlSeconds` from
   * now). Ends every task started under it. Audited as `grant.narrow` (before and after) and a
   * `task.end` per task ended.
   */
  async narrow(
    id: string,
    by: Human,
    change: { scopes?: string[] | undefined; ttlSeconds?: number | undefined },
    ctx: RequestContext,
  ): Promise<{ grant: GrantRecord; endedTasks: string[] }> {
    await this.get(id, by);
    if (change.scopes === undefined && change.ttlSeconds === undefined)
      throw new MandateError(
        'invalid_request',
        'say how to narrow the grant: `scopes`, `ttl` or both',
      );
    if (
      change.ttlSeconds !== undefined &&
      (!Number.isInteger(change.ttlSeconds) || change.ttlSeconds < 1)
    )
      throw new MandateError(
        'invalid_request',
        '`ttl` must be a whole number of seconds, at least 1',
      );
    const actor = actorOf(by);
    const now = this.clock.now();
    const grant = await this.store.transaction(async (tx) => {
      const g = await tx.grants.get(id);
      if (!g) throw new MandateError('not_found', `grant \`${id}\` does not exist`);
      const status = this.current(g).status;
      if (status !== 'active')
        throw new MandateError(
          'conflict',
          `grant \`${id}\` is ${status}; only an active grant can be narrowed`,
          { id, status },
        );
      const terms = narrowTerms(
        { scopes: g.scopes, expiresAt: g.expiresAt },
        {
          scopes: change.scopes,
          expiresAt: change.ttlSeconds === undefined ? undefined : now + change.ttlSeconds * 1000,
        },
        now,
      );
      if (!terms.ok) throw new MandateError(terms.error, terms.message);
      // Ending every task under the grant for nothing would only disrupt its agent.
      if (!terms.narrowed)
        throw new MandateError(
          'invalid_request',
          "those are the grant's current terms: nothing to narrow",
        );
      const updated: GrantRecord = {
        ...g,
        scopes: terms.terms.scopes,
        expiresAt: terms.terms.expiresAt,
      };
      await tx.grants.update(updated);
      await tx.audit.append({
        actor,
        action: 'grant.narrow',
        target: `grant:${g.id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          human: g.human,
          agent: g.agent,
          before: { scopes: g.scopes, expires_at: g.expiresAt },
          after: { scopes: updated.scopes, expires_at: updated.expiresAt },
        },
      });
      return updated;
    });
    // Told as soon as it commits: ending the tasks below may fail, the narrowing stands.
    this.notices.grant('narrowed', grant, actor);
    const endedTasks: string[] = [];
    for (const t of await this.store.read.tasks.list({
      agent: grant.agent,
      status: 'active',
      limit: 100_000,
    })) {
      if (t.grantId !== grant.id) continue;
      await this.tasks.end(t.id, actor, ctx).catch((err: unknown) => {
        // A task that ended meanwhile is what we wanted anyway.
        if (!(err instanceof MandateError && err.code === 'not_found')) throw err;
      });
      endedTasks.push(t.id);
    }
    return { grant, endedTasks };
  }
}
