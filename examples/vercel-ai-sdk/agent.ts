// In your project: import { MandateAgent, type TaskToken } from 'mandate/sdk';
import { MandateAgent, type TaskToken } from '../../src/sdk/index.js';
import { SCOPES } from './catalog.js';

export interface StartedAgent {
  agent: MandateAgent;
  task: TaskToken;
}

/**
 * Attests this process with a one-time join token and starts a task whose tools run in this
 * process. The task's `resource` is the Mandate server itself: that is the audience
 * `POST /v1/authorize/self` accepts. With `dpop: true` the task token is bound to a key that
 * never leaves this process, so a leaked token is useless elsewhere.
 */
export async function startAgent(opts: {
  url: string;
  joinToken: string;
  purpose?: string;
}): Promise<StartedAgent> {
  const agent = new MandateAgent({ url: opts.url, dpop: true });
  await agent.attest({ joinToken: opts.joinToken });
  const issuer = await fetch(
    `${opts.url.replace(/\/+$/, '')}/.well-known/oauth-authorization-server`,
  ).then(async (r) => ((await r.json()) as { issuer: string }).issuer);
  const task = await agent.startTask({
    resource: issuer,
    scope: SCOPES,
    purpose: opts.purpose ?? 'answer a customer question',
    ttlSeconds: 900,
  });
  return { agent, task };
}
