/**
 * MCP gateway overhead (issue 5, Benchmark): `tools/call` latency and throughput with the official
 * MCP SDK client straight to a Streamable HTTP upstream (the mail fixture) and through Mandate's
 * gateway in front of it, in the same run, as a ratio. Through the gateway each call is
 * authenticated (task token, revocation), decided by the default policy pack, recorded in the
 * task's session, audited (group-committed to SQLite) and forwarded with the injected credential
 * over the session's own upstream connection.
 * Run: node --import tsx bench/gateway.bench.ts (BENCH_N to change N).
 */
import { loadavg } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { attestedAgent } from '../test/e2e/helpers/agents.js';
import { gatewayTask, mcpClient, startGateway } from '../test/e2e/gateway/helpers.js';
import { machine, measure, percentile, row, TABLE_HEAD, writeSection, type Sample } from './lib.js';

const N = Number(process.env.BENCH_N ?? 1000);
const WARM = 100;
const CONCURRENCY = 8;
const CALL = {
  name: 'send_email',
  arguments: { to: 'bob@partner.example', subject: 'hi', body: 'hello' },
};

const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const env = await startGateway();
  const agent = await attestedAgent(env.server, 'bench', ['tool:mail/*']);

  const direct = new Client({ name: 'bench-direct', version: '1' });
  await direct.connect(new StreamableHTTPClientTransport(new URL(env.mail.url)));
  const { token } = await gatewayTask(env, agent, ['tool:mail/send_email']);
  const { client: through } = await mcpClient(env, token);

  const callDirect = async () => {
    const r = await direct.callTool(CALL);
    if (r.isError) throw new Error('direct call failed');
  };
  const callThrough = async () => {
    const r = await through.callTool({ ...CALL, name: `mail__${CALL.name}` });
    if (r.isError) throw new Error(`gateway call refused: ${JSON.stringify(r.content)}`);
  };

  await measure('warm-up', WARM, 1, callDirect);
  await measure('warm-up', WARM, 1, callThrough);
  const samples: [Sample, Sample][] = [];
  for (const concurrency of [1, CONCURRENCY]) {
    const d = await measure(
      `direct to the upstream, concurrency ${concurrency}`,
      N,
      concurrency,
      callDirect,
    );
    const g = await measure(
      `through the gateway, concurrency ${concurrency}`,
      N,
      concurrency,
      callThrough,
    );
    samples.push([d, g]);
  }

  await direct.close();
  await through.close();
  await env.stop();

  const [seq, par] = samples as [[Sample, Sample], [Sample, Sample]];
  const p = (s: Sample, q: number) => percentile(s.latencies, q);
  const lines = [
    '## MCP gateway overhead (issue 5)',
    '',
    `Machine: ${machine()}. ${new Date().toISOString().slice(0, 10)}. \`node --import tsx bench/gateway.bench.ts\` (BENCH_N=${N}). The official MCP SDK client calls \`send_email\` on the mail fixture (an MCP SDK \`McpServer\` over Streamable HTTP on loopback) directly, then as \`mail__send_email\` through Mandate's /mcp; client, gateway and upstream share one process, so the gateway's CPU competes with both ends.`,
    '',
    ...TABLE_HEAD,
    ...samples.flatMap(([d, g]) => [row(d), row(g, d)]),
    '',
    '"reference ÷ this" is the direct throughput divided by the gateway\'s at the same concurrency, measured in the same run: how many times fewer calls per second go through the gateway.',
    `p50 direct → through the gateway: ${ms(p(seq[0], 50))} → ${ms(p(seq[1], 50))} sequentially (${(p(seq[1], 50) / p(seq[0], 50)).toFixed(1)}×), ${ms(p(par[0], 50))} → ${ms(p(par[1], 50))} at concurrency ${CONCURRENCY} (${(p(par[1], 50) / p(par[0], 50)).toFixed(1)}×); p99 ${ms(p(seq[0], 99))} → ${ms(p(seq[1], 99))} (${(p(seq[1], 99) / p(seq[0], 99)).toFixed(1)}×) and ${ms(p(par[0], 99))} → ${ms(p(par[1], 99))} (${(p(par[1], 99) / p(par[0], 99)).toFixed(1)}×). Per call the gateway adds a second HTTP hop (agent → gateway → upstream, each a Streamable HTTP POST answered on an SSE stream), verifies the task token (cached after first sight; revocation checked every time), makes a Cedar decision and audits it (group-committed: concurrent calls share a SQLite transaction), and relays the result. All three parties share the process's CPU, so once it is saturated, concurrency stops adding throughput through the gateway sooner than direct: the throughput ratio at concurrency ${CONCURRENCY} is the CPU cost ratio per call. 1-minute load average when the run started: ${loadAtStart.toFixed(1)}.`,
  ];
  writeSection('gateway', lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
