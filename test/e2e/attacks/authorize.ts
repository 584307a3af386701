import assert from 'node:assert/strict';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import type { TestServer } from '../../fakes/server.js';
import { adminCall, type Json } from '../helpers/admin.js';
import { GATEWAY } from '../helpers/agents.js';

/** A new task for `agent` at the gateway, with `scopes`; its access token. */
export async function taskToken(
  agent: MandateAgent,
  scopes: string[],
  purpose: string,
): Promise<string> {
  return (await agent.startTask({ resource: GATEWAY, scope: scopes, purpose, ttlSeconds: 600 }))
    .accessToken;
}

export interface Decided {
  decision: string;
  reasons: string[];
  errors: string[];
}

/** POST /v1/authorize for `tool` called with `args` under `token`; must answer 200. */
export async function decide(
  server: TestServer,
  token: string,
  tool: string,
  args: Json,
): Promise<Decided> {
  const r = await adminCall(server, 'POST', '/v1/authorize', {
    token,
    audience: GATEWAY,
    tool,
    arguments: args,
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return {
    decision: r.json.decision as string,
    reasons: r.json.reasons as string[],
    errors: (r.json.errors as { message: string }[]).map((e) => e.message),
  };
}

/** The decision and its reasons only, for comparing with `deepEqual`. */
export const pick = (d: { decision: string; reasons: string[] }) => ({
  decision: d.decision,
  reasons: d.reasons,
});
