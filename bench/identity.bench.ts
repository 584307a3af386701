/**
 * Identity issuance throughput and latency:
 * - JWT-SVID issuance through attestation, in process: join-token check, signing, and one
 *   SQLite transaction that consumes the token, records the credential and appends the audit
 *   event (the full persistence path).
 * - The same over HTTP (POST /v1/attest) with concurrent clients on loopback.
 * - JWT attestation (a Kubernetes-style token from a trusted issuer, inline JWKS) → JWT-SVID.
 * - References measured in the same run: jose SignJWT alone and node:crypto ES256 sign alone.
 * Run: npm run bench (or node --import tsx bench/identity.bench.ts)
 */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { systemContext } from '../src/core/context.js';
import { createJoinToken } from '../src/identity/attestation/join-token.js';
import { startTestServer } from '../test/fakes/server.js';
import { machine, measure, row, TABLE_HEAD, writeSection, type Sample } from './lib.js';

const N = Number(process.env.BENCH_N ?? 2000);

/** Drives HTTP load from a worker thread (its own event loop), so client work is not timed as server work. */
function loadFromWorker(
  name: string,
  url: string,
  bodies: string[],
  concurrency: number,
): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./http-load-worker.mjs', import.meta.url), {
      workerData: { name, url, bodies, concurrency },
    });
    worker.once('message', (s: Sample) => resolve(s));
    worker.once('error', reject);
  });
}

async function main(): Promise<void> {
  const server = await startTestServer();
  const { mandate } = server;
  await server.admin.registerAgent({ name: 'bench-agent', owner: 'bench', purpose: 'benchmark' });
  const samples: Sample[] = [];

  // References.
  const { privateKey } = await generateKeyPair('ES256');
  await measure('warm-up', 200, 1, () =>
    new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey),
  );
  const joseRef = await measure('reference: jose SignJWT ES256 (no persistence)', N, 1, () =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'JWT' })
      .setSubject('spiffe://mandate.local/agent/bench-agent')
      .setAudience('aud')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti('j')
      .sign(privateKey),
  );
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rawKey = createPrivateKey(ecKey.export({ format: 'pem', type: 'pkcs8' }));
  const data = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0');
  const cryptoRef = await measure('reference: node:crypto ES256 sign', N, 1, async () =>
    sign('sha256', data, { key: rawKey, dsaEncoding: 'ieee-p1363' }),
  );
  samples.push(cryptoRef, joseRef);

  // In process, sequential: the full path, one transaction per issuance.
  const tokens = await Promise.all(
    Array.from({ length: N }, () =>
      createJoinToken(mandate.store, mandate.clock, 'bench-agent', 3600, systemContext),
    ),
  );
  const inProc = await measure(
    'JWT-SVID via join-token attestation, in process (sign + SQLite tx + audit)',
    N,
    1,
    (i) =>
      mandate.attestation.attest(
        { method: 'join_token', token: tokens[i]!.token },
        { jwt: { audience: ['https://tools.example'] } },
        systemContext,
      ),
  );
  samples.push(inProc);

  // Over HTTP with 8 concurrent clients.
  const tokens2 = await Promise.all(
    Array.from({ length: N }, () =>
      createJoinToken(mandate.store, mandate.clock, 'bench-agent', 3600, systemContext),
    ),
  );
  const http = await loadFromWorker(
    'JWT-SVID via POST /v1/attest, HTTP loopback',
    `${server.url}/v1/attest`,
    tokens2.map((t) =>
      JSON.stringify({ join_token: t.token, jwt_svid: { audience: 'https://tools.example' } }),
    ),
    8,
  );
  samples.push(http);

  // JWT attestation (trusted issuer, inline JWKS so no network in the loop).
  const issuerKeys = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: 'k8s-1', alg: 'ES256' };
  await server.admin.putTrustedIssuer({
    issuer: 'https://k8s.bench.local',
    jwks: { keys: [jwk] },
    audience: 'mandate',
    rules: [{ match: { 'kubernetes.io.namespace': 'bench' }, agent: 'bench-agent' }],
  });
  const saToken = await new SignJWT({
    'kubernetes.io': { namespace: 'bench', serviceaccount: { name: 'bot' } },
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k8s-1' })
    .setIssuer('https://k8s.bench.local')
    .setSubject('system:serviceaccount:bench:bot')
    .setAudience('mandate')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(issuerKeys.privateKey);
  const jwtAttest = await measure(
    'JWT attestation (K8s-style token) → JWT-SVID, in process',
    N,
    1,
    () =>
      mandate.attestation.attest(
        { method: 'jwt', token: saToken },
        { jwt: { audience: ['https://tools.example'] } },
        systemContext,
      ),
  );
  samples.push(jwtAttest);
  const jwtAttestHttp = await loadFromWorker(
    'JWT attestation → JWT-SVID via POST /v1/attest, HTTP loopback',
    `${server.url}/v1/attest`,
    Array.from({ length: N }, () =>
      JSON.stringify({ attestation_jwt: saToken, jwt_svid: { audience: 'https://tools.example' } }),
    ),
    8,
  );
  samples.push(jwtAttestHttp);

  const verify = await server.admin.verifyAudit();
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });

  const lines = [
    '## Identity issuance (issue 2)',
    '',
    `Machine: ${machine()}. ${new Date().toISOString().slice(0, 10)}. \`npm run bench\` (BENCH_N=${N}). SQLite in WAL mode on the local disk, \`synchronous=NORMAL\`.`,
    '',
    ...TABLE_HEAD,
    ...samples.map((s) => row(s, s === cryptoRef || s === joseRef ? undefined : joseRef)),
    '',
    `"reference ÷ this" is how many times faster the bare jose signature is than the full operation, measured in the same run. The audit log the run produced (${verify.events_checked} events) verified ${verify.ok ? 'intact' : 'BROKEN'} afterwards.`,
  ];
  writeSection('identity', lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
