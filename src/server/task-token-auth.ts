import type { FastifyReply, FastifyRequest } from 'fastify';
import { MandateError } from '../core/errors.js';
import { LocalTaskTokenVerifiers } from '../gateway/task-token-verifier.js';
import { RequestAuthenticator, type Authentication } from '../protocol/authenticate.js';
import {
  ReplayCacheFullError,
  TokenVerificationError,
  type RequestVerificationError,
} from '../protocol/errors.js';
import type { Principal } from '../protocol/principal.js';
import { revocableOf } from '../protocol/revocation.js';
import type { Mandate } from './mandate.js';

/**
 * A task token presented to one of Mandate's own endpoints as a protected-resource request
 * (RFC 6750 §2.1 `Authorization: Bearer`, or RFC 9449 §7.1 `Authorization: DPoP` with a proof for
 * a bound token): `POST /v1/authorize/self`, `GET /v1/approvals/:id/status`,
 * `POST /v1/tasks/:id/end`. The protocol module's authenticator, as at the gateway and the
 * proxy, with the server's DPoP verifier (one replay cache, the `dpopNonce` setting).
 */

const verifiers = new WeakMap<Mandate, LocalTaskTokenVerifiers>();

/** The task-token verifiers of this Mandate (one per audience; keys and revocation are Mandate's own). */
export function taskTokenVerifiers(mandate: Mandate): LocalTaskTokenVerifiers {
  let v = verifiers.get(mandate);
  if (!v) {
    v = new LocalTaskTokenVerifiers({
      issuer: mandate.config.issuer,
      clock: mandate.clock,
      publishedKeys: () => mandate.keys.published('token'),
      revoked: (t) => mandate.revocations.check(t),
    });
    verifiers.set(mandate, v);
  }
  return v;
}

/** Any task token this server issued and has not revoked, whatever its audience (ending its task). */
function ownTaskTokens(mandate: Mandate): { verify(token: string): Promise<Principal> } {
  return {
    async verify(token) {
      const principal = await mandate.ownTokens.principal(token);
      const reason = mandate.revocations.check(revocableOf(principal));
      if (reason !== null)
        throw new TokenVerificationError('revoked', `the token is revoked: ${reason}`);
      return principal;
    },
  };
}

/** The authenticator of a route: tokens for `audience`, or (null) any of this server's tokens. */
export function taskTokenAuthenticator(
  mandate: Mandate,
  audience: string | null,
): RequestAuthenticator {
  return new RequestAuthenticator({
    verifier:
      audience === null ? ownTaskTokens(mandate) : taskTokenVerifiers(mandate).for(audience),
    dpop: mandate.dpop,
    requireNonce: mandate.config.dpopNonce,
  });
}

/** The task token of a protected-resource request, verified for `target.audience` and, when bound, its DPoP proof for `target.method` `target.url`. */
export async function authenticateTaskToken(
  mandate: Mandate,
  request: FastifyRequest,
  target: { audience: string | null; method: string; url: string },
): Promise<Authentication> {
  try {
    return await taskTokenAuthenticator(mandate, target.audience).authenticate({
      method: target.method,
      url: target.url,
      headers: request.raw.headersDistinct,
    });
  } catch (err) {
    if (err instanceof ReplayCacheFullError)
      throw new MandateError('unavailable', err.message, undefined, { cause: err });
    throw err;
  }
}

/** Answers a refusal: its status, `WWW-Authenticate` (and `DPoP-Nonce`), and `{error, error_description}`. */
export function refuse(reply: FastifyReply, r: RequestVerificationError): undefined {
  reply.status(r.status).headers(r.headers()).header('content-type', 'application/json');
  void reply.send(r.body());
  return undefined;
}
