// The credential broker end to end: a real Mandate (startTestServer) with its secrets API, and
// a real upstream authorization server (oidc-provider on a loopback port: client credentials,
// introspection, and RFC 8693 token exchange registered as a grant whose handler verifies the
// Mandate identity assertion against Mandate's published JWKS).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import type { CallerContext, CredentialBinding } from '../../../src/broker/broker.js';
import { ManualClock } from '../../../src/core/clock.js';
import { MandateError } from '../../../src/core/errors.js';
import { routes } from '../../../src/server/routes.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, tempDataDir, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, spiffeIdOf } from '../helpers/agents.js';
import { TOKEN_EXCHANGE_GRANT } from './upstream-as.js';

const STRIPE_V1 = 'sk_live_e2e-first-0123456789abcdefghij';
const STRIPE_V2 = 'sk_live_e2e-second-9876543210zyxwvutsrq';
const CLIENT_SECRET = 'oidc-client-secret-0123456789abcdefghijkl';
const CC_TTL = 120;

interface Upstream {
  issuer: string;
  tokenEndpoint: string;
  /** Subject tokens the token-exchange handler verified, with the token it issued for each. */
  exchanged: { claims: JWTPayload; token: string }[];
  grants: number;
  introspect(token: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** oidc-provider on 127.0.0.1: client credentials + introspection, and token exchange (RFC 8693) as a registered grant. */
async function startUpstream(mandateJwks: string, mandateIssuer: string): Promise<Upstream> {
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const client = (id: string, auth: string) => ({
    client_id: id,
    client_secret: CLIENT_SECRET,
    grant_types: ['client_credentials', TOKEN_EXCHANGE_GRANT],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: auth,
  });
  const provider = new Provider(issuer, {
    clients: [
      client('billing-api', 'client_secret_basic'),
      client('billing-post', 'client_secret_post'),
    ],
    ttl: { ClientCredentials: CC_TTL },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
    },
  });
  const up: Upstream = {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    exchanged: [],
    grants: 0,
    async introspect(token) {
      const res = await fetch(`${issuer}/token/introspection`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token,
          client_id: 'billing-post',
          client_secret: CLIENT_SECRET,
        }),
      });
      return (await res.json()) as Record<string, unknown>;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  const jwks = createRemoteJWKSet(new URL(mandateJwks));
  // RFC 8693 at the upstream AS: the client authenticated (oidc-provider did that); the subject token must be a Mandate identity assertion for this AS.
  (
    provider as unknown as {
      registerGrantType(
        name: string,
        handler: (ctx: {
          oidc: { params: Record<string, string | undefined> };
          status: number;
          body: unknown;
        }) => Promise<void>,
        params: string[],
      ): void;
    }
  ).registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx) => {
      const { subject_token: subjectToken, subject_token_type: type } = ctx.oidc.params;
      try {
        if (type !== 'urn:ietf:params:oauth:token-type:jwt' || !subjectToken)
          throw new Error('bad type');
        const { payload } = await jwtVerify(subjectToken, jwks, {
          issuer: mandateIssuer,
          audience: up.tokenEndpoint,
          typ: 'mandate-id+jwt',
        });
        const token = `upstream-${randomBytes(12).toString('hex')}`;
        up.exchanged.push({ claims: payload, token });
        ctx.body = {
          access_token: token,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 600,
        };
      } catch {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_grant',
          error_description: `subject token ${subjectToken ?? ''} refused`,
        };
      }
    },
    ['subject_token', 'subject_token_type', 'requested_token_type', 'audience'],
  );
  provider.on('grant.success', () => up.grants++);
  http.on('request', provider.callback());
  return up;
}

/** A CallerContext from a real task token, verified against Mandate's JWKS as an enforcement point would. */
async function callerOf(server: TestServer, token: string): Promise<CallerContext> {
  const { payload } = await jwtVerify(
    token,
    createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)),
    {
      issuer: server.config.issuer,
      audience: GATEWAY,
      typ: 'at+jwt',
      currentDate: new Date(server.mandate.clock.now()),
    },
  );
  const actors: string[] = [];
  for (let a = payload.act as { sub: string; act?: unknown } | undefined; a; a = a.act as typeof a)
    actors.push(a.sub);
  return {
    agent: actors[0] ?? String(payload.client_id),
    subject: payload.sub!,
    actors,
    taskId: String(payload.task_id),
    grantId: (payload.grant_id as string | undefined) ?? null,
    scopes: String(payload.scope).split(' '),
    tokenExp: payload.exp!,
    requestId: 'e2e-req',
  };
}

