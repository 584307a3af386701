import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  ACCESS_TOKEN_TYPE,
  JWT_TYPE,
  clientAuth,
  registerToolAgent,
  startTask,
  svid,
  tokenRequest,
  TOKEN_EXCHANGE,
} from './helpers.js';

let a: TestServer;
let b: TestServer;
before(async () => {
  a = await startTestServer({ flags: { trustDomain: 'a.example' } });
  b = await startTestServer({ flags: { trustDomain: 'b.example' } });
});
after(async () => {
  await a?.stop();
  await b?.stop();
});

async function delegateToB(
  parent: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await tokenRequest(a, {
    grant_type: TOKEN_EXCHANGE,
    ...clientAuth(await svid(a, 'a1', a.config.issuer)),
    subject_token: parent,
    subject_token_type: ACCESS_TOKEN_TYPE,
    // b1's SVID names a1, the delegator, besides A's issuer.
    actor_token: await svid(b, 'b1', [a.config.issuer, 'spiffe://a.example/agent/a1']),
    actor_token_type: JWT_TYPE,
  });
  return { status: answer.status, body: answer.body as Record<string, unknown> };
}

test('ending federation with a trust domain refuses its SVIDs from then on', async () => {
  await registerToolAgent(a, 'a1');
  await registerToolAgent(b, 'b1');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${a.adminToken}` };
  await fetch(`${a.url}/v1/federation`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      trust_domain: 'b.example',
      bundle_endpoint: `${b.url}/.well-known/spiffe-bundle`,
    }),
  });
  await fetch(`${a.url}/v1/trust-rules`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      from: 'spiffe://a.example/agent/a1',
      to: 'spiffe://b.example/agent/*',
      cross_domain: true,
    }),
  });
  const parent = await startTask(a, 'a1', 'tool:search/query');
  assert.equal((await delegateToB(parent)).status, 200);

  const del = await fetch(`${a.url}/v1/federation/b.example`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${a.adminToken}` },
  });
  assert.equal(del.status, 204);
  const refused = await delegateToB(parent);
  assert.equal(refused.status, 400);
  assert.match(String(refused.body.error_description), /b\.example.*not trusted/);
  const again = await fetch(`${a.url}/v1/federation/b.example`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${a.adminToken}` },
  });
  assert.equal(again.status, 404);
});
