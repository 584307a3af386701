import type { VerifiedTaskToken } from './decision-service.js';
import type { DecisionRequest, ToolFacts } from './request.js';
import { EMPTY_SESSION } from './request.js';
import { ToolCatalog, type ToolAnnotation } from './tool-catalog.js';

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

/** Alpha's verified task token for `taskId`, at the root of its chain, with `scopes`. */
export function taskToken(
  taskId: string,
  scopes: string[] = ['tool:docs/*', 'tool:mail/send'],
): VerifiedTaskToken {
  return { subject: ALPHA, actors: [], actor: ALPHA, depth: 0, onBehalfOf: null, taskId, scopes };
}

/**
 * A catalog for decision-service tests: `docs/read` (public), `docs/secret` (confidential), any
 * `extraDocs` tools on the same server, and `mail/send` (a write whose `to` is an email
 * destination).
 */
export function docsMailCatalog(extraDocs: Record<string, ToolAnnotation> = {}): ToolCatalog {
  const c = new ToolCatalog();
  const s = { type: 'object' as const, properties: {} };
  c.upsertServerTools(
    'docs',
    ['read', 'secret', ...Object.keys(extraDocs)].map((name) => ({ name, inputSchema: s })),
    {
      read: { sideEffect: 'read', classification: 'public', destinations: [] },
      secret: { sideEffect: 'read', classification: 'confidential', destinations: [] },
      ...extraDocs,
    },
  );
  c.upsertServerTools(
    'mail',
    [{ name: 'send', inputSchema: { type: 'object', properties: { to: { type: 'string' } } } }],
    {
      send: {
        sideEffect: 'write',
        classification: 'public',
        extractors: [{ path: 'to', kind: 'email' }],
      },
    },
  );
  return c;
}