function logCapture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write: (c: Buffer | string, _e, done) => (chunks.push(c.toString()), done()),
    }),
    text: () => chunks.join(''),
  };
}

async function call(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = server.adminToken,
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

describe('credential broker, end to end', () => {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const logs = logCapture();
  const dataDir = tempDataDir('mandate-broker-e2e-');
  let server: TestServer;
  let upstream: Upstream;
  let alpha: MandateAgent;
  let beta: MandateAgent;
  /** Everything that must never appear in a response, the audit trail or the log. */
  const secrets: string[] = [STRIPE_V1, STRIPE_V2, CLIENT_SECRET];

  before(async () => {
    server = await startTestServer({
      clock,
      dataDir,
      logger: { level: 'debug', stream: logs.stream },
    });
    upstream = await startUpstream(`${server.url}/.well-known/jwks.json`, server.config.issuer);
    alpha = await attestedAgent(server, 'alpha', ['tool:billing/*']);
    beta = await attestedAgent(server, 'beta', ['tool:billing/*']);
    await server.admin.addTrustRule({
      from: spiffeIdOf(server, 'alpha'),
      to: spiffeIdOf(server, 'beta'),
    });
  });
  after(async () => {
    await upstream.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('secrets are write-only: no route gives a value back; rotation makes the new version the one injected', async () => {
    const created = await call(server, 'PUT', '/v1/secrets/stripe', {
      value: STRIPE_V1,
      description: 'stripe live key',
      type: 'api_key',
    });
    assert.equal(created.status, 201);
    assert.deepEqual(
      [created.json?.id, created.json?.version, created.json?.status, created.json?.type],
      ['stripe', 1, 'active', 'api_key'],
    );
    const binding: CredentialBinding = {
      provider: 'static',
      secret: 'stripe',
      as: 'header',
      header: 'X-Api-Key',
    };
    assert.deepEqual(
      await server.mandate.broker.credentialFor(
        'stripe',
        binding,
        await callerOf(
          server,
          (await alpha.startTask({ resource: GATEWAY, scope: ['tool:billing/charge'] }))
            .accessToken,
        ),
      ),
      { headers: { 'x-api-key': STRIPE_V1 }, secretRef: { id: 'stripe', version: 1 } },
    );
    const rotated = await call(server, 'PUT', '/v1/secrets/stripe', { value: STRIPE_V2 });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.json?.version, 2);
    const injected = await server.mandate.broker.credentialFor(
      'stripe',
      binding,
      await callerOf(
        server,
        (await alpha.startTask({ resource: GATEWAY, scope: ['tool:billing/charge'] })).accessToken,
      ),
    );
    assert.deepEqual(injected, {
      headers: { 'x-api-key': STRIPE_V2 },
      secretRef: { id: 'stripe', version: 2 },
    });
    await server.admin.putSecret('basic', {
      value: { username: 'svc', password: 'basic-pass-0123456789' },
    });
    secrets.push('basic-pass-0123456789');

    // Every GET route of the table, with every path parameter set to a secret id: no value comes back.
    const bodies: string[] = [rotated.text, created.text];
    // Streams (the revocation events, the MCP gateway's GET) never end: they carry no secret either.
    const streams = (r: (typeof routes)[number]) =>
      Object.values(r.responses).some(
        (v) => typeof v === 'object' && v.contentType === 'text/event-stream',
      );
    for (const r of routes.filter((x) => x.method === 'GET' && !streams(x))) {
      const path = r.url.replace(/:[a-z_]+/g, 'stripe');
      bodies.push((await call(server, 'GET', path)).text);
    }
    bodies.push(
      JSON.stringify(await server.admin.listSecrets()),
      JSON.stringify(await server.admin.getSecret('basic')),
    );
    for (const b of bodies)
      for (const s of secrets)
        assert.ok(!b.includes(s), `a secret value came back in ${b.slice(0, 80)}`);
    assert.equal((await call(server, 'GET', '/v1/secrets/stripe')).json?.value, undefined);

    // Only the admin: no token, a wrong token, or a task token cannot even list.
    const taskToken = (await alpha.startTask({ resource: GATEWAY, scope: ['tool:billing/charge'] }))
      .accessToken;
    for (const token of [null, 'wrong-token', taskToken]) {
      assert.equal((await call(server, 'GET', '/v1/secrets', undefined, token)).status, 401);
      assert.equal(
        (await call(server, 'PUT', '/v1/secrets/stripe', { value: 'attacker' }, token)).status,
        401,
      );
    }
    assert.equal(
      (await server.mandate.secrets.reveal('stripe')).value,
      STRIPE_V2,
      'refused writes changed nothing',
    );
    const bad = await call(server, 'PUT', '/v1/secrets/..%2Fetc', { value: 'x' });
    assert.equal(bad.status, 400);
    const unknownField = await call(server, 'PUT', '/v1/secrets/x', { value: 'v', reveal: true });
    assert.equal(unknownField.status, 400);
    // A malformed body holding a value: refused, and (below) neither the answer nor the log repeats it.
    const MALFORMED = 'malformed-body-secret-0123456789';
    secrets.push(MALFORMED);
    const malformed = await fetch(`${server.url}/v1/secrets/x`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: `{"value": "${MALFORMED}`,
    });
    const malformedText = await malformed.text();
    assert.equal(malformed.status, 400);
    assert.ok(!malformedText.includes(MALFORMED));
    const tooLong = await call(server, 'PUT', '/v1/secrets/x', {
      value: `${MALFORMED}${'z'.repeat(70_000)}`,
    });
    assert.equal(tooLong.status, 400);
    assert.ok(!tooLong.text.includes(MALFORMED));
  });

  test('disable, enable and delete over HTTP; a deleted secret is gone for the broker', async () => {
    await server.admin.putSecret('tmp', { value: 'tmp-value-0123456789' });
    secrets.push('tmp-value-0123456789');
    assert.equal((await server.admin.disableSecret('tmp')).status, 'disabled');
    const b: CredentialBinding = { provider: 'static', secret: 'tmp', as: 'bearer' };
    const caller = await callerOf(
      server,
      (await alpha.startTask({ resource: GATEWAY, scope: ['tool:billing/charge'] })).accessToken,
    );
    await assert.rejects(
      server.mandate.broker.credentialFor('tmp-svc', b, caller),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'credential_unavailable' &&
        err.details?.reason === 'secret_disabled',
    );
    assert.equal((await server.admin.enableSecret('tmp')).status, 'active');
    assert.equal(
      (await server.mandate.broker.credentialFor('tmp-svc', b, caller)).headers.authorization,
      'Bearer tmp-value-0123456789',
    );
    assert.equal((await call(server, 'DELETE', '/v1/secrets/tmp')).status, 204);
    assert.equal((await call(server, 'GET', '/v1/secrets/tmp')).status, 404);
    assert.equal((await call(server, 'DELETE', '/v1/secrets/tmp')).status, 404);
    await assert.rejects(
      server.mandate.broker.credentialFor('tmp-svc', b, caller),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'credential_unavailable' &&
        err.details?.reason === 'secret_not_found',
    );
  });

  test('the identity assertion verifies against /.well-known/jwks.json with aud, sub and the delegation chain', async () => {
    const task = await alpha.startTask({
      resource: GATEWAY,
      scope: ['tool:billing/charge', 'tool:billing/read'],
    });
    const child = await alpha.delegate(task, {
      delegateSvid: await beta.delegationSvidFor(alpha.spiffeId!),
      scope: ['tool:billing/read'],
    });
    const caller = await callerOf(server, child.accessToken);
    assert.deepEqual(caller.actors, [spiffeIdOf(server, 'beta')]);
    const jwt = await server.mandate.broker.identityAssertion(
      'https://billing.internal.example.org',
      caller,
    );
    const { payload, protectedHeader } = await jwtVerify(
      jwt,
      createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)),
      {
        issuer: server.config.issuer,
        audience: 'https://billing.internal.example.org',
        typ: 'mandate-id+jwt',
        currentDate: new Date(clock.now()),
      },
    );
    assert.equal(protectedHeader.typ, 'mandate-id+jwt');
    assert.equal(payload.sub, spiffeIdOf(server, 'alpha'));
    assert.deepEqual(payload.act, { sub: spiffeIdOf(server, 'beta') });
    assert.equal(payload.client_id, spiffeIdOf(server, 'beta'));
    assert.equal(payload.task_id, task.taskId);
    assert.ok(payload.exp! <= Math.min(clock.now() / 1000 + 60, caller.tokenExp));
    // It is not a task token: Mandate's own introspection does not take it for one.
    const res = await fetch(`${server.url}/oauth/introspect`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: jwt }),
    });
    assert.deepEqual(await res.json(), { active: false });
  });

  test("token exchange at the upstream AS: it verifies who is calling from Mandate's JWKS and issues a token for that caller, cached per caller", async () => {
    await server.admin.putSecret('billing-client', {
      value: CLIENT_SECRET,
      type: 'oauth_client_secret',
    });
    const task = await alpha.startTask({ resource: GATEWAY, scope: ['tool:billing/read'] });
    const child = await alpha.delegate(task, {
      delegateSvid: await beta.delegationSvidFor(alpha.spiffeId!),
    });
    const caller = await callerOf(server, child.accessToken);
    const binding: CredentialBinding = {
      provider: 'oauth_token_exchange',
      secret: 'billing-client',
      tokenEndpoint: upstream.tokenEndpoint,
      clientId: 'billing-api',
      audience: 'https://billing.example.com',
    };
    const first = await server.mandate.broker.credentialFor('billing', binding, caller);
    const seen = upstream.exchanged.at(-1)!;
    assert.equal(first.headers.authorization, `Bearer ${seen.token}`);
    assert.equal(seen.claims.sub, spiffeIdOf(server, 'alpha'));
    assert.deepEqual(seen.claims.act, { sub: spiffeIdOf(server, 'beta') });
    assert.equal(seen.claims.task_id, task.taskId);
    assert.deepEqual(first.secretRef, { id: 'billing-client', version: 1 });
    assert.ok(first.expiresAt! <= caller.tokenExp * 1000);
    assert.deepEqual(
      await server.mandate.broker.credentialFor('billing', binding, caller),
      first,
      'cached for the same caller',
    );
    const other = await server.mandate.broker.credentialFor(
      'billing',
      binding,
      await callerOf(server, task.accessToken),
    );
    assert.notEqual(
      other.headers.authorization,
      first.headers.authorization,
      'another caller gets its own token',
    );
    assert.equal(upstream.exchanged.length, 2);
    assert.equal(upstream.exchanged.at(-1)!.claims.act, undefined);
    // Ending the task drops its exchanged tokens (the next ask goes upstream again).
    await alpha.endTask(task);
    const afterEnd = await server.mandate.broker.credentialFor('billing', binding, caller);
    assert.equal(upstream.exchanged.length, 3);
    assert.notEqual(afterEnd.headers.authorization, first.headers.authorization);
    // A wrong client secret: the AS's error code only, never its description (which echoes the subject token).
    await server.admin.putSecret('billing-client', { value: 'not-the-right-secret' });
    await assert.rejects(
      server.mandate.broker.credentialFor(
        'billing',
        { ...binding, audience: 'https://other.example.com' },
        caller,
      ),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'credential_unavailable' &&
        err.details?.upstream_error === 'invalid_client' &&
        !/eyJ|secret/.test(`${err.message} ${JSON.stringify(err.details)}`),
    );
    await server.admin.putSecret('billing-client', { value: CLIENT_SECRET });
  });

  test('client credentials at oidc-provider: a real token, cached until shortly before expiry (injected clock), then refreshed', async () => {
    const caller = await callerOf(
      server,
      (await alpha.startTask({ resource: GATEWAY, scope: ['tool:billing/read'], ttlSeconds: 3600 }))
        .accessToken,
    );
    const binding: CredentialBinding = {
      provider: 'oauth_client_credentials',
      secret: 'billing-client',
      tokenEndpoint: upstream.tokenEndpoint,
      clientId: 'billing-post',
      auth: 'client_secret_post',
    };
    const grants = upstream.grants;
    const first = await server.mandate.broker.credentialFor('billing', binding, caller);
    const token = first.headers.authorization!.replace(/^Bearer /, '');
    const info = await upstream.introspect(token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, 'billing-post');
    assert.equal(first.expiresAt, clock.now() + CC_TTL * 1000);
    const burst = await Promise.all(
      Array.from({ length: 5 }, () =>
        server.mandate.broker.credentialFor('billing', binding, caller),
      ),
    );
    assert.ok(burst.every((c) => c.headers.authorization === first.headers.authorization));
    assert.equal(upstream.grants, grants + 1, 'one token request for all of them');
    clock.advance((CC_TTL - 13) * 1000);
    assert.equal(
      (await server.mandate.broker.credentialFor('billing', binding, caller)).headers.authorization,
      first.headers.authorization,
    );
    clock.advance(2_000);
    const refreshed = await server.mandate.broker.credentialFor('billing', binding, caller);
    assert.notEqual(
      refreshed.headers.authorization,
      first.headers.authorization,
      'refreshed 12 s (10% of 120 s) before expiry',
    );
    assert.equal(upstream.grants, grants + 2);
    secrets.push(
      token,
      refreshed.headers.authorization!.replace(/^Bearer /, ''),
      ...upstream.exchanged.map((e) => e.token),
    );
  });

  test('nothing secret in the audit trail or the server log; the audit names secrets by id and version only', async () => {
    const events = await server.mandate.store.read.audit.list();
    const secretEvents = events.filter((e) => e.action.startsWith('secret.'));
    assert.deepEqual(
      secretEvents
        .map((e) => [e.action, e.target, Object.keys(e.details).sort().join(',')])
        .slice(0, 3),
      [
        ['secret.put', 'secret:stripe', 'version'],
        ['secret.rotate', 'secret:stripe', 'previous,version'],
        ['secret.put', 'secret:basic', 'version'],
      ],
    );
    const audit = JSON.stringify(events);
    const log = logs.text();
    assert.match(log, /\/v1\/secrets\/stripe/, 'the log captured the secret requests');
    for (const s of secrets) {
      assert.ok(!audit.includes(s), 'a secret reached the audit trail');
      assert.ok(!log.includes(s), 'a secret reached the log');
    }
    assert.doesNotMatch(audit, /mandate-id\+jwt|"subject_token"/);
  });
});

