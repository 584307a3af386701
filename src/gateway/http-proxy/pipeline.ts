import { performance } from 'node:perf_hooks';
import { statusOf } from '../../core/error-codes.js';
import { approval } from '../core/approval.js';
import { authenticate } from '../core/authenticate.js';
import { decide } from '../core/decide.js';
import type { Refused } from '../core/outcome.js';
import { revocation } from '../core/revocation.js';
import { Steps, type ContextOf } from '../core/steps.js';
import type { ProxyDeps, ProxyRequest, Refusal } from './context.js';
import { writeProblem } from './problem.js';
import { decisionIdOf, refusalOf } from './refusals.js';
import { requestArguments } from './steps/arguments.js';
import { body } from './steps/body.js';
import { forward } from './steps/forward.js';
import { inject } from './steps/inject.js';
import { match, requestTarget } from './steps/match.js';
import { override } from './steps/override.js';
import { passthrough } from './steps/passthrough.js';
import { rateLimit } from './steps/rate-limit.js';

/**
 * A proxied request, in order, on the enforcement core the MCP gateway runs too (../core/):
 * authenticate → revocation → resolve (the path and its route) → the proxy's own checks of a
 * plain HTTP request → decide → approval → forward (with the brokered credential). Each step may
 * refuse it; only `forward` reaches the upstream, so nothing is forwarded unless every step
 * before it let the request through. Whatever happened, `record` counts it (./metrics.ts) and
 * logs one line without credentials, tokens or the query.
 */
export const PROXY_STEPS = Steps.start<ProxyDeps, ProxyRequest>()
  .step(authenticate)
  .step(revocation)
  .step(requestTarget)
  .step(match)
  .step(override)
  .step(rateLimit)
  .step(body)
  .step(passthrough)
  .step(requestArguments)
  .step(decide)
  .step(approval)
  .step(inject)
  .step(forward);

export async function proxyRequest(call: ProxyRequest, deps: ProxyDeps): Promise<void> {
  let known: ContextOf<typeof PROXY_STEPS> = call;
  let refusal: Refusal | undefined;
  let refused: Refused | undefined;
  try {
    const r = await PROXY_STEPS.run(call, deps, (c) => (known = c));
    if ('end' in r) {
      if (r.end.kind === undefined) refusal = r.end;
      else {
        refused = r.end;
        refusal = refusalOf(refused, call.service);
      }
    }
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err), service: call.service.name },
      'proxy request failed',
    );
    refusal = {
      code: 'proxy_error',
      detail: 'the proxy failed to handle the request; nothing more was forwarded',
      outcome: 'upstream_error',
    };
  }
  if (refusal) writeProblem(call.res, call.requestId, refusal);
  record(known, deps, refusal, refused && decisionIdOf(refused));
}

function record(
  call: ContextOf<typeof PROXY_STEPS>,
  deps: ProxyDeps,
  refusal: Refusal | undefined,
  refusedDecision: string | undefined,
): void {
  const { service } = call;
  const principal = 'principal' in call ? call.principal : undefined;
  const route = 'route' in call ? call.route : undefined;
  const outcome = refusal?.outcome ?? 'forwarded';
  const label = route?.label ?? 'unmatched';
  const seconds = (performance.now() - call.startedAt) / 1000;
  deps.metrics?.request(service.name, label, outcome, seconds);
  if (refusal?.reason) deps.metrics?.denied(service.name, refusal.reason);
  const firstSeen =
    outcome === 'forwarded' && route && principal
      ? deps.metrics?.allowed(service.name, label, principal.actor)
      : false;
  const decisionId = refusedDecision ?? ('decision' in call ? call.decision.decisionId : undefined);
  const line = {
    service: service.name,
    route: label,
    outcome,
    status: refusal
      ? statusOf(refusal.code)
      : 'upstreamStatus' in call
        ? call.upstreamStatus
        : undefined,
    ...(refusal ? { code: refusal.code } : {}),
    ...(principal ? { agent: principal.actor, task: principal.taskId } : {}),
    // A path that smuggles the token is not repeated into the log.
    ...('target' in call && refusal?.code !== 'token_passthrough'
      ? { path: call.target.path }
      : {}),
    ...(decisionId !== undefined ? { decision_id: decisionId } : {}),
    ...(firstSeen ? { first_seen: true } : {}),
    ms: Math.round(seconds * 1000),
  };
  if (outcome === 'forwarded') deps.log.info(line, 'proxy request');
  else deps.log.warn(line, 'proxy request refused');
}
