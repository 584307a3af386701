import type { Step } from '../context.js';
import { rawPathOf } from '../request-target.js';

/**
 * Step 1: a task token for this service's resource (`<issuer>/proxy/<service>`; a token for any
 * other audience, another service's included, is refused), as RFC 6750 Bearer or, for a token
 * bound with `cnf.jkt`, RFC 9449 DPoP with a proof for this method and URL. A refusal carries
 * the challenge with RFC 9728 `resource_metadata`. A verifier that cannot answer (its revocation
 * check failing) refuses: the proxy fails closed.
 */
export const authenticate: Step = async (call, deps) => {
  const { req, service } = call;
  try {
    const authn = await service.auth.authenticate({
      method: req.method ?? 'GET',
      url: `${deps.issuer}${rawPathOf(req.url ?? '/')}`,
      headers: req.headersDistinct,
    });
    if ('refusal' in authn) {
      const r = authn.refusal;
      return {
        refuse: {
          code: r.code,
          detail: r.message,
          outcome: 'unauthenticated',
          reason: 'token',
          headers: r.headers(),
        },
      };
    }
    call.principal = authn.principal;
    return undefined;
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err), service: service.name },
      'proxy could not verify a task token; failing closed',
    );
    return {
      refuse: {
        code: 'unavailable',
        detail:
          'mandate could not verify the task token, and the proxy fails closed: nothing was forwarded',
        outcome: 'unavailable',
        headers: { 'retry-after': '1' },
      },
    };
  }
};
