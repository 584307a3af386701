import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import { spiffeIdFrom } from '../core/spiffe-id.js';
import { parseInput } from '../core/validation.js';
import type {
  AgentLimits,
  AgentListFilter,
  AgentRecord,
  AgentStatus,
  Store,
} from '../core/store/index.js';
import { agentStatusEvent } from '../revocation/events.js';

/** An agent name is one SPIFFE path segment that is safe in URLs and shells. */
export const AGENT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const agentInputSchema = z.object({
  name: z
    .string()
    .regex(AGENT_NAME, 'must be 1-63 characters of a-z 0-9 . _ - starting with a letter or digit'),
  owner: z.string().min(1).max(256),
  purpose: z.string().min(1).max(1024),
  labels: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9._/-]{1,63}$/, 'label keys are 1-63 characters of A-Z a-z 0-9 . _ / -'),
      z.string().max(256),
    )
    .default({}),
  allowedScopes: z
    .array(
      z
        .string()
        .regex(
          /^[!#-[\]-~]{1,256}$/,
          'scopes are 1-256 printable characters without spaces, quotes or backslashes',
        ),
    )
    .max(256)
    .default([]),
  requireDpop: z.boolean().default(false),
  limits: z
    .object({
      maxTaskTtlSeconds: z.number().int().positive().max(86_400).optional(),
      maxDelegationDepth: z.number().int().min(0).max(16).optional(),
    })
    .default({}),
});
export type AgentInput = z.input<typeof agentInputSchema>;

export interface AgentRegistryOptions {
  trustDomain: string;
  defaultLimits: AgentLimits;
}

/**
 * The agent registry: who the agents are. An agent's SPIFFE ID is
 * `spiffe://<trust-domain>/agent/<name>`, fixed at registration.
 */
export class AgentRegistry {
  private readonly listeners: ((agent: AgentRecord) => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: AgentRegistryOptions,
  ) {}

  /** Called after an agent's status change commits (revocation follows suspensions). */
  onStatusChange(listener: (agent: AgentRecord) => void): void {
    this.listeners.push(listener);
  }

  spiffeIdOf(name: string): string {
    return spiffeIdFrom(this.options.trustDomain, 'agent', name).id;
  }

  async register(input: AgentInput, ctx: RequestContext): Promise<AgentRecord> {
    const { name, owner, purpose, labels, limits, allowedScopes, requireDpop } = parseInput(
      agentInputSchema,
      input,
    );
    const now = this.clock.now();
    const agent: AgentRecord = {
      name,
      spiffeId: this.spiffeIdOf(name),
      owner,
      purpose,
      labels,
      status: 'active',
      limits: {
        maxTaskTtlSeconds: limits.maxTaskTtlSeconds ?? this.options.defaultLimits.maxTaskTtlSeconds,
        maxDelegationDepth:
          limits.maxDelegationDepth ?? this.options.defaultLimits.maxDelegationDepth,
      },
      allowedScopes: [...new Set(allowedScopes)].sort(),
      requireDpop,
      createdAt: now,
      updatedAt: now,
    };
    return this.store.transaction(async (tx) => {
      if (await tx.agents.get(name))
        throw new MandateError('conflict', `agent \`${name}\` already exists`);
      await tx.agents.insert(agent);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'agent.register',
        target: agent.spiffeId,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          owner,
          purpose,
          labels,
          limits: agent.limits,
          allowedScopes: agent.allowedScopes,
          requireDpop,
        },
      });
      return agent;
    });
  }

  async get(name: string): Promise<AgentRecord> {
    const agent = await this.store.read.agents.get(name);
    if (!agent) throw new MandateError('not_found', `agent \`${name}\` does not exist`);
    return agent;
  }

  /** The agent with this SPIFFE ID, or undefined when none is registered. */
  findBySpiffeId(spiffeId: string): Promise<AgentRecord | undefined> {
    return this.store.read.agents.getBySpiffeId(spiffeId);
  }

  list(filter?: AgentListFilter): Promise<AgentRecord[]> {
    return this.store.read.agents.list(filter);
  }

  /** Suspends an agent; `cause` is what the revocation feed says caused it (a signal's `signal:<kind>`). */
  suspend(name: string, ctx: RequestContext, cause?: string): Promise<AgentRecord> {
    return this.setStatus(name, 'suspended', ctx, cause);
  }

  /** Reactivates a suspended agent. A retired agent stays retired. */
  resume(name: string, ctx: RequestContext): Promise<AgentRecord> {
    return this.setStatus(name, 'active', ctx);
  }

  retire(name: string, ctx: RequestContext): Promise<AgentRecord> {
    return this.setStatus(name, 'retired', ctx);
  }

  private async setStatus(
    name: string,
    status: AgentStatus,
    ctx: RequestContext,
    cause?: string,
  ): Promise<AgentRecord> {
    const updated = await this.store.transaction(async (tx) => {
      const agent = await tx.agents.get(name);
      if (!agent) throw new MandateError('not_found', `agent \`${name}\` does not exist`);
      if (agent.status === 'retired' && status !== 'retired') {
        throw new MandateError(
          'conflict',
          `agent \`${name}\` is retired; register a new agent instead`,
        );
      }
      if (agent.status === status) return agent;
      const updated: AgentRecord = { ...agent, status, updatedAt: this.clock.now() };
      await tx.agents.update(updated);
      const action =
        status === 'active'
          ? 'agent.resume'
          : status === 'suspended'
            ? 'agent.suspend'
            : 'agent.retire';
      // Tokens of the chain the agent is on die with a suspension, and stay dead after a resume.
      await tx.revocations.append(agentStatusEvent(updated, cause ?? action));
      await tx.audit.append({
        actor: ctx.actor,
        action,
        target: agent.spiffeId,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { from: agent.status, to: status },
      });
      return updated;
    });
    for (const l of this.listeners) l(updated);
    return updated;
  }
}
