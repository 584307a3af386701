import { MandateError } from '../../../core/errors.js';
import { callerOf } from '../../core/caller.js';
import type { Allowed } from '../../core/call.js';
import { end, next, type End, type Next } from '../../core/steps.js';
import type { Injected, ProxyDeps, Read, Refusal } from '../context.js';

/**
 * `inject`: what the upstream gets besides the agent's own request: the credential the broker
 * holds for this service (headers or query parameters; the agent never sees it) and, when
 * configured, a short-lived Mandate-signed assertion of who is calling. The broker's errors name
 * the service and the reason, never secret material. A query parameter the credential sets may
 * not come from the agent too (an upstream might read either).
 */

export async function inject<C extends Read & Allowed>(
  call: C,
  deps: Pick<ProxyDeps, 'broker' | 'log'>,
): Promise<Next<C & Injected> | End<Refusal>> {
  const { service } = call;
  const { credential, identity } = service.config;
  const injected = { headers: {} as Record<string, string>, query: {} as Record<string, string> };
  try {
    if (credential || identity) {
      if (!deps.broker)
        throw new MandateError(
          'credential_unavailable',
          `no credential for \`${service.name}\`: the credential broker is not available`,
          { service: service.name, reason: 'no_broker' },
        );
      const caller = callerOf(call.principal, call.requestId);
      if (credential) {
        const c = await deps.broker.credentialFor(service.name, credential, caller);
        Object.assign(injected.headers, c.headers);
        Object.assign(injected.query, c.query ?? {});
      }
      if (identity)
        injected.headers[identity.header] = await deps.broker.identityAssertion(
          identity.audience ?? service.upstream.href,
          caller,
        );
    }
  } catch (err) {
    const e = err instanceof MandateError ? err : undefined;
    // INVARIANT: the broker's messages never hold secret material; anything else is not repeated.
    const detail = e ? e.message : `no credential for \`${service.name}\`: internal error`;
    deps.log.warn(
      { service: service.name, reason: e?.details?.reason ?? 'internal' },
      'proxy credential unavailable',
    );
    return end({
      code: 'credential_unavailable',
      detail,
      outcome: 'credential_unavailable',
    });
  }
  const agentKeys = new Set(new URLSearchParams(call.target.query).keys());
  const clash = Object.keys(injected.query).find((k) => agentKeys.has(k));
  if (clash !== undefined)
    return end({
      code: 'reserved_query_parameter',
      detail: `the query parameter \`${clash}\` is set by the proxy for \`${service.name}\`; do not send it`,
      outcome: 'bad_request',
      reason: 'passthrough',
    });
  return next({ ...call, injected });
}
