// The admin HTTP API's contract: admin auth, problem+json errors, request ids, the OpenAPI
// document, health and metrics endpoints, and logs that never carry a secret.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { routes } from '../../../src/server/routes.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { admin, assertProblem, attest, joinToken, registerAgent, request } from './helpers.js';

/** A concrete path for a route pattern (`:name` → a value). */
const concrete = (url: string): string => url.replace(/:[A-Za-z_]+/g, 'someone');
/** The OpenAPI form of a route pattern (`:name` → `{name}`). */
const openApiPath = (url: string): string => url.replace(/:([A-Za-z_]+)/g, '{$1}');

describe('http api', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('answers 401 problem+json with WWW-Authenticate on every admin route without the admin token', async () => {
    const adminRoutes = routes.filter((r) => r.auth === 'admin');
    assert.ok(adminRoutes.length >= 10);
    for (const r of adminRoutes) {
      const path = concrete(r.url);
      for (const token of [undefined, 'wrong-admin-token-0123456789', `${server.adminToken}x`]) {
        const res = await request(server.url, r.method, path, {
          ...(token !== undefined ? { token } : {}),
          ...(r.method === 'POST' ? { json: {} } : {}),
        });
        const problem = assertProblem(res, 401, 'unauthorized');
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/, `${r.method} ${path}`);
        assert.ok(!problem.detail.includes(server.adminToken));
      }
    }
    const malformed = await request(server.url, 'GET', '/v1/agents', {
      headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` },
    });
    assertProblem(malformed, 401, 'unauthorized');
    assert.equal(
      (await request(server.url, 'GET', '/v1/agents', { token: server.adminToken })).status,
      200,
    );
  });

  it('sends a request id, and honours a sane one the client sends', async () => {
    const generated = await request(server.url, 'GET', '/healthz');
    const id = generated.headers.get('x-request-id');
    assert.ok(id && id.length > 0);
    const second = await request(server.url, 'GET', '/healthz');
    assert.notEqual(second.headers.get('x-request-id'), id, 'a new id per request');

    const given = await request(server.url, 'GET', '/v1/nowhere', {
      headers: { 'x-request-id': 'client-req.42:abc' },
    });
    assert.equal(given.headers.get('x-request-id'), 'client-req.42:abc');
    assert.equal(assertProblem(given, 404, 'not_found').request_id, 'client-req.42:abc');

    for (const insane of ['has spaces in it', 'x'.repeat(65), '<script>', 'a/b']) {
      const res = await request(server.url, 'GET', '/healthz', {
        headers: { 'x-request-id': insane },
      });
      const echoed = res.headers.get('x-request-id');
      assert.ok(
        echoed && echoed !== insane,
        `an unsafe request id ${JSON.stringify(insane)} is replaced`,
      );
    }
  });

  it('serves an OpenAPI 3.1 document listing every route of the route table', async () => {
    const res = await request<{
      openapi: string;
      paths: Record<
        string,
        Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
      >;
    }>(server.url, 'GET', '/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.match(doc.openapi, /^3\.1\./);
    let operations = 0;
    for (const r of routes) {
      if (r.hidden) continue;
      const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.url} is missing from /openapi.json`);
      if (r.auth === 'admin') {
        assert.deepEqual(
          op.security,
          [{ adminToken: [] }],
          `${r.method} ${r.url} declares admin auth`,
        );
        assert.ok(op.responses['401'], `${r.method} ${r.url} documents 401`);
      }
      operations++;
    }
    const documented = Object.values(doc.paths).reduce(
      (n, methods) => n + Object.keys(methods).length,
      0,
    );
    assert.equal(documented, operations, 'no operation beyond the route table');
    assert.ok(doc.paths['/v1/attest']?.post, 'the attestation endpoint is documented');
  });

  it('answers /healthz and /readyz', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await request(server.url, 'GET', path);
      assert.equal(res.status, 200, `${path}: ${res.text}`);
    }
  });

  it('exposes Prometheus metrics with attestation counters', async () => {
    await registerAgent(server, 'metered');
    assert.equal(
      (
        await attest(server, {
          join_token: await joinToken(server, 'metered'),
          jwt_svid: { audience: 'x' },
        })
      ).status,
      200,
    );
    assert.equal(
      (await attest(server, { join_token: 'mjt_unknown', jwt_svid: { audience: 'x' } })).status,
      401,
    );
    const res = await request(server.url, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /# TYPE mandate_attestations_total counter/);
    assert.match(res.text, /mandate_attestations_total\{method="join_token",outcome="success"\} 1/);
    assert.match(res.text, /mandate_attestations_total\{method="join_token",outcome="failure"\} 1/);
    assert.match(res.text, /mandate_svids_issued_total\{kind="jwt"\} 1/);
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const problem = assertProblem(
      await request(server.url, 'GET', '/v1/does-not-exist'),
      404,
      'not_found',
    );
    assert.match(problem.detail, /\/v1\/does-not-exist/);
    assertProblem(await request(server.url, 'DELETE', '/healthz'), 404, 'not_found');
  });

  it('answers a malformed JSON body with 400 problem+json', async () => {
    assertProblem(
      await request(server.url, 'POST', '/v1/attest', { raw: '{"join_token": ' }),
      400,
      'invalid_request',
    );
    assertProblem(
      await request(server.url, 'POST', '/v1/agents', {
        raw: '{not json',
        token: server.adminToken,
      }),
      400,
      'invalid_request',
    );
    // Valid JSON of the wrong shape is a 400 too, naming the field.
    const problem = assertProblem(
      await request(server.url, 'POST', '/v1/agents', {
        json: { name: 'x', owner: 'o', purpose: 'p', extra: 1 },
        token: server.adminToken,
      }),
      400,
      'invalid_request',
    );
    assert.match(problem.detail, /extra/);
  });
});

