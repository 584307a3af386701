import { IDENTITY_ASSERTION_HEADER } from '../../broker/identity-assertion.js';
import { MandateError } from '../../core/errors.js';
import type { HttpUpstreamConfig, StdioUpstreamConfig } from './config.js';
import type { BrokerPort, CallerContext, CredentialBinding } from './ports.js';

/**
 * What an upstream request carries besides MCP itself: the operator's fixed headers, the
 * credential the broker injects for this caller, and the caller's identity assertion. Nothing
 * here comes from the agent's request: the agent's token is never forwarded (no passthrough).
 */

export interface UpstreamAuth {
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** The caller of background work (listing an upstream's tools at start): no agent, no task. */
export function systemCaller(nowSeconds: number): CallerContext {
  return {
    agent: 'system',
    subject: 'system',
    actors: [],
    taskId: 'gateway',
    grantId: null,
    scopes: [],
    tokenExp: Math.floor(nowSeconds) + 60,
    requestId: null,
  };
}

function brokerOf(name: string, broker: BrokerPort | undefined): BrokerPort {
  if (!broker)
    throw new MandateError(
      'unavailable',
      `upstream \`${name}\` needs a credential but the credential broker is not available`,
      { upstream: name },
    );
  return broker;
}

/** Headers and query parameters for one request to an HTTP upstream. */
export async function httpUpstreamAuth(
  u: HttpUpstreamConfig,
  broker: BrokerPort | undefined,
  caller: CallerContext,
): Promise<UpstreamAuth> {
  const headers: Record<string, string> = { ...u.headers };
  const query: Record<string, string> = {};
  if (u.credential) {
    const injected = await brokerOf(u.name, broker).credentialFor(u.name, u.credential, caller);
    Object.assign(headers, injected.headers);
    Object.assign(query, injected.query ?? {});
  }
  if (u.identity)
    headers[u.identity.header ?? IDENTITY_ASSERTION_HEADER] = await brokerOf(
      u.name,
      broker,
    ).identityAssertion(u.identity.audience ?? u.url, caller);
  return { headers, query };
}

/** The environment of a stdio upstream's child, made when it is spawned. */
export async function stdioUpstreamEnv(
  u: StdioUpstreamConfig,
  broker: BrokerPort | undefined,
  caller: CallerContext,
): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...u.env };
  if (u.credential) {
    const { env: mapping, ...binding } = u.credential;
    const injected = await brokerOf(u.name, broker).credentialFor(
      u.name,
      binding as unknown as CredentialBinding /* checked by config.ts */,
      caller,
    );
    const byName = new Map(Object.entries(injected.headers).map(([k, v]) => [k.toLowerCase(), v]));
    for (const [variable, header] of Object.entries(mapping)) {
      const value = byName.get(header.toLowerCase());
      if (value === undefined)
        throw new MandateError(
          'unavailable',
          `upstream \`${u.name}\`: the injected credential has no \`${header}\` header for \`${variable}\``,
          { upstream: u.name },
        );
      env[variable] = value;
    }
  }
  if (u.identity)
    env[u.identity.env] = await brokerOf(u.name, broker).identityAssertion(
      u.identity.audience ?? `mcp:${u.name}`,
      caller,
    );
  return env;
}
