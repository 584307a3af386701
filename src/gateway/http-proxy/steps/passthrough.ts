import { carries, upstreamHeaders } from '../headers.js';
import { end, next, type End, type Next } from '../../core/steps.js';
import type { Read, Refusal } from '../context.js';

/**
 * `passthrough`: no token passthrough. `Authorization`, `DPoP` and `Cookie` never cross the proxy; this
 * refuses a request that tries to pass the agent's task token on some other way (another
 * header, the path, the query, a JSON body), so that the upstream cannot receive a Mandate token even from
 * an agent that wants it to. Matched on the token's signature, which is unique to the token.
 * A streamed (non-JSON) body is not inspected.
 */
export async function passthrough<C extends Read>(call: C): Promise<Next<C> | End<Refusal>> {
  const { req, target } = call;
  const token = call.principal.token;
  const signature = token.slice(token.lastIndexOf('.') + 1);
  const headers = upstreamHeaders(req.rawHeaders, req.headers, new Set());
  const inBody = call.json !== undefined && call.json.bytes.includes(signature);
  if (carries(signature, headers, target.query) || inBody || target.path.includes(signature))
    return end({
      code: 'token_passthrough',
      detail:
        "the request carries the task token outside the authorization header; mandate never passes an agent's token upstream",
      outcome: 'bad_request',
      reason: 'passthrough',
    });
  // A static credential sent as a query parameter: the agent may not send that parameter too (an upstream might read either).
  const credential = call.service.config.credential;
  const param =
    credential?.provider === 'static' && credential.as === 'query' ? credential.param : undefined;
  if (param !== undefined && new URLSearchParams(target.query).has(param))
    return end({
      code: 'reserved_query_parameter',
      detail: `the query parameter \`${param}\` is set by the proxy for \`${call.service.name}\`; do not send it`,
      outcome: 'bad_request',
      reason: 'passthrough',
    });
  return next(call);
}