describe('credential broker at rest', () => {
  test('the SQLite file holds no plaintext; swapped rows and another master key fail closed', async () => {
    const dataDir = tempDataDir('mandate-broker-rest-');
    let server = await startTestServer({ dataDir });
    await server.admin.putSecret('one', { value: STRIPE_V1 });
    await server.admin.putSecret('two', { value: STRIPE_V2 });
    const caller: CallerContext = {
      agent: 'spiffe://example.org/agent/a',
      subject: 'spiffe://example.org/agent/a',
      actors: [],
      taskId: 't',
      scopes: [],
      tokenExp: Math.floor(Date.now() / 1000) + 60,
    };
    const bearer = (id: string) =>
      server.mandate.broker.credentialFor(
        'svc',
        { provider: 'static', secret: id, as: 'bearer' },
        caller,
      );
    assert.equal((await bearer('one')).headers.authorization, `Bearer ${STRIPE_V1}`);
    await server.stop({ keepData: true });

    const dbPath = join(dataDir, 'mandate.db');
    const bytes = Buffer.concat([
      readFileSync(dbPath),
      ...['-wal', '-shm'].flatMap((s) => {
        try {
          return [readFileSync(dbPath + s)];
        } catch {
          return [];
        }
      }),
    ]);
    for (const v of [STRIPE_V1, STRIPE_V2]) {
      assert.equal(bytes.indexOf(v), -1, 'plaintext in the database file');
      assert.equal(bytes.indexOf(Buffer.from(v).toString('base64')), -1);
    }

    // Someone with write access to the file swaps the two secrets' rows.
    const db = new Database(dbPath);
    const rows = db
      .prepare('SELECT secret_id, wrapped_key, ciphertext FROM secret_versions ORDER BY secret_id')
      .all() as { secret_id: string; wrapped_key: string; ciphertext: string }[];
    const swap = db.prepare(
      'UPDATE secret_versions SET wrapped_key = ?, ciphertext = ? WHERE secret_id = ?',
    );
    db.transaction(() => {
      swap.run(rows[1]!.wrapped_key, rows[1]!.ciphertext, rows[0]!.secret_id);
      swap.run(rows[0]!.wrapped_key, rows[0]!.ciphertext, rows[1]!.secret_id);
    })();
    db.close();
    server = await startTestServer({ dataDir });
    for (const id of ['one', 'two']) {
      await assert.rejects(
        bearer(id),
        (err: unknown) =>
          err instanceof MandateError &&
          err.code === 'credential_unavailable' &&
          err.details?.reason === 'secret_undecryptable' &&
          !err.message.includes('sk_live'),
      );
    }
    await server.stop({ keepData: true });

    // Another master key: the server refuses to start on this data dir at all.
    const keyFile = join(dataDir, 'master.key');
    const original = readFileSync(keyFile, 'utf8');
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    await assert.rejects(
      startTestServer({ dataDir }),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'invalid_config' &&
        /master key/i.test(err.message),
    );
    writeFileSync(keyFile, original, { mode: 0o600 });
    const again = await startTestServer({ dataDir });
    await again.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
