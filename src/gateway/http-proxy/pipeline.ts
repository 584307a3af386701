import { performance } from 'node:perf_hooks';
import { statusOf } from '../../core/error-codes.js';
import type { ProxyCall, ProxyDeps, Refusal, Step } from './context.js';
import { writeProblem } from './problem.js';
import { approval } from './steps/approval.js';
import { authenticate } from './steps/authenticate.js';
import { body } from './steps/body.js';
import { decide } from './steps/decide.js';
import { forward } from './steps/forward.js';
import { inject } from './steps/inject.js';
import { match } from './steps/match.js';
import { override } from './steps/override.js';
import { passthrough } from './steps/passthrough.js';
import { rateLimit } from './steps/rate-limit.js';
import { revocation } from './steps/revocation.js';

/**
 * A proxied request, in order. Each step may refuse it; only `forward` reaches the upstream, so
 * nothing is forwarded unless every step before it let the request through. Whatever happened,
 * `record` counts it (./metrics.ts) and logs one line without credentials, tokens or the query.
 */
export const PROXY_STEPS: readonly Step[] = [
  authenticate,
  revocation,
  match,
  override,
  rateLimit,
  body,
  passthrough,
  decide,
  approval,
  inject,
  forward,
];

export async function proxyRequest(call: ProxyCall, deps: ProxyDeps): Promise<void> {
  let refusal: Refusal | undefined;
  try {
    for (const step of PROXY_STEPS) {
      const outcome = await step(call, deps);
      if (outcome) {
        refusal = outcome.refuse;
        break;
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
  if (refusal) {
    call.outcome = refusal.outcome;
    writeProblem(call.res, call.requestId, refusal);
  }
  record(call, deps, refusal);
}

function record(call: ProxyCall, deps: ProxyDeps, refusal: Refusal | undefined): void {
  const { service, principal, route } = call;
  const outcome = call.outcome ?? 'upstream_error';
  const label = route?.label ?? 'unmatched';
  const seconds = (performance.now() - call.startedAt) / 1000;
  deps.metrics?.request(service.name, label, outcome, seconds);
  if (refusal?.reason) deps.metrics?.denied(service.name, refusal.reason);
  const firstSeen =
    outcome === 'forwarded' && route && principal
      ? deps.metrics?.allowed(service.name, label, principal.actor)
      : false;
  const line = {
    service: service.name,
    route: label,
    outcome,
    status: refusal ? statusOf(refusal.code) : call.upstreamStatus,
    ...(refusal ? { code: refusal.code } : {}),
    ...(principal ? { agent: principal.actor, task: principal.taskId } : {}),
    // A path that smuggles the token is not repeated into the log.
    ...(call.target && refusal?.code !== 'token_passthrough' ? { path: call.target.path } : {}),
    ...(call.decision ? { decision_id: call.decision.decisionId } : {}),
    ...(firstSeen ? { first_seen: true } : {}),
    ms: Math.round(seconds * 1000),
  };
  if (outcome === 'forwarded') deps.log.info(line, 'proxy request');
  else deps.log.warn(line, 'proxy request refused');
}
