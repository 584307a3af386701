import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Step } from './context.js';

/**
 * Step 1: the call's token belongs to the session's task and agent. The HTTP front already
 * refused any other (./../mcp/front.ts); this holds the invariant where the call is handled.
 */
export const authenticate: Step = async (call) => {
  const { principal, session } = call;
  // INVARIANT: a session is bound to one task and one acting agent for its whole life.
  if (principal.taskId !== session.taskId || principal.actor !== session.agent) {
    throw new McpError(
      ErrorCode.InvalidRequest,
      'the token is not for the task and agent this session is bound to',
    );
  }
  return undefined;
};
