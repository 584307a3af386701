/**
 * Task-token verification latency (issue 3, Must have 8):
 * - first sight: the SDK TokenVerifier on N distinct tokens (cache miss each time): header checks,
 *   ES256 signature through jose with the key from a loopback JWKS (fetched once, in the warm-up),
 *   claims and chain checks, revocation hook;
 * - cached: the same token N times (expiry and revocation hook only);
 * - references measured in the same run: raw node:crypto `verify` of the same ES256 signature,
 *   and jose `jwtVerify` with an imported key (no cache, no Mandate checks).
 * Every TokenVerifier row has a revocation hook (a Set lookup of jti, ancestors and task), as a
 * gateway would. Run: node --import tsx bench/verify.bench.ts (BENCH_N to change N).
 */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { TokenVerifier } from '../src/sdk/index.js';
import { machine, measure, percentile, row, TABLE_HEAD, writeSection, type Sample } from './lib.js';

const N = Number(process.env.BENCH_N ?? 2000);
const WARM = 200;
const ISS = 'https://mandate.bench';
const AUD = 'https://gateway.bench';
const AGENT = 'spiffe://mandate.bench/agent/planner';

const p50 = (x: Sample) => percentile(x.latencies, 50);
const us = (v: number) => `${v.toFixed(0)} µs`;

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' };
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;

  const now = Math.floor(Date.now() / 1000);
  let seq = 0;
  // A delegated token (depth 1), the common case behind a gateway.
  const mint = () =>
    new SignJWT({
      client_id: 'spiffe://mandate.bench/agent/researcher',
      scope: 'tickets:read tickets:write search:query',
      task_id: 'task-bench',
      depth: 1,
      ancestors: ['root-jti'],
      act: { sub: 'spiffe://mandate.bench/agent/researcher' },
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench-1', typ: 'at+jwt' })
      .setIssuer(ISS)
      .setSubject(AGENT)
      .setAudience(AUD)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .setJti(`jti-${++seq}`)
      .sign(privateKey);
  const warmTokens = await Promise.all(Array.from({ length: WARM }, mint));
  const tokens = await Promise.all(Array.from({ length: N }, mint));

  const revoked = new Set<string>(['some-other-jti']);
  const verifier = new TokenVerifier({
    issuer: ISS,
    audience: AUD,
    jwksUri,
    maxCacheEntries: N + WARM + 10,
    revocation: (p) =>
      revoked.has(p.jti) || p.ancestors.some((a) => revoked.has(a)) || revoked.has(p.taskId)
        ? 'revoked'
        : null,
  });

  // Reference 1: raw node:crypto over the same signature.
  const [h, p, s] = tokens[0]!.split('.');
  const signingInput = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(base64url.decode(s!));
  const keyObject = createPublicKey({ key: jwk, format: 'jwk' });
  const raw = () => {
    if (
      !cryptoVerify(
        'sha256',
        signingInput,
        { key: keyObject, dsaEncoding: 'ieee-p1363' },
        signature,
      )
    )
      throw new Error('reference verify failed');
  };
  await measure('warm-up', WARM, 1, async () => raw());
  const cryptoRef = await measure(
    'reference: node:crypto ES256 verify (same signature)',
    N,
    1,
    async () => raw(),
  );

  // Reference 2: jose jwtVerify with an imported key, distinct tokens, no cache.
  const joseOpts = { issuer: ISS, audience: AUD, algorithms: ['ES256'], typ: 'at+jwt' };
  await measure('warm-up', WARM, 1, (i) => jwtVerify(warmTokens[i]!, publicKey, joseOpts));
  const joseRef = await measure(
    'reference: jose jwtVerify ES256 (distinct tokens, no cache)',
    N,
    1,
    (i) => jwtVerify(tokens[i]!, publicKey, joseOpts),
  );

  // TokenVerifier: the warm-up fetches the JWKS and warms the code paths on other tokens.
  await measure('warm-up', WARM, 1, (i) => verifier.verify(warmTokens[i]!));
  const firstSight = await measure(
    'TokenVerifier.verify, first sight (distinct tokens, cache miss)',
    N,
    1,
    (i) => verifier.verify(tokens[i]!),
  );
  const cached = await measure('TokenVerifier.verify, cached (same token)', N, 1, () =>
    verifier.verify(tokens[0]!),
  );

  server.closeAllConnections();
  server.close();

  const samples = [cryptoRef, joseRef, firstSight, cached];
  const lines = [
    '## Task-token verification (issue 3)',
    '',
    `Machine: ${machine()}. ${new Date().toISOString().slice(0, 10)}. \`node --import tsx bench/verify.bench.ts\` (BENCH_N=${N}), sequential. ES256, a depth-1 delegated token; keys from a JWKS on loopback (fetched once in the warm-up); every TokenVerifier call runs a revocation hook (Set lookups).`,
    '',
    ...TABLE_HEAD,
    ...samples.map((x) => row(x, x === cryptoRef ? undefined : cryptoRef)),
    '',
    '"reference ÷ this" is the raw node:crypto verify throughput divided by the row\'s, measured in the same run: above 1 the row is that many times slower than the bare signature check.',
    `At p50, first sight costs ${us(p50(firstSight) - p50(cryptoRef))} more than the bare signature check (${us(p50(firstSight) - p50(joseRef))} more than jose jwtVerify alone); a cache hit is ${(p50(cryptoRef) / p50(cached)).toFixed(0)}× faster than the bare signature check at p50 and ${(cached.ops / cached.seconds / (cryptoRef.ops / cryptoRef.seconds)).toFixed(0)}× in throughput, since it does no cryptography. 1-minute load average when the run started: ${loadAtStart.toFixed(1)} on ${machine().split(' ')[0]} cores; the p95/p99 tails are sensitive to it.`,
  ];
  writeSection('verify', lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
