import type { RequestContext } from '../core/context.js';
import type { Store } from '../core/store/index.js';
import type { DecisionService } from './decision-service.js';
import type { PolicyFileText, PolicyStore } from './policy-store.js';
import { recordedDecisions, replay, type ReplayReport } from './replay.js';

/**
 * Trying policies before activating them: replaying the recorded decisions with candidate files,
 * and a stored version evaluated as a shadow beside the active set on every live decision (never
 * affecting the answer). Setting or clearing the shadow is audited as `policy.shadow`.
 */
export class PolicyTrials {
  constructor(
    private readonly store: Store,
    private readonly policies: PolicyStore,
    private readonly decisions: DecisionService,
  ) {}

  /** Re-decides the decisions recorded since `sinceTime` with `files`; invalid files are refused as `PolicyStore.create` refuses them. */
  async replay(files: readonly PolicyFileText[], sinceTime: number): Promise<ReplayReport> {
    const candidate = this.policies.candidate(files);
    return replay(await recordedDecisions(this.store.read, sinceTime), candidate);
  }

  /** Evaluates stored `version` (0: the default pack) beside the active set; `not_found` for no such version. */
  async shadow(version: number, ctx: RequestContext): Promise<void> {
    this.decisions.setShadow(await this.policies.pointOf(version));
    await this.store.transaction((tx) =>
      tx.audit.append({
        actor: ctx.actor,
        action: 'policy.shadow',
        target: `policy_set:${version}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { version },
      }),
    );
  }

  /** Stops evaluating the shadow set (its disagreements are dropped). */
  async clearShadow(ctx: RequestContext): Promise<void> {
    const previous = this.decisions.shadow?.version ?? null;
    this.decisions.setShadow(null);
    await this.store.transaction((tx) =>
      tx.audit.append({
        actor: ctx.actor,
        action: 'policy.shadow',
        target: 'policy_set:shadow',
        outcome: 'success',
        requestId: ctx.requestId,
        details: { version: null, previous },
      }),
    );
  }
}
