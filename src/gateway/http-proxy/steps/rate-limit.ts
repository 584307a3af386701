import { end, next, type End, type Next } from '../../core/steps.js';
import type { Matched, ProxyDeps, Refusal } from '../context.js';

/** `rateLimit`: the service's per-agent token bucket (the acting agent, whatever task it is on). */
export async function rateLimit<C extends Matched>(
  call: C,
  deps: Pick<ProxyDeps, 'buckets' | 'metrics'>,
): Promise<Next<C> | End<Refusal>> {
  const limit = call.service.rateLimit;
  if (!limit) return next(call);
  const agent = call.principal.actor;
  const r = deps.buckets.take(`${call.service.name}\n${agent}`, limit);
  if (r.ok) return next(call);
  deps.metrics?.rateLimited(call.service.name);
  return end({
    code: 'rate_limited',
    detail: `\`${agent}\` is over the rate limit of \`${call.service.name}\` (${limit.perMinute} a minute, bursts of ${limit.burst}); retry after ${r.retryAfterSeconds}s`,
    outcome: 'rate_limited',
    headers: { 'retry-after': String(r.retryAfterSeconds) },
    extra: { retry_after: r.retryAfterSeconds },
  });
}
