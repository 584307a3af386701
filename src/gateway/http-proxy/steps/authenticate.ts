import type { Authentication } from '../../core/ports.js';
import type { ProxyRequest } from '../context.js';
import { rawPathOf } from '../request-target.js';

/**
 * The proxy's request authenticator (the port of the `authenticate` step,
 * ../../core/authenticate.ts): the service's `RequestAuthenticator` (src/protocol/authenticate.ts)
 * on this request. A task token for this service's resource (`<issuer>/proxy/<service>`; a token
 * for any other audience, another service's included, is refused), as RFC 6750 Bearer or, for a
 * token bound with `cnf.jkt`, RFC 9449 DPoP with a proof for the URL the agent addressed.
 */
export function authenticateRequest(call: ProxyRequest, issuer: string): Promise<Authentication> {
  const { req, service } = call;
  return service.auth.authenticate({
    method: req.method ?? 'GET',
    url: `${issuer}${rawPathOf(req.url ?? '/')}`,
    headers: req.headersDistinct,
  });
}
