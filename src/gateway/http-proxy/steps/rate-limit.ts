import type { Step } from '../context.js';

/** Step 4: the service's per-agent token bucket (the acting agent, whatever task it is on). */
export const rateLimit: Step = async (call, deps) => {
  const limit = call.service.rateLimit;
  if (!limit) return undefined;
  const agent = call.principal!.actor;
  const r = deps.buckets.take(`${call.service.name}\n${agent}`, limit);
  if (r.ok) return undefined;
  deps.metrics?.rateLimited(call.service.name);
  return {
    refuse: {
      code: 'rate_limited',
      detail: `\`${agent}\` is over the rate limit of \`${call.service.name}\` (${limit.perMinute} a minute, bursts of ${limit.burst}); retry after ${r.retryAfterSeconds}s`,
      outcome: 'rate_limited',
      headers: { 'retry-after': String(r.retryAfterSeconds) },
      extra: { retry_after: r.retryAfterSeconds },
    },
  };
};
