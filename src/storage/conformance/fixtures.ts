import type { AgentRecord, Store } from '../../core/store/index.js';

/** Runs `fn` on a fresh, empty store of the dialect under test and closes it. */
export type WithStore = (fn: (s: Store) => Promise<void>) => Promise<void>;

/** An agent record; `over` replaces fields. */
export const agent = (name: string, over: Partial<AgentRecord> = {}): AgentRecord => ({
  name,
  spiffeId: `spiffe://example.org/agent/${name}`,
  owner: 'alice',
  purpose: 'test',
  labels: { team: 'a' },
  status: 'active',
  limits: { maxTaskTtlSeconds: 600, maxDelegationDepth: 2 },
  allowedScopes: ['tool:github/*'],
  requireDpop: false,
  createdAt: 1,
  updatedAt: 1,
  ...over,
});

/** An audit event input. */
export const audit = {
  actor: 'test',
  action: 'decision' as const,
  target: 't',
  outcome: 'success' as const,
  requestId: null,
};
