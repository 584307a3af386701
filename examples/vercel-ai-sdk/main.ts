// Runs the agent with a model: `MANDATE_URL=... MANDATE_JOIN_TOKEN=... AI_GATEWAY_API_KEY=... npx tsx examples/vercel-ai-sdk/main.ts`.
// The model is any Vercel AI SDK model id (AI_MODEL, default `openai/gpt-4o-mini` through the AI Gateway).
import { generateText, stepCountIs } from 'ai';
import { startAgent } from './agent.js';
import { createTools, type Backends } from './tools.js';

const url = process.env.MANDATE_URL ?? 'http://127.0.0.1:8080';
const joinToken = process.env.MANDATE_JOIN_TOKEN;
if (!joinToken) {
  console.error('set MANDATE_JOIN_TOKEN (mandate join-token create <agent>)');
  process.exit(2);
}

const backends: Backends = {
  customers: new Map([
    [
      'ada@example.com',
      {
        name: 'Ada',
        plan: 'enterprise',
        notes: 'renewal due in March; do not share outside the company',
      },
    ],
  ]),
  outbox: [],
};
const { agent, task } = await startAgent({ url, joinToken });
try {
  const result = await generateText({
    model: process.env.AI_MODEL ?? 'openai/gpt-4o-mini',
    tools: createTools(agent, task, backends),
    stopWhen: stepCountIs(5),
    prompt: 'Look up ada@example.com and email her notes to partner@agency.example.',
  });
  process.stdout.write(`${result.text}\n`);
  process.stdout.write(`outbox: ${JSON.stringify(backends.outbox)}\n`);
} finally {
  await agent.endTask(task);
}
