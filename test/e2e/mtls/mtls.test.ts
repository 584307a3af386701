import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createJoinToken } from '../../../src/identity/attestation/join-token.js';
import { startTestServer, tempDataDir, type TestServer } from '../../fakes/server.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** A POST over HTTPS with an optional client certificate (the X.509-SVID). */
function post(
  url: string,
  form: URLSearchParams,
  tls: { ca: string; cert?: string; key?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        ca: tls.ca,
        ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(form.toString());
  });
}

describe('X.509-SVID mutual TLS client authentication (draft-ietf-oauth-spiffe-client-auth §3.2)', () => {
  let server: TestServer;
  let dir: string;
  let ca: string;
  let svid: { cert: string; key: string; jwt: string; spiffeId: string };

  before(async () => {
    dir = tempDataDir('mandate-mtls-');
    // The server's own TLS certificate, as an operator would supply it.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'tls.key'),
        '-out',
        join(dir, 'tls.crt'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'tls.crt'), 'utf8');
    server = await startTestServer({
      flags: { tlsCert: join(dir, 'tls.crt'), tlsKey: join(dir, 'tls.key') },
    });
    assert.match(server.url, /^https:/);
    // Set up through the domain API: Node's fetch (the admin client) does not trust the test CA.
    const admin = { actor: 'admin', requestId: null };
    await server.mandate.agents.register(
      { name: 'tls-bot', owner: 'o', purpose: 'p', allowedScopes: ['tool:x/*'] },
      admin,
    );
    execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'svid.key'),
        '-out',
        join(dir, 'svid.csr'),
        '-subj',
        '/O=agent',
      ],
      { stdio: 'ignore' },
    );
    const { token } = await createJoinToken(
      server.mandate.store,
      server.mandate.clock,
      'tls-bot',
      600,
      admin,
    );
    const result = await server.mandate.attestation.attest(
      { method: 'join_token', token },
      {
        jwt: { audience: [server.config.issuer] },
        x509: { csrPem: readFileSync(join(dir, 'svid.csr'), 'utf8') },
      },
      { actor: 'anonymous', requestId: null },
    );
    svid = {
      cert: [result.x509Svid!.certPem, ...result.x509Svid!.chainPems].join(''),
      key: readFileSync(join(dir, 'svid.key'), 'utf8'),
      jwt: result.jwtSvid!.token,
      spiffeId: result.agent.spiffeId,
    };
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const startForm = () =>
    new URLSearchParams({
      grant_type: GRANT,
      client_id: svid.spiffeId,
      subject_token: svid.jwt,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      resource: 'https://gw.example/mcp',
      scope: 'tool:x/read',
    });

  test('metadata advertises spiffe_x509', async () => {
    const md = await new Promise<Record<string, unknown>>((resolve, reject) => {
      httpsRequest(`${server.url}/.well-known/oauth-authorization-server`, { ca }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(JSON.parse(t) as Record<string, unknown>));
      })
        .on('error', reject)
        .end();
    });
    assert.deepEqual(md.token_endpoint_auth_methods_supported, [
      'none',
      'spiffe_jwt',
      'spiffe_x509',
    ]);
  });

  test('an agent authenticates with its X.509-SVID and starts a task', async () => {
    const r = await post(`${server.url}/oauth/token`, startForm(), {
      ca,
      cert: svid.cert,
      key: svid.key,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.scope, 'tool:x/read');
    // No assertion was spent: the same certificate authenticates again.
    const again = await post(`${server.url}/oauth/token`, startForm(), {
      ca,
      cert: svid.cert,
      key: svid.key,
    });
    assert.equal(again.status, 200);
  });

  test('without a client certificate or assertion the client is refused', async () => {
    const r = await post(`${server.url}/oauth/token`, startForm(), { ca });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
  });

  test("client_id must equal the certificate's SPIFFE ID", async () => {
    const form = startForm();
    form.set('client_id', 'spiffe://mandate.local/agent/someone-else');
    const r = await post(`${server.url}/oauth/token`, form, { ca, cert: svid.cert, key: svid.key });
    assert.equal(r.status, 401);
    assert.match(String(r.body.error_description), /client_id/);
  });

  test('a forged SVID (right SPIFFE ID, not signed by the trust domain CA) is refused', async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'forged.key'),
        '-out',
        join(dir, 'forged.crt'),
        '-days',
        '1',
        '-subj',
        '/O=forger',
        '-addext',
        `subjectAltName=URI:${svid.spiffeId}`,
        '-addext',
        'basicConstraints=critical,CA:FALSE',
      ],
      { stdio: 'ignore' },
    );
    const r = await post(`${server.url}/oauth/token`, startForm(), {
      ca,
      cert: readFileSync(join(dir, 'forged.crt'), 'utf8'),
      key: readFileSync(join(dir, 'forged.key'), 'utf8'),
    });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
    assert.match(String(r.body.error_description), /does not chain/);
  });

  test('a certificate without a SPIFFE ID is refused', async () => {
    const r = await post(`${server.url}/oauth/token`, startForm(), {
      ca,
      cert: ca,
      key: readFileSync(join(dir, 'tls.key'), 'utf8'),
    });
    assert.equal(r.status, 401);
    // openssl req -x509 marks it CA:TRUE: it is refused before the SAN check.
    assert.match(String(r.body.error_description), /not an X.509-SVID|exactly one URI SAN/);
  });

  test('the X.509-SVID renews JWT-SVIDs (POST /v1/svid/jwt)', async () => {
    const r = await post(
      `${server.url}/v1/svid/jwt`,
      new URLSearchParams({ client_id: svid.spiffeId, audience: server.config.issuer }),
      { ca, cert: svid.cert, key: svid.key },
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.spiffe_id, svid.spiffeId);
    assert.equal(typeof (r.body.jwt_svid as { token: string }).token, 'string');
  });
});
