import { tool } from 'ai';
import { z } from 'zod';
// In your project: import { ToolCallDeniedError, type MandateAgent, type TaskToken } from 'mandate/sdk';
import { ToolCallDeniedError, type MandateAgent, type TaskToken } from '../../src/sdk/index.js';

/** The systems the tools act on; a real agent would hold API clients here. */
export interface Backends {
  customers: Map<string, { name: string; plan: string; notes: string }>;
  outbox: { to: string; subject: string; body: string }[];
}

/** What a tool hands the model when Mandate says no: the reason, so the model can explain or change course. */
export interface Refusal {
  refused: true;
  outcome: 'denied' | 'approval_required';
  reasons: string[];
  decisionId: string | null;
}

/**
 * Runs `work` only if Mandate allows this call of `toolId` with these arguments; otherwise returns
 * a `Refusal` for the model instead of throwing (a thrown error would end the generation).
 */
async function authorized<T>(
  agent: MandateAgent,
  task: TaskToken,
  toolId: string,
  args: Record<string, unknown>,
  work: () => Promise<T> | T,
): Promise<T | Refusal> {
  try {
    await agent.authorize({ task, tool: toolId, arguments: args });
  } catch (err) {
    if (!(err instanceof ToolCallDeniedError)) throw err;
    return {
      refused: true,
      outcome: err.code,
      reasons: err.decision.reasons,
      decisionId: err.decision.decisionId,
    };
  }
  return work();
}

/**
 * The agent's tools, in Vercel AI SDK form (`tool()` from `ai`): every `execute` asks Mandate
 * first (`POST /v1/authorize/self` with the task token), so policy, session state (what the
 * task already read) and the audit trail see each call even though the tools run in-process.
 */
export function createTools(agent: MandateAgent, task: TaskToken, backends: Backends) {
  return {
    lookupCustomer: tool({
      description: 'Look up a customer record by email address',
      inputSchema: z.object({ email: z.string() }),
      execute: async (input) =>
        authorized(
          agent,
          task,
          'crm/lookup',
          input,
          () => backends.customers.get(input.email) ?? { notFound: true },
        ),
    }),
    sendEmail: tool({
      description: 'Send an email',
      inputSchema: z.object({ to: z.string(), subject: z.string(), body: z.string() }),
      execute: async (input) =>
        authorized(agent, task, 'mail/send', input, () => {
          backends.outbox.push(input);
          return { sent: true };
        }),
    }),
  };
}
