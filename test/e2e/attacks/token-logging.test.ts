// OWASP Agentic Top 10 2026: ASI03 Identity and Privilege Abuse. Whoever reads the server's log
// (a log pipeline, a support bundle) must not find a credential in it. A caller who puts a task
// token, a join token, an admin token or a receiver token in the query string or the path is
// refused, but the request line was logged first: the query is never logged, and token-shaped
// values (JWTs, `madm_`/`mhs_`/`mjt_`/`mssf_` secrets, `Bearer …`/`DPoP …`) are replaced in every
// log line, messages and fields alike. A real server on loopback with its pino log captured at
// trace level; requests with plain fetch and node:http.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY } from '../helpers/agents.js';

/** A request with the target exactly as written. */
function send(
  server: TestServer,
  method: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path: target, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('ASI03 attack: tokens in the request log', () => {
  const chunks: string[] = [];
  const log = () => chunks.join('');
  let server: TestServer;
  let jwt: string;
  let joinToken: string;

  before(async () => {
    const stream = new Writable({
      write: (c: Buffer | string, _e, done) => (chunks.push(c.toString()), done()),
    });
    server = await startTestServer({ logger: { level: 'trace', stream } });
    const agent = await attestedAgent(server, 'log-leaker', ['tool:mail/*']);
    jwt = (
      await agent.startTask({ resource: GATEWAY, scope: ['tool:mail/send'], purpose: 'leak me' })
    ).accessToken;
    joinToken = (await server.admin.createJoinToken('log-leaker')).join_token;
  });
  after(() => server.stop());

  /** No token, nor any of its dot-separated parts long enough to be one's signature or payload, is in the log. */
  function assertAbsent(secret: string, what: string): void {
    const text = log();
    assert.ok(!text.includes(secret), `${what} is in the log`);
    for (const part of secret.split('.').filter((p) => p.length >= 16))
      assert.ok(!text.includes(part), `part of ${what} is in the log`);
  }

  test('a task token, a join token and the admin token in query strings: refused, and only the path is logged', async () => {
    const targets = [
      `/v1/agents?access_token=${jwt}`,
      `/mcp?access_token=${jwt}`,
      `/v1/authorize?token=${encodeURIComponent(`Bearer ${jwt}`)}`,
      `/v1/attest?join_token=${joinToken}`,
      `/v1/agents?token=${server.adminToken}`,
      `/oauth/introspect?token=${jwt}&x=1`,
    ];
    for (const t of targets) assert.ok((await send(server, 'GET', t)) >= 400, t);
    assert.match(
      log(),
      /"url":"\/v1\/agents\?\[redacted\]"/,
      'the request line is logged without its query',
    );
    assertAbsent(jwt, 'the task token');
    assertAbsent(joinToken, 'the join token');
    assertAbsent(server.adminToken, 'the admin token');
  });

  test('token-shaped values in the path and in prefixed forms: replaced wherever they appear', async () => {
    const receiver = `mssf_${'Q'.repeat(43)}`;
    const session = `mhs_${'Z'.repeat(43)}`;
    const admin = `madm_${'A'.repeat(43)}`;
    for (const t of [
      `/proxy/nope/${jwt}`,
      `/v1/ssf/streams/${receiver}`,
      `/nosuch/${session}/${admin}`,
    ])
      assert.ok((await send(server, 'GET', t)) >= 400, t);
    assertAbsent(jwt, 'a task token in a path');
    for (const [secret, what] of [
      [receiver, 'a receiver token'],
      [session, 'a session id'],
      [admin, 'an admin token'],
    ] as const)
      assertAbsent(secret, what);
  });

  test('percent-encoded forms: an encoded `?` still ends what is logged, an encoded separator does not hide a prefixed secret', async () => {
    const opaque = 'opaque-admin-token-set-from-the-environment';
    const admin = `madm_${'B'.repeat(43)}`;
    const targets = [
      `/v1/agents%3Ftoken=${opaque}`,
      `/v1/agents%3ftoken=${opaque}`,
      `/v1/agents%253Ftoken=${opaque}`,
      `/x/%2F${admin}`,
      `/x/%5F${admin}`,
      `/x/%6Dadm_${'B'.repeat(43)}`,
      `/x/${jwt.replace(/\./g, '%2E').replace(/^e/, '%65')}`,
    ];
    for (const t of targets) assert.ok((await send(server, 'GET', t)) >= 400, t);
    assert.ok(!log().includes(opaque), 'a query behind %3F is in the log');
    assert.ok(
      !log().includes('B'.repeat(43)),
      'a prefixed secret behind an encoded character is in the log',
    );
    assertAbsent(jwt, 'a percent-encoded task token');
  });

  test('whatever a component logs (messages, fields, nested values, errors) goes through the same redaction', () => {
    const receiver = `mssf_${'R'.repeat(43)}`;
    server.app.log.warn(
      {
        upstream: { error: `refused ${jwt}`, list: [`Bearer ${jwt}`] },
        err: new Error(`bad token ${receiver}`),
      },
      `could not use ${jwt} or ${receiver}`,
    );
    server.app.log.child({ reqId: 'x' }).info(`DPoP ${jwt}`);
    assertAbsent(jwt, 'a token logged by a component');
    assertAbsent(receiver, 'a receiver token in an error');
    assert.match(log(), /could not use eyJ\[redacted\]/);
  });

  test('credentials in headers never reach the log, whatever the scheme or header', async () => {
    await send(server, 'GET', '/v1/agents', {
      authorization: `DPoP ${jwt}`,
      dpop: jwt,
      cookie: `mandate_session=${'s'.repeat(40)}`,
      'x-mandate-token': jwt,
    });
    await send(server, 'GET', '/v1/agents', {
      authorization: `Basic ${Buffer.from(`admin:${server.adminToken}`).toString('base64')}`,
    });
    assertAbsent(jwt, 'a token in a header');
    assert.ok(!log().includes('s'.repeat(40)), 'the cookie is in the log');
  });
});

describe('ASI03 attack: tokens in the request log when the operator logs more of each request', () => {
  test('a logger with its own request serializer (url, headers) still logs no query and no credential', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write: (c: Buffer | string, _e, done) => (chunks.push(c.toString()), done()),
    });
    const withHeaders = {
      level: 'info',
      stream,
      serializers: {
        req: (req: { method: string; url: string; headers: unknown }) => ({
          method: req.method,
          url: req.url,
          headers: req.headers,
        }),
      },
    };
    const server = await startTestServer({ logger: withHeaders });
    try {
      const agent = await attestedAgent(server, 'logged-headers', ['tool:mail/*']);
      const jwt = (
        await agent.startTask({ resource: GATEWAY, scope: ['tool:mail/send'], purpose: 'leak me' })
      ).accessToken;
      assert.ok(
        (await send(server, 'GET', `/v1/agents?access_token=${jwt}`, {
          'x-forwarded-token': jwt,
        })) >= 400,
      );
      const text = chunks.join('');
      assert.match(text, /"headers":\{/, "the operator's serializer is kept");
      assert.match(text, /"url":"\/v1\/agents\?\[redacted\]"/, 'the query is not logged');
      for (const part of jwt.split('.').filter((p) => p.length >= 16))
        assert.ok(!text.includes(part), 'part of the task token is in the log');
    } finally {
      await server.stop();
    }
  });
});
