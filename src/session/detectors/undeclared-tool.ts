import { covers } from '../../delegation/scope.js';
import type { SessionState } from '../session-state.js';
import type { Finding } from './finding.js';

/** What the undeclared-tool detector needs to know of a task. */
export interface DeclaredTask {
  purpose: string;
  scopes: readonly string[];
  /** RFC 9396 `tool_access` details as stored: their `tools` count as declared. */
  authorizationDetails: readonly Record<string, unknown>[];
}

/**
 * The scope that names a decided target: a resource (`resource:<server>/<uri>`) or prompt
 * (`prompt:<server>/<name>`) target is its own scope; a tool `<server>/<tool>` is `tool:<server>/<tool>`.
 */
export function targetScope(target: string): string {
  return target.startsWith('resource:') || target.startsWith('prompt:') ? target : `tool:${target}`;
}

/** The tools a task declared: its scopes and the `tools` of its `tool_access` authorization details. */
export function declaredTools(task: DeclaredTask): string[] {
  const fromDetails = task.authorizationDetails.flatMap((d) =>
    Array.isArray(d.tools) ? d.tools.filter((t): t is string => typeof t === 'string') : [],
  );
  return [...new Set([...task.scopes, ...fromDetails])];
}

/**
 * A tool outside the task's declared purpose: the call just recorded (whatever its outcome) named
 * a tool, resource or prompt that
 * 1. no scope or `tool_access` tool of the task covers (scope matching with `p*` wildcards), or
 * 2. when `purposes` lists the task's purpose (exact text), none of that purpose's tools covers.
 * The first is the task's own declaration (a denied attempt is still a signal: the agent reached
 * for something it was not given); the second lets an operator declare, per purpose, less than
 * a broad token grants.
 *
 * @example undeclaredTool(state, { purpose: 'triage', scopes: ['tool:github/*'], authorizationDetails: [] }, {}) // fires for `slack/post`
 */
export function undeclaredTool(
  state: SessionState,
  task: DeclaredTask,
  purposes: Readonly<Record<string, readonly string[]>>,
): Finding[] {
  const last = state.last;
  if (!last) return [];
  const scope = targetScope(last.toolId);
  const declared = declaredTools(task);
  const byPurpose = Object.hasOwn(purposes, task.purpose) ? purposes[task.purpose] : undefined;
  let reason: string | undefined;
  if (!declared.some((g) => covers(g, scope)))
    reason = `\`${last.toolId}\` is outside the task's declared tools`;
  else if (byPurpose && !byPurpose.some((g) => covers(g, scope)))
    reason = `\`${last.toolId}\` is outside the tools of the task's purpose \`${task.purpose.slice(0, 80)}\``;
  if (reason === undefined) return [];
  return [
    {
      kind: 'undeclared_tool',
      key: `undeclared_tool:${last.toolId}`,
      reason,
      details: {
        tool: last.toolId,
        outcome: last.outcome,
        by: byPurpose && declared.some((g) => covers(g, scope)) ? 'purpose' : 'scopes',
      },
    },
  ];
}