/** Runs attestations (good and bad) and admin calls on a server logging to memory; returns the log and the secrets used. */
async function exerciseWithLogger(
  extra: Record<string, unknown>,
): Promise<{ logs: string; secrets: string[] }> {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const server = await startTestServer({ logger: { level: 'info', stream, ...extra } });
  const secrets = [server.adminToken];
  try {
    await registerAgent(server, 'logged');
    const used = await joinToken(server, 'logged');
    const ok = await attest(server, {
      join_token: used,
      jwt_svid: { audience: 'https://tools.example.org' },
    });
    assert.equal(ok.status, 200);
    const svid = ok.body.jwt_svid!.token;
    secrets.push(used, svid);
    // Failures too: a reused join token, tokens sent as bearer credentials, a jwt-svid as evidence.
    assert.equal(
      (await attest(server, { join_token: used, jwt_svid: { audience: 'a' } })).status,
      401,
    );
    assert.equal((await request(server.url, 'GET', '/v1/agents', { token: used })).status, 401);
    assert.equal((await request(server.url, 'GET', '/v1/agents', { token: svid })).status, 401);
    assert.equal(
      (await attest(server, { attestation_jwt: svid, jwt_svid: { audience: 'a' } })).status,
      401,
    );
    await admin(server, 'GET', '/v1/agents');
  } finally {
    await server.stop();
  }
  return { logs: chunks.join(''), secrets };
}

describe('http api logs', () => {
  function assertNoSecrets(logs: string, secrets: string[]): void {
    assert.match(logs, /"msg":"incoming request"/, 'the logger captured the requests');
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'a secret reached the log');
    assert.doesNotMatch(logs, /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\./, 'no jwt in the log');
    assert.doesNotMatch(logs, /mjt_[A-Za-z0-9_-]{16,}/, 'no join token in the log');
  }

  it('never logs the admin token, a join token or a jwt-svid', async () => {
    const { logs, secrets } = await exerciseWithLogger({});
    assertNoSecrets(logs, secrets);
  });

  it('redacts the authorization header even when the logger options log request headers', async () => {
    const withHeaders = {
      serializers: {
        req: (req: { method: string; url: string; headers: unknown }) => ({
          method: req.method,
          url: req.url,
          headers: req.headers,
        }),
      },
    };
    const { logs, secrets } = await exerciseWithLogger(withHeaders);
    assert.match(
      logs,
      /"authorization":"\[redacted\]"/,
      'headers were logged, with authorization redacted',
    );
    assertNoSecrets(logs, secrets);
  });
});
