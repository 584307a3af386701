/**
 * Decision point (issue 4): decisions per second and latency with 20, 1,000 and 10,000
 * policies, in process. Reference in the same run: the raw cedar-wasm `statefulIsAuthorized`
 * call on the same pre-parsed schema and policy set with the Cedar request built once, so the
 * ratio is what Mandate adds (request building, ordering, the approval rule).
 * Over HTTP: `POST /v1/authorize` on a running Mandate (token verification, catalog, session,
 * the decision and its group-committed audit event), driven from a worker thread with 8 clients.
 * Run: node --import tsx bench/decision.bench.ts
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { CedarWasmEngine, loadDefaultPolicies } from '../src/policy/engines/wasm.js';
import { toCedar } from '../src/policy/request.js';
import { callRequest } from '../src/policy/testing.js';
import { Worker } from 'node:worker_threads';
import { systemContext } from '../src/core/context.js';
import { attestedAgent } from '../test/e2e/helpers/agents.js';
import { startTestServer, TEST_ADMIN_TOKEN } from '../test/fakes/server.js';
import { machine, measure, row, TABLE_HEAD, writeSection, type Sample } from './lib.js';

const GATEWAY = 'https://gateway.example.org';

/** Drives HTTP load from a worker thread (its own event loop), so client work is not timed as server work. */
function loadFromWorker(
  name: string,
  url: string,
  bodies: string[],
  concurrency: number,
): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./http-load-worker.mjs', import.meta.url), {
      workerData: {
        name,
        url,
        bodies,
        concurrency,
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      },
    });
    worker.once('message', (s: Sample) => resolve(s));
    worker.once('error', reject);
  });
}

const pack = loadDefaultPolicies();
const basePolicies = pack.policies.reduce((n, p) => n + (p.text.match(/@id\(/g)?.length ?? 0), 0);

/** The default pack plus generated scope grants, `total` policies in all. */
function policySet(total: number) {
  const extra = Array.from(
    { length: Math.max(0, total - basePolicies) },
    (_, i) =>
      `@id("bench.p${i}")\npermit (principal, action == Mandate::Action::"call_tool", resource) when { context.scopes.contains("tool:bench/t${i}") };\n`,
  ).join('\n');
  return {
    schema: pack.schema,
    policies: [...pack.policies, { file: 'bench.cedar', text: extra }],
  };
}

async function main(): Promise<void> {
  const samples: Sample[] = [];
  const req = callRequest();
  const call = toCedar(req);
  // One Mandate for the HTTP half: an agent with a task token for the gateway, and the tool in the catalog.
  const server = await startTestServer();
  const agent = await attestedAgent(server, 'bench', ['tool:github/*']);
  const task = await agent.startTask({
    resource: GATEWAY,
    scope: ['tool:github/list_issues'],
    purpose: 'decision bench',
    ttlSeconds: 3600,
  });
  await server.mandate.catalog.sync(
    'github',
    [
      {
        name: 'list_issues',
        inputSchema: { type: 'object', properties: { repo: { type: 'string' } } },
      },
    ],
    {
      annotations: {
        list_issues: { sideEffect: 'read', classification: 'public', destinations: [] },
      },
    },
  );
  const body = JSON.stringify({
    token: task.accessToken,
    audience: GATEWAY,
    tool: 'github/list_issues',
    arguments: { repo: 'mandate' },
  });
  for (const [total, n] of [
    [20, 2000],
    [1000, 300],
    [10_000, 40],
  ] as const) {
    const set = policySet(total);
    const engine = new CedarWasmEngine(set);
    const id = `bench-${total}`;
    cedar.preparseSchema(`${id}-schema`, set.schema.text);
    cedar.preparsePolicySet(id, { staticPolicies: set.policies.map((p) => p.text).join('\n') });
    const raw = () =>
      cedar.statefulIsAuthorized({
        ...call,
        preparsedSchemaName: `${id}-schema`,
        preparsedPolicySetId: id,
        validateRequest: true,
      });
    if (engine.authorize(req).outcome !== 'allow' || raw().type !== 'success')
      throw new Error('the bench request must be allowed');
    await measure('warm-up', 20, 1, async () => engine.authorize(req));
    const reference = await measure(
      `reference: raw cedar-wasm statefulIsAuthorized, ${total} policies`,
      n,
      1,
      async () => raw(),
    );
    samples.push(reference);
    const mine = await measure(
      `DecisionPoint.authorize (cedar-wasm engine), ${total} policies`,
      n,
      1,
      async () => engine.authorize(req),
    );
    (mine as Sample & { ref?: Sample }).ref = reference;
    samples.push(mine);
    // The same policy set, active on the server, over HTTP.
    const stored = await server.mandate.policyStore.create(
      set.policies.map((p) => ({ name: p.file.replace(/^.*\//u, ''), text: p.text })),
      systemContext,
    );
    await server.mandate.policyStore.activate(stored.version, systemContext);
    // A fresh connection: the in-process run above outlasts the server's keep-alive timeout.
    const check = await fetch(`${server.url}/v1/authorize`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        'content-type': 'application/json',
        connection: 'close',
      },
      body,
    });
    const answer = (await check.json()) as { decision: string };
    if (answer.decision !== 'allow')
      throw new Error(`the HTTP bench call must be allowed: ${JSON.stringify(answer)}`);
    const http = await loadFromWorker(
      `POST /v1/authorize over HTTP loopback (8 clients), ${total} policies`,
      `${server.url}/v1/authorize`,
      Array.from({ length: n }, () => body),
      8,
    );
    (http as Sample & { ref?: Sample }).ref = reference;
    samples.push(http);
  }
  await server.stop();
  const lines = [
    '## Decision point (issue 4)',
    '',
    `Machine: ${machine()}. ${new Date().toISOString().slice(0, 10)}. \`node --import tsx bench/decision.bench.ts\`. One allowed \`call_tool\` request; the default pack plus generated scope-grant policies. In process: \`DecisionPoint.authorize\` on a built request. Over HTTP: \`POST /v1/authorize\` with a task token (verified, claims cached), the tool from the catalog, the task's session, the decision and its audit event (group commit), from a worker thread with 8 concurrent clients; ratios are against the raw cedar-wasm call.`,
    '',
    ...TABLE_HEAD,
    ...samples.map((s) => row(s, (s as Sample & { ref?: Sample }).ref)),
    '',
    'Cost grows linearly with the policy count, as DESIGN.md measured: every policy is evaluated on every request. Indexing policies by scope and the compiled JS engine (DESIGN.md, performance design) are the next steps. Over HTTP with few policies the latency is dominated by HTTP, token verification and the audit write; at 10,000 policies by Cedar itself (the server decides one request at a time: wasm is single-threaded).',
  ];
  writeSection('decision', lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
