import { z } from 'zod';
import { route } from '../route.js';
import { authenticateTaskToken, refuse } from '../task-token-auth.js';

/**
 * `POST /v1/authorize/self`: an agent whose tools run in its own process asks whether it may make
 * one tool call. Its task token is the credential, sent as a protected-resource request (RFC 6750
 * §2.1 `Authorization: Bearer`, or RFC 9449 §7.1 `Authorization: DPoP` with a proof for a bound
 * token), and Mandate itself is the resource: the token's audience must be the issuer URL.
 * The decision is `mandate.decisions.authorize`, as for `POST /v1/authorize`, and audited the same
 * way. The agent cannot pre-approve its own call: `approved` is never set here.
 * Authentication: src/server/task-token-auth.ts.
 */

const PATH = '/v1/authorize/self';

export const selfAuthorize = route({
  method: 'POST',
  url: PATH,
  auth: 'none',
  audit: 'decision',
  summary:
    'Decide one tool call for the agent presenting its task token (audience = the issuer; Authorization: Bearer, or DPoP with a proof): allow, deny or approval_required',
  tag: 'policy',
  // Strict: an agent cannot slip in `approved` or anything else the admin-only /v1/authorize takes.
  body: z.strictObject({
    tool: z.string().min(1).max(256),
    arguments: z.record(z.string(), z.unknown()).optional(),
  }),
  responses: {
    200: 'The decision',
    400: 'Malformed request',
    401: 'No valid task token or DPoP proof (`WWW-Authenticate` says which)',
  },
  async handler({ mandate, body, request, reply, ctx }) {
    const who = await authenticateTaskToken(mandate, request, {
      audience: mandate.config.issuer,
      method: 'POST',
      url: `${mandate.config.issuer}${PATH}`,
    });
    if ('refusal' in who) return refuse(reply, who.refusal);
    const r = await mandate.decisions.authorize({
      principal: who.principal,
      toolId: body.tool,
      arguments: body.arguments ?? {},
      approved: false,
      requestId: ctx.requestId,
    });
    return {
      decision: r.outcome,
      decision_id: r.decisionId,
      reasons: r.reasons,
      errors: r.errors,
      policy_set_version: r.policySetVersion,
      inputs_digest: r.inputsDigest,
    };
  },
});
