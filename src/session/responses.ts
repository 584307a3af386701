import {
  RESPONSES,
  type ResponseName,
  type ResponseRule,
  type SignalsConfig,
} from './signal-config.js';

/**
 * The graduated response to a signal. Three sources add up, none can take a response away:
 * 1. the ladder: every rung the signal's risk reaches (default: 50 require approval, 70 read only,
 *    90 revoke the task; suspending the agent only when configured);
 * 2. for a built-in detector's signal, that detector's own `responses`;
 * 3. every rule of `signals.rules` whose `kind` (or `*`) and agent (its SPIFFE ID, or one of its
 *    labels) match.
 * Denying the call itself is not a response here: the default pack's `mandate.risk-threshold`
 * denies every call whose risk is 80 or more.
 */

export interface SignalFacts {
  kind: string;
  risk: number;
  /** The agent the signal is about (a task signal: the agent that acted, or the task's agent). */
  agent: string | null;
}

/** True when `rule` applies to a signal of `kind` about an agent with these labels. */
export function ruleMatches(
  rule: ResponseRule,
  signal: SignalFacts,
  labels: readonly string[],
): boolean {
  if (rule.kind !== '*' && rule.kind !== signal.kind) return false;
  if (rule.agent !== undefined && rule.agent !== signal.agent) return false;
  if (rule.label !== undefined && !labels.includes(rule.label)) return false;
  return true;
}

/**
 * The responses a signal gets, in the order they are carried out (restrictions first, then
 * revoking, then suspending).
 *
 * @example planResponses({ kind: 'prompt_injection', risk: 75, agent: null }, [], DEFAULT_SIGNALS) // ['require_approval', 'read_only']
 */
export function planResponses(
  signal: SignalFacts,
  labels: readonly string[],
  config: Pick<SignalsConfig, 'ladder' | 'rules'>,
  detectorResponses: readonly ResponseName[] = [],
): ResponseName[] {
  const out = new Set<ResponseName>(detectorResponses);
  for (const r of RESPONSES) {
    const at = config.ladder[r];
    if (at !== null && signal.risk >= at) out.add(r);
  }
  for (const rule of config.rules)
    if (ruleMatches(rule, signal, labels)) for (const r of rule.responses) out.add(r);
  return RESPONSES.filter((r) => out.has(r));
}
