import { covers } from '../../delegation/scope.js';
import type { Principal } from '../task-token-verifier.js';
import type { DecisionPort, GatewayLog } from './ports.js';
import { refusedError } from './tool-call/results.js';

/**
 * Resources and prompts through policy: `resources/read` (and subscribe) is `read_resource` on
 * `resource:<server>/<uri>`, `prompts/get` is `get_prompt` on `prompt:<server>/<name>`, decided,
 * recorded in the task's session and audited by the decision service like a tool call. The
 * request's token was authenticated and checked for revocation at the HTTP front
 * (./tool-call/tool-call.ts, REQUEST). A failing decision point refuses (fail closed);
 * `approval_required` refuses too (a read has no call to approve and retry). Lists are filtered
 * by the token's scopes (`grantedByScopes`).
 */

export function serverActionScope(
  kind: 'resource' | 'prompt',
  server: string,
  target: string,
): string {
  return `${kind}:${server}/${target}`;
}

export function grantedByScopes(scopes: readonly string[], scope: string): boolean {
  return scopes.some((s) => covers(s, scope));
}

export interface ServerAction {
  principal: Principal;
  action: 'read_resource' | 'get_prompt';
  server: string;
  /** The resource URI or prompt name as the upstream names it. */
  target: string;
  /** A prompt's arguments (policy may look at them). */
  arguments?: Record<string, unknown>;
  /** How the agent named it, for the error message. */
  exposed: string;
  requestId: string | null;
}

export interface ServerActionDeps {
  decisions(): Pick<DecisionPort, 'authorizeServerAction'>;
  readonly log: GatewayLog;
}

const none = { decision_id: null, reasons: [], policy_set_version: null } as const;

export async function authorizeServerAction(
  deps: ServerActionDeps,
  a: ServerAction,
): Promise<void> {
  const what = `${a.action === 'read_resource' ? 'resource' : 'prompt'} \`${a.exposed.slice(0, 200)}\``;
  let r;
  try {
    r = await deps.decisions().authorizeServerAction(
      a.action === 'read_resource'
        ? {
            principal: a.principal,
            action: 'read_resource',
            server: a.server,
            uri: a.target,
            requestId: a.requestId,
          }
        : {
            principal: a.principal,
            action: 'get_prompt',
            server: a.server,
            name: a.target,
            arguments: a.arguments ?? {},
            requestId: a.requestId,
          },
    );
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err), server: a.server },
      'decision point unavailable; failing closed',
    );
    throw refusedError(what, {
      outcome: 'deny',
      ...none,
      reasons: [],
      error: 'decision_point_unavailable',
    });
  }
  if (r.outcome === 'allow') return;
  throw refusedError(what, {
    outcome: 'deny',
    decision_id: r.decisionId,
    reasons: r.reasons,
    policy_set_version: r.policySetVersion,
  });
}
