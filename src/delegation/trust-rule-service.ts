import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import { newId } from '../core/random.js';
import type { Store, TrustRuleRecord } from '../core/store/index.js';
import { validateTrustRule, type TrustRule } from './trust-rules.js';

/**
 * The delegation trust rules the admin keeps (`/v1/trust-rules`): each change is stored with its
 * audit event (`trust_rule.add`, `trust_rule.delete`) in one transaction. The token exchange
 * reads the rules in its own transaction (docs/delegation.md).
 */
export class TrustRuleService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Validates and stores a rule under a new id; `invalid_request` names the first bad field. */
  async add(input: Omit<TrustRule, 'id'>, ctx: RequestContext): Promise<TrustRuleRecord> {
    const id = newId();
    const rule = validateTrustRule({ id, ...input });
    const record: TrustRuleRecord = {
      id,
      from: rule.from,
      to: rule.to,
      maxDepth: rule.maxDepth ?? null,
      crossDomain: rule.crossDomain ?? false,
      createdAt: this.clock.now(),
    };
    await this.store.transaction(async (tx) => {
      await tx.trustRules.insert(record);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'trust_rule.add',
        target: `trust_rule:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          id,
          from: record.from,
          to: record.to,
          max_depth: record.maxDepth,
          cross_domain: record.crossDomain,
          created_at: new Date(record.createdAt).toISOString(),
        },
      });
    });
    return record;
  }

  list(): Promise<TrustRuleRecord[]> {
    return this.store.read.trustRules.list();
  }

  /** Removes a rule; `not_found` when there is none with that id. */
  async remove(id: string, ctx: RequestContext): Promise<void> {
    await this.store.transaction(async (tx) => {
      if (!(await tx.trustRules.delete(id)))
        throw new MandateError('not_found', `trust rule \`${id}\` does not exist`);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'trust_rule.delete',
        target: `trust_rule:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
      });
    });
  }
}
