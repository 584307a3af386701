/**
 * Token exchange throughput (issue 3): starting a task and delegating, through the token
 * endpoint in process and over HTTP (client in a worker thread), each including JWT-SVID
 * client authentication, the replay record, signing, and one SQLite transaction that writes
 * the task, the token, the credential and the audit event.
 * Reference in the same run: signing the same claims with jose alone.
 * Run: node --import tsx bench/token-exchange.bench.ts
 */
import { SignJWT } from 'jose';
import { Worker } from 'node:worker_threads';
import { systemContext } from '../src/core/context.js';
import { tokenEndpoint, type TokenEndpointDeps } from '../src/oauth/token-endpoint.js';
import { startTestServer } from '../test/fakes/server.js';
import { machine, measure, row, TABLE_HEAD, writeSection, type Sample } from './lib.js';

const N = Number(process.env.BENCH_N ?? 1000);
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_SPIFFE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';

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
        contentType: 'application/x-www-form-urlencoded',
      },
    });
    worker.once('message', (s: Sample) => resolve(s));
    worker.once('error', reject);
  });
}

async function main(): Promise<void> {
  const server = await startTestServer();
  const { mandate } = server;
  const alpha = await mandate.agents.register(
    { name: 'alpha', owner: 'bench', purpose: 'bench', allowedScopes: ['tool:*'] },
    systemContext,
  );
  const beta = await mandate.agents.register(
    { name: 'beta', owner: 'bench', purpose: 'bench', allowedScopes: ['tool:*'] },
    systemContext,
  );
  await fetch(`${server.url}/v1/trust-rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
    body: JSON.stringify({ from: alpha.spiffeId, to: beta.spiffeId }),
  });
  const svids = async (agent: typeof alpha, n: number, audience = [mandate.config.issuer]) =>
    Promise.all(
      Array.from({ length: n }, () =>
        mandate.attestation.renewJwtSvid(agent, audience, 300, systemContext).then((s) => s.token),
      ),
    );
  const deps: TokenEndpointDeps = {
    store: mandate.store,
    clock: mandate.clock,
    clientAuth: mandate.clientAuth,
    dpop: mandate.dpop,
    exchange: mandate.exchange,
    url: mandate.endpoints.token,
    dpopNonce: false,
  };
  const startForm = (svid: string) =>
    new URLSearchParams({
      grant_type: GRANT,
      client_assertion_type: JWT_SPIFFE,
      client_assertion: svid,
      subject_token: svid,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      resource: 'https://gateway.example/mcp',
      scope: 'tool:github/read tool:github/write',
    });
  const samples: Sample[] = [];

  // Reference: jose signing of a task token's claims alone.
  const key = await mandate.keys.signingKey('token');
  const ref = await measure(
    'reference: jose SignJWT of a task token (no checks, no persistence)',
    N,
    1,
    () =>
      new SignJWT({
        sub: alpha.spiffeId,
        aud: ['https://gateway.example/mcp'],
        scope: 'tool:github/read',
        task_id: 't',
        depth: 0,
        ancestors: [],
      })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setIssuedAt()
        .setExpirationTime('15m')
        .setJti('j')
        .sign(key.privateKey),
  );
  samples.push(ref);

  const startSvids = await svids(alpha, N);
  const starts: string[] = [];
  samples.push(
    await measure('start a task (token exchange, in process)', N, 1, async (i) => {
      const r = await tokenEndpoint(deps, startForm(startSvids[i]!), undefined, systemContext);
      starts.push(r.accessToken);
    }),
  );

  const alphaSvids = await svids(alpha, N);
  // alpha, the holder, delegates: beta's actor tokens must name alpha besides the issuer.
  const betaSvids = await svids(beta, N, [mandate.config.issuer, alpha.spiffeId]);
  samples.push(
    await measure('delegate to another agent (token exchange, in process)', N, 1, (i) =>
      tokenEndpoint(
        deps,
        new URLSearchParams({
          grant_type: GRANT,
          client_assertion_type: JWT_SPIFFE,
          client_assertion: alphaSvids[i]!,
          subject_token: starts[i]!,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          actor_token: betaSvids[i]!,
          actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          scope: 'tool:github/read',
        }),
        undefined,
        systemContext,
      ),
    ),
  );

  const httpSvids = await svids(alpha, N);
  samples.push(
    await loadFromWorker(
      'start a task over HTTP (POST /oauth/token, 8 clients)',
      `${server.url}/oauth/token`,
      httpSvids.map((s) => startForm(s).toString()),
      8,
    ),
  );

  const verify = await server.admin.verifyAudit();
  await server.stop();
  const lines = [
    '## Token exchange (issue 3)',
    '',
    `Machine: ${machine()}. ${new Date().toISOString().slice(0, 10)}. \`node --import tsx bench/token-exchange.bench.ts\` (BENCH_N=${N}). SQLite WAL, one transaction per issuance (task + token + credential + audit event), plus the single-use client-assertion record.`,
    '',
    ...TABLE_HEAD,
    ...samples.map((s) => row(s, s === ref ? undefined : ref)),
    '',
    `Each exchange verifies one or two JWT-SVIDs (client assertion, subject/actor token) and, for delegation, the parent task token. The audit log after the run (${verify.events_checked} events) verified ${verify.ok ? 'intact' : 'BROKEN'}.`,
  ];
  writeSection('token-exchange', lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
