import { MandateError } from '../../core/errors.js';
import { isSubset } from '../../delegation/scope.js';

/**
 * What token exchange takes from the risk signals (docs/signals.md): the declared tools per
 * purpose (`signals.purposes`), and the risk and restrictions that would count for the new
 * token's calls.
 */
export interface ExchangeSignals {
  /** Task purpose (exact text) → the tool scopes it declares (`signals.purposes`). */
  purposes: Readonly<Record<string, readonly string[]>>;
  /** Token exchange is refused while that risk is at least this (`signals.refuseTokensAtRisk`); null: never. */
  refuseAtRisk: number | null;
  /** The risk and restrictions of the agents on the chain (and of the parent's task, when there is one). */
  standing(call: { agent: string; taskId: string | null; chain: readonly string[] }): {
    risk: number;
    restrictions: readonly string[];
  };
}

/**
 * The purpose of a new task: the registered one (the agent's, or the human's grant's), or a
 * narrowing of it the operator declared: a purpose listed in `signals.purposes` whose tools are
 * all within the registered purpose's (when the registered purpose is not listed, its declared
 * tools are the whole token, which any listed purpose narrows; so is any other text, which
 * declares nothing more). Anything else is refused: the `undeclared_tool` detector checks
 * calls against the purpose, so the agent must not pick one that declares more.
 *
 * @example taskPurpose('triage issues', 'maintain repos', { 'triage issues': ['tool:github/list_*'], 'maintain repos': ['tool:github/*'] }) // 'triage issues'
 */
export function taskPurpose(
  requested: string | undefined,
  registered: string,
  purposes: ExchangeSignals['purposes'] | undefined,
): string {
  if (requested === undefined || requested === registered) return registered;
  const within = purposes?.[registered];
  if (within === undefined) return requested;
  const asked = purposes?.[requested];
  if (asked !== undefined && isSubset(asked, within)) return requested;
  throw new MandateError(
    'invalid_request',
    `\`purpose\` \`${requested.slice(0, 80)}\` is not the registered purpose \`${registered.slice(0, 80)}\` nor one \`signals.purposes\` declares within it; leave \`purpose\` out`,
    { reason: 'purpose_not_allowed' },
  );
}

/**
 * Refuses a token exchange while the risk that would count for the new token's calls (every
 * agent on its chain, and for a delegation the task's own signals) reaches `refuseAtRisk`.
 * Restrictions below it (`require_approval`, `read_only`) carry over: the new token's calls count
 * the same signals.
 */
export function refuseRisky(
  signals: ExchangeSignals | undefined,
  call: { agent: string; taskId: string | null; chain: readonly string[] },
): void {
  if (!signals || signals.refuseAtRisk === null) return;
  const { risk } = signals.standing(call);
  if (risk < signals.refuseAtRisk) return;
  const about =
    call.taskId !== null ? `task \`${call.taskId}\` and its chain` : `agent \`${call.agent}\``;
  throw new MandateError(
    'invalid_grant',
    `${about} ${call.taskId !== null ? 'are' : 'is'} at risk ${risk} from live signals; no token is issued at risk ${signals.refuseAtRisk} or more (\`signals.refuseTokensAtRisk\`)`,
    { reason: 'risk', risk },
  );
}
