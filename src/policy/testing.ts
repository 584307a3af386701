import type { DecisionRequest, ToolFacts } from './request.js';
import { EMPTY_SESSION } from './request.js';

/**
 * Request builders for tests of the decision point and its callers. Not part of the public API.
 */

export const ALPHA = 'spiffe://example.org/agent/alpha';
export const BETA = 'spiffe://example.org/agent/beta';

export type CallRequest = Extract<DecisionRequest, { action: 'call_tool' }>;

/** A cataloged read tool on the `github` server. */
export function tool(overrides: Partial<ToolFacts> = {}): ToolFacts {
  return {
    cataloged: true,
    name: 'github/list_issues',
    server: 'github',
    sideEffect: 'read',
    classification: 'internal',
    destinations: ['api.github.com'],
    labels: [],
    ...overrides,
  };
}

/**
 * An allowed `call_tool` request under the default pack: alpha, at the root of its task, calls
 * `github/list_issues` with scope `tool:github/*`, at 10:00 UTC on a Monday, risk 10.
 */
export function callRequest(overrides: Partial<CallRequest> = {}): CallRequest {
  return {
    action: 'call_tool',
    principal: {
      agent: {
        id: ALPHA,
        owner: 'alice@example.org',
        labels: ['prod'],
        trustDomain: 'example.org',
        risk: 5,
      },
      chain: { depth: 0, actors: [ALPHA], currentActor: ALPHA, onBehalfOf: null },
    },
    scopes: ['tool:github/*'],
    arguments: {},
    destination: null,
    session: { ...EMPTY_SESSION },
    now: new Date('2025-06-02T10:00:00Z'),
    risk: 10,
    approved: false,
    tool: tool(),
    ...overrides,
  };
}
