// Issue 7 item 4: Mandate as an SSF receiver (RFC 8935 push) of one identity provider. A CAEP
// session-revoked SET signed by the IdP's key revokes exactly that human's grants (a token
// exchanged from one then fails introspection); bad SETs are refused with RFC 8935 error codes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  adminOk,
  auditEvents,
  exchange,
  isActive,
  lastAuditSeq,
  registerAgent,
  RESOURCE,
  TOKEN_TYPE,
  tokenOk,
  unsignedJwt,
} from '../oauth/helpers.js';
import { CREDENTIAL_CHANGE, SESSION_REVOKED } from './helpers.js';

const IDP = 'https://idp.example.org';

describe('SSF receiver', () => {
  let server: TestServer;
  let idpKey: Key;
  let strangerKey: Key;
  let audience: string;
  const alpha = { name: 'alpha', id: '' };
  let n = 0;

  function set(
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key: Key = idpKey,
  ): Promise<string> {
    const payload: JWTPayload = {
      iss: IDP,
      aud: audience,
      jti: `jti-${++n}`,
      iat: Math.floor(Date.now() / 1000),
      ...claims,
    };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'secevent+jwt', ...header })
      .sign(key);
  }
  const revoked = (human: string, type = SESSION_REVOKED) => ({
    sub_id: { format: 'email', email: human },
    events: {
      [type]: { event_timestamp: Math.floor(Date.now() / 1000), initiating_entity: 'admin' },
    },
  });

  async function push(
    jwt: string,
    contentType = 'application/secevent+jwt',
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${server.url}/v1/ssf/receiver`, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: 'application/json' },
      body: jwt,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }

  async function grant(human: string): Promise<string> {
    return (
      await adminOk<{ id: string }>(server, 'POST', '/v1/grants', {
        human,
        agent: 'alpha',
        scopes: ['tool:search'],
        purpose: 'triage',
        ttl: 600,
      })
    ).id;
  }
  async function status(id: string): Promise<string> {
    const all = await adminOk<unknown>(server, 'GET', '/v1/grants');
    const list = (
      Array.isArray(all) ? all : (all as { grants: { id: string; status: string }[] }).grants
    ) as { id: string; status: string }[];
    return list.find((g) => g.id === id)!.status;
  }

  before(async () => {
    const pair = await generateKeyPair('ES256');
    idpKey = pair.privateKey;
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const jwk: JWK = {
      ...(await exportJWK(pair.publicKey)),
      kid: 'idp-1',
      alg: 'ES256',
      use: 'sig',
    };
    server = await startTestServer({
      flags: { ssfReceiverIssuer: IDP, ssfReceiverJwks: JSON.stringify({ keys: [jwk] }) },
    });
    audience = `${server.url}/v1/ssf/receiver`;
    alpha.id = await registerAgent(server, 'alpha');
  });
  after(() => server.stop());

  it("revokes exactly that human's grants on a CAEP session-revoked, and their tokens die", async () => {
    const alice1 = await grant('alice@example.org');
    const alice2 = await grant('alice@example.org');
    const bob = await grant('bob@example.org');
    const params: [string, string][] = [
      ['subject_token', alice1],
      ['subject_token_type', TOKEN_TYPE.grant],
      ['scope', 'tool:search'],
      ['resource', RESOURCE],
    ];
    const token = tokenOk(await exchange(server, alpha, params)).access_token;
    assert.equal(await isActive(server, token), true);
    const seq = await lastAuditSeq(server);

    const res = await push(await set(revoked('alice@example.org')));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(await status(alice1), 'revoked');
    assert.equal(await status(alice2), 'revoked');
    assert.equal(await status(bob), 'active', "another human's grant is untouched");
    assert.equal(
      await isActive(server, token),
      false,
      'a token exchanged from the grant is refused at introspection',
    );
    const events = await auditEvents(server, seq);
    assert.deepEqual(
      events
        .filter((e) => e.action === 'grant.revoke')
        .map((e) => e.target)
        .sort(),
      [`grant:${alice1}`, `grant:${alice2}`].sort(),
    );
    const received = events.find((e) => e.action === 'ssf.received');
    assert.ok(received);
    assert.equal(received.actor, `ssf:${IDP}`);
    assert.equal(JSON.stringify(received).includes('eyJ'), false, 'the set itself is never logged');

    // credential-change about bob (iss_sub of this issuer would do as well) revokes his.
    assert.equal(
      (
        await push(
          await set({
            sub_id: { format: 'email', email: 'bob@example.org' },
            events: { [CREDENTIAL_CHANGE]: { credential_type: 'password', change_type: 'update' } },
          }),
        )
      ).status,
      202,
    );
    assert.equal(await status(bob), 'revoked');
  });

  it('revokes on an iss_sub subject of the configured issuer only', async () => {
    const carol = await grant('carol');
    assert.equal(
      (
        await push(
          await set({
            sub_id: { format: 'iss_sub', iss: 'https://other.example.org', sub: 'carol' },
            events: { [SESSION_REVOKED]: {} },
          }),
        )
      ).status,
      202,
    );
    assert.equal(await status(carol), 'active');
    assert.equal(
      (
        await push(
          await set({
            sub_id: { format: 'iss_sub', iss: IDP, sub: 'carol' },
            events: { [SESSION_REVOKED]: {} },
          }),
        )
      ).status,
      202,
    );
    assert.equal(await status(carol), 'revoked');
  });

  it('refuses bad SETs with the RFC 8935 error codes, and revokes nothing', async () => {
    const dave = await grant('dave@example.org');
    const body = revoked('dave@example.org');
    const cases: [string, Promise<string> | string, string][] = [
      ['wrong issuer', set({ ...body, iss: 'https://evil.example.org' }), 'invalid_issuer'],
      [
        'wrong audience',
        set({ ...body, aud: 'https://someone-else.example.org' }),
        'invalid_audience',
      ],
      ['another key', set(body, {}, strangerKey), 'invalid_key'],
      ['typ JWT', set(body, { typ: 'JWT' }), 'invalid_request'],
      [
        'alg none',
        unsignedJwt(
          { alg: 'none', typ: 'secevent+jwt' },
          { iss: IDP, aud: audience, jti: 'none-1', iat: Math.floor(Date.now() / 1000), ...body },
        ),
        'invalid_request',
      ],
      ['too old', set({ ...body, iat: Math.floor(Date.now() / 1000) - 3600 }), 'invalid_request'],
      ['no events', set({ sub_id: body.sub_id }), 'invalid_request'],
      ['not a jwt', 'hello', 'invalid_request'],
    ];
    for (const [why, jwt, err] of cases) {
      const res = await push(await jwt);
      assert.equal(res.status, 400, why);
      assert.equal(res.body.err, err, why);
      assert.equal(typeof res.body.description, 'string', why);
    }
    assert.equal((await push(await set(body), 'application/json')).status, 400);
    assert.equal(await status(dave), 'active');
    // A replayed jti is refused.
    const once = await set({ ...body, jti: 'replay-me' });
    const ericGrant = await grant('eric@example.org');
    assert.equal((await push(once)).status, 202);
    assert.equal(await status(dave), 'revoked');
    const again = await push(once);
    assert.equal(again.status, 400);
    assert.equal(again.body.err, 'invalid_request');
    assert.equal(await status(ericGrant), 'active');
  });
});
