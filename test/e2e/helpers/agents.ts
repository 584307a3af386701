import { MandateAgent, type MandateAgentOptions } from '../../../src/sdk/agent.js';
import type { TestServer } from '../../fakes/server.js';

/** Where the task tokens of these suites are used; nothing listens there. */
export const GATEWAY = 'https://gateway.example.org';

export const spiffeIdOf = (server: TestServer, name: string): string =>
  `spiffe://${server.config.trustDomain}/agent/${name}`;

/** Registers an agent allowed `scopes` and returns an attested `MandateAgent` for it. */
export async function attestedAgent(
  server: TestServer,
  name: string,
  scopes: string[],
  opts: Omit<MandateAgentOptions, 'url'> & { maxDelegationDepth?: number } = {},
): Promise<MandateAgent> {
  await server.admin.registerAgent({
    name,
    owner: 'e2e@example.org',
    purpose: `the ${name} agent`,
    allowed_scopes: scopes,
    ...(opts.maxDelegationDepth !== undefined
      ? { limits: { max_delegation_depth: opts.maxDelegationDepth } }
      : {}),
  });
  const { join_token } = await server.admin.createJoinToken(name);
  const agent = new MandateAgent({
    url: server.url,
    ...(opts.dpop ? { dpop: true } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  await agent.attest({ joinToken: join_token });
  return agent;
}

/** RFC 7662 introspection as the admin (Bearer admin token). */
export async function introspect(
  server: TestServer,
  token: string,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/oauth/introspect`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }),
  });
  if (res.status !== 200)
    throw new Error(`introspection answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
