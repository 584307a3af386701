import type { FastifyReply, FastifyRequest } from 'fastify';
import { MandateError } from '../core/errors.js';
import { LocalTaskTokenVerifiers, type Principal } from '../gateway/task-token-verifier.js';
import type { Mandate } from './mandate.js';
import { quotedDescription } from './auth-param.js';

/**
 * A task token presented to one of Mandate's own endpoints as a protected-resource request
 * (RFC 6750 §2.1 `Authorization: Bearer`, or RFC 9449 §7.1 `Authorization: DPoP` with a proof for
 * a bound token): `POST /v1/authorize/self`, `GET /v1/approvals/:id/status`.
 *
 * The DPoP proof goes through the server's own RFC 9449 verifier (its replay cache and nonces,
 * as at the token endpoint and `POST /v1/tasks/:id/end`): the server layer cannot import the
 * SDK's `verifyRequest` (test/architecture.test.ts), and one replay cache per server is right.
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

export type Scheme = 'Bearer' | 'DPoP';
export type Refusal = {
  status: 400 | 401;
  error: string;
  description: string;
  scheme: Scheme;
  nonce?: string;
};

/** RFC 6750 §3 / RFC 9449 §7.1 challenges; the error goes in the challenge of the scheme the request used. */
export function refuse(mandate: Mandate, reply: FastifyReply, r: Refusal): undefined {
  const description = quotedDescription(r.description);
  const params = (scheme: Scheme) =>
    scheme === r.scheme && r.error !== 'missing_token'
      ? `error="${r.error}", error_description=${description}`
      : '';
  const bearer = params('Bearer');
  const dpop = [params('DPoP'), `algs="${mandate.dpop.algorithms.join(' ')}"`]
    .filter(Boolean)
    .join(', ');
  reply
    .status(r.status)
    .header('www-authenticate', `Bearer${bearer ? ` ${bearer}` : ''}, DPoP ${dpop}`)
    .header('content-type', 'application/json');
  if (r.nonce) reply.header('dpop-nonce', r.nonce);
  void reply.send({ error: r.error, error_description: r.description });
  return undefined;
}

/** Exactly one `Authorization: Bearer|DPoP <token68>` (Node keeps only the first of repeated Authorization headers, so read them all). */
function credentials(request: FastifyRequest): { scheme: Scheme; token: string } | Refusal {
  const values = request.raw.headersDistinct.authorization ?? [];
  if (values.length === 0)
    return {
      status: 401,
      error: 'missing_token',
      description:
        'send the task token: `Authorization: Bearer <token>` or `Authorization: DPoP <token>`',
      scheme: 'Bearer',
    };
  if (values.length > 1)
    return {
      status: 400,
      error: 'invalid_request',
      description: 'more than one authorization header',
      scheme: 'Bearer',
    };
  const [name = '', ...rest] = values[0]!.trim().split(/ +/);
  const scheme: Scheme | undefined =
    name.toLowerCase() === 'bearer' ? 'Bearer' : name.toLowerCase() === 'dpop' ? 'DPoP' : undefined;
  // RFC 6750 §3.1: a request without a bearer or DPoP credential gets challenges, not an error code.
  if (!scheme)
    return {
      status: 401,
      error: 'missing_token',
      description: 'the authorization scheme is neither bearer nor dpop',
      scheme: 'Bearer',
    };
  const token = rest.length === 1 ? rest[0]! : '';
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token))
    return {
      status: 400,
      error: 'invalid_request',
      description: `the authorization header is not \`${scheme} <token>\``,
      scheme,
    };
  return { scheme, token };
}

/** The task token of a protected-resource request, verified for `target.audience` and, when bound, its DPoP proof for `target.method` `target.url`. */
export async function authenticateTaskToken(
  mandate: Mandate,
  request: FastifyRequest,
  target: { audience: string; method: string; url: string },
): Promise<Principal | Refusal> {
  const c = credentials(request);
  if ('error' in c) return c;
  const v = await taskTokenVerifiers(mandate).verify(c.token, target.audience);
  if ('error' in v)
    return { status: 401, error: 'invalid_token', description: v.error, scheme: c.scheme };
  const bound = v.principal.cnfJkt;
  if (bound === null) {
    return c.scheme === 'DPoP'
      ? {
          status: 401,
          error: 'invalid_token',
          description: 'the token is not dpop-bound: send it with `Authorization: Bearer`',
          scheme: 'DPoP',
        }
      : v.principal;
  }
  // RFC 9449 §7.2: a bound token is never accepted as a bearer token.
  if (c.scheme === 'Bearer')
    return {
      status: 401,
      error: 'invalid_token',
      description: 'the token is dpop-bound: send it with `Authorization: DPoP` and a proof',
      scheme: 'Bearer',
    };
  try {
    await mandate.dpop.verify({
      proof: request.headers.dpop,
      method: target.method,
      url: target.url,
      accessToken: c.token,
      expectedJkt: bound,
      requireNonce: mandate.config.dpopNonce,
    });
  } catch (err) {
    if (
      err instanceof MandateError &&
      (err.code === 'invalid_dpop_proof' || err.code === 'use_dpop_nonce')
    ) {
      const nonce = typeof err.details?.nonce === 'string' ? err.details.nonce : undefined;
      return {
        status: 401,
        error: err.code,
        description: err.message,
        scheme: 'DPoP',
        ...(nonce ? { nonce } : {}),
      };
    }
    throw err;
  }
  return v.principal;
}
