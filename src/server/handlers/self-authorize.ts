import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import { LocalTaskTokenVerifiers, type Principal } from '../../gateway/task-token-verifier.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';

/**
 * `POST /v1/authorize/self`: an agent whose tools run in its own process asks whether it may make
 * one tool call. Its task token is the credential, sent as a protected-resource request (RFC 6750
 * §2.1 `Authorization: Bearer`, or RFC 9449 §7.1 `Authorization: DPoP` with a proof for a bound
 * token), and Mandate itself is the resource: the token's audience must be the issuer URL.
 * The decision is `mandate.decisions.authorize`, as for `POST /v1/authorize`, and audited the same
 * way. The agent cannot pre-approve its own call: `approved` is never set here.
 *
 * The DPoP proof goes through the server's own RFC 9449 verifier (its replay cache and nonces,
 * as at the token endpoint and `POST /v1/tasks/:id/end`): the server layer cannot import the
 * SDK's `verifyRequest` (test/architecture.test.ts), and one replay cache per server is right.
 */

const PATH = '/v1/authorize/self';
const verifiers = new WeakMap<Mandate, LocalTaskTokenVerifiers>();

function verifierOf(mandate: Mandate): LocalTaskTokenVerifiers {
  let v = verifiers.get(mandate);
  if (!v) {
    v = new LocalTaskTokenVerifiers({ issuer: mandate.config.issuer, clock: mandate.clock, publishedKeys: () => mandate.keys.published('token'), revoked: (t) => mandate.revocations.check(t) });
    verifiers.set(mandate, v);
  }
  return v;
}

type Scheme = 'Bearer' | 'DPoP';
type Refusal = { status: 400 | 401; error: string; description: string; scheme: Scheme; nonce?: string };

/** RFC 6750 §3 / RFC 9449 §7.1 challenges; the error goes in the challenge of the scheme the request used. */
function refuse(mandate: Mandate, reply: FastifyReply, r: Refusal): undefined {
  const description = r.description.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
  const params = (scheme: Scheme) => (scheme === r.scheme && r.error !== 'missing_token' ? `error="${r.error}", error_description="${description}"` : '');
  const bearer = params('Bearer');
  const dpop = [params('DPoP'), `algs="${mandate.dpop.algorithms.join(' ')}"`].filter(Boolean).join(', ');
  reply.status(r.status).header('www-authenticate', `Bearer${bearer ? ` ${bearer}` : ''}, DPoP ${dpop}`).header('content-type', 'application/json');
  if (r.nonce) reply.header('dpop-nonce', r.nonce);
  void reply.send({ error: r.error, error_description: r.description });
  return undefined;
}

/** Exactly one `Authorization: Bearer|DPoP <token68>` (Node keeps only the first of repeated Authorization headers, so read them all). */
function credentials(request: FastifyRequest): { scheme: Scheme; token: string } | Refusal {
  const values = request.raw.headersDistinct.authorization ?? [];
  if (values.length === 0) return { status: 401, error: 'missing_token', description: 'send the task token: `Authorization: Bearer <token>` or `Authorization: DPoP <token>`', scheme: 'Bearer' };
  if (values.length > 1) return { status: 400, error: 'invalid_request', description: 'more than one authorization header', scheme: 'Bearer' };
  const [name = '', ...rest] = values[0]!.trim().split(/ +/);
  const scheme: Scheme | undefined = name.toLowerCase() === 'bearer' ? 'Bearer' : name.toLowerCase() === 'dpop' ? 'DPoP' : undefined;
  // RFC 6750 §3.1: a request without a bearer or DPoP credential gets challenges, not an error code.
  if (!scheme) return { status: 401, error: 'missing_token', description: 'the authorization scheme is neither bearer nor dpop', scheme: 'Bearer' };
  const token = rest.length === 1 ? rest[0]! : '';
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) return { status: 400, error: 'invalid_request', description: `the authorization header is not \`${scheme} <token>\``, scheme };
  return { scheme, token };
}

/** The token verified for the issuer audience and, when bound, its DPoP proof. */
async function authenticate(mandate: Mandate, request: FastifyRequest): Promise<Principal | Refusal> {
  const c = credentials(request);
  if ('error' in c) return c;
  const v = await verifierOf(mandate).verify(c.token, mandate.config.issuer);
  if ('error' in v) return { status: 401, error: 'invalid_token', description: v.error, scheme: c.scheme };
  const bound = v.principal.cnfJkt;
  if (bound === null) {
    return c.scheme === 'DPoP' ? { status: 401, error: 'invalid_token', description: 'the token is not dpop-bound: send it with `Authorization: Bearer`', scheme: 'DPoP' } : v.principal;
  }
  // RFC 9449 §7.2: a bound token is never accepted as a bearer token.
  if (c.scheme === 'Bearer') return { status: 401, error: 'invalid_token', description: 'the token is dpop-bound: send it with `Authorization: DPoP` and a proof', scheme: 'Bearer' };
  try {
    await mandate.dpop.verify({ proof: request.headers.dpop, method: 'POST', url: `${mandate.config.issuer}${PATH}`, accessToken: c.token, expectedJkt: bound, requireNonce: mandate.config.dpopNonce });
  } catch (err) {
    if (err instanceof MandateError && (err.code === 'invalid_dpop_proof' || err.code === 'use_dpop_nonce')) {
      const nonce = typeof err.details?.nonce === 'string' ? err.details.nonce : undefined;
      return { status: 401, error: err.code, description: err.message, scheme: 'DPoP', ...(nonce ? { nonce } : {}) };
    }
    throw err;
  }
  return v.principal;
}

export const selfAuthorize = route({
  method: 'POST',
  url: PATH,
  auth: 'none',
  audit: 'decision',
  summary: 'Decide one tool call for the agent presenting its task token (audience = the issuer; Authorization: Bearer, or DPoP with a proof): allow, deny or approval_required',
  tag: 'policy',
  // Strict: an agent cannot slip in `approved` or anything else the admin-only /v1/authorize takes.
  body: z.strictObject({ tool: z.string().min(1).max(256), arguments: z.record(z.string(), z.unknown()).optional() }),
  responses: { 200: 'The decision', 400: 'Malformed request', 401: 'No valid task token or DPoP proof (`WWW-Authenticate` says which)' },
  async handler({ mandate, body, request, reply, ctx }) {
    const who = await authenticate(mandate, request);
    if ('error' in who) return refuse(mandate, reply, who);
    const r = await mandate.decisions.authorize({ principal: who, toolId: body.tool, arguments: body.arguments ?? {}, approved: false, requestId: ctx.requestId });
    return { decision: r.outcome, decision_id: r.decisionId, reasons: r.reasons, errors: r.errors, policy_set_version: r.policySetVersion, inputs_digest: r.inputsDigest };
  },
});
