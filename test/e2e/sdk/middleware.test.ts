// The SDK's tool-server side end to end: real Fastify, Express 5 and Hono servers on loopback,
// each behind its Mandate middleware (verifyRequest), called with real task tokens from a real
// Mandate: bearer and DPoP-bound tokens, expiry, audience, revocation by ending the task, and the
// RFC 9449 proof checks (replay, htu, htm, ath, alg none, key binding, nonces). One shared suite
// runs against every framework, so they all behave alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RotatingDpopNonces } from '../../../src/sdk/index.js';
import type { MandateAgent, TaskToken } from '../../../src/sdk/agent.js';
import { TokenVerifier, type Principal } from '../../../src/sdk/index.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, introspect, spiffeIdOf } from '../helpers/agents.js';
import {
  athOf,
  FRAMEWORKS,
  newDpopKey,
  proofFor,
  rawRequest,
  listenLoopback,
  type Json,
  type TestDpopKey,
  type ToolServer,
} from './helpers.js';

const READ = 'tool:crm/read';
const ADMIN = 'tool:crm/admin';
const DAY_MS = 24 * 3600 * 1000;
const ALGS = 'ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519';

interface Reply {
  status: number;
  challenge: string;
  nonce: string | null;
  body: Json;
}

async function reply(res: Response): Promise<Reply> {
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate') ?? '',
    nonce: res.headers.get('dpop-nonce'),
    body: (await res.json()) as Json,
  };
}

function call(url: string, headers: Record<string, string>, method = 'GET'): Promise<Reply> {
  return fetch(url, { method, headers }).then(reply);
}

function refused(r: Reply, status: number, error: string, description: RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error, error, JSON.stringify(r.body));
  assert.match(String(r.body.error_description), description);
  if (error !== 'missing_token' && status !== 400)
    assert.match(r.challenge, new RegExp(`error="${error}"`), r.challenge);
}

describe('tool-server middleware with real task tokens', () => {
  let mandate: TestServer;
  let alpha: MandateAgent;
  let beta: MandateAgent;
  let delta: MandateAgent;
  let key: TestDpopKey;

  before(async () => {
    mandate = await startTestServer();
    alpha = await attestedAgent(mandate, 'alpha', [READ]);
    beta = await attestedAgent(mandate, 'beta', [READ]);
    delta = await attestedAgent(mandate, 'delta', [READ], { dpop: true });
    await mandate.admin.addTrustRule({
      from: spiffeIdOf(mandate, 'alpha'),
      to: spiffeIdOf(mandate, 'beta'),
      max_depth: 2,
    });
    key = await newDpopKey();
  });
  after(() => mandate.stop());

  for (const [name, start] of Object.entries(FRAMEWORKS)) {
    describe(name, () => {
      let server: ToolServer;
      let origin: string;
      let bearer: TaskToken;
      let dpop: TaskToken;
      /** Delegated from alpha to beta, bound to `key` (which the tests sign proofs with). */
      let bound: TaskToken;
      let echo: string;

      before(async () => {
        // Listening first (port 0): the origin is the tokens' audience, which the verifiers need.
        const listener = await listenLoopback();
        origin = listener.origin;
        const jwksUri = `${mandate.url}/.well-known/jwks.json`;
        // Revocation through RFC 7662 introspection on every use: the hook sees the token itself.
        const revocation = async (p: Principal) =>
          (await introspect(mandate, p.token)).active === true ? null : 'inactive at the issuer';
        const verifier = new TokenVerifier({
          issuer: mandate.config.issuer,
          audience: origin,
          jwksUri,
          revocation,
        });
        const late = new TokenVerifier({
          issuer: mandate.config.issuer,
          audience: origin,
          jwksUri,
          now: () => Date.now() + DAY_MS,
        });
        server = await start(listener, {
          '/tools': {
            verifier,
            realm: 'tools',
            resourceMetadata: `${origin}/.well-known/oauth-protected-resource`,
          },
          '/late': { verifier: late },
          '/admin': { verifier, requiredScopes: [READ, ADMIN] },
          '/nonce': { verifier, nonce: new RotatingDpopNonces() },
          '/strict': { verifier, requireDpop: true },
        });
        echo = `${server.url}/tools/echo`;
        bearer = await alpha.startTask({
          resource: origin,
          scope: [READ],
          purpose: `${name} bearer`,
        });
        dpop = await delta.startTask({ resource: origin, scope: [READ], purpose: `${name} dpop` });
        const parent = await alpha.startTask({
          resource: origin,
          scope: [READ],
          purpose: `${name} delegated`,
        });
        bound = await alpha.delegate(parent, {
          delegateSvid: await beta.delegationSvidFor(alpha.spiffeId!),
          dpopJkt: key.jkt,
        });
      });
      after(() => server.close());

      test('a bearer token passes: the principal and the chain reach the handler', async () => {
        const r = await call(echo, { authorization: `Bearer ${bearer.accessToken}` });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.actor, alpha.spiffeId);
        assert.deepEqual(r.body.chain, [alpha.spiffeId]);
        assert.equal(r.body.scheme, 'Bearer');
        assert.equal(r.body.dpop_jkt, null);
        assert.equal(r.body.task_id, bearer.taskId);
        // The scheme name is case-insensitive (RFC 7235 §2.1), and the agent's taskFetch sends the same.
        assert.equal(
          (await call(echo, { authorization: `bearer ${bearer.accessToken}` })).status,
          200,
        );
        assert.equal((await alpha.taskFetch(bearer)(echo)).status, 200);
      });

      test('no credentials: 401 with both challenges, realm and resource_metadata, and no error code', async () => {
        const r = await call(echo, {});
        refused(r, 401, 'missing_token', /no access token/);
        const meta = `resource_metadata="${origin}/.well-known/oauth-protected-resource"`;
        assert.equal(
          r.challenge,
          `Bearer realm="tools", ${meta}, DPoP realm="tools", ${meta}, algs="${ALGS}"`,
        );
        refused(
          await call(echo, { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' }),
          401,
          'missing_token',
          /neither bearer nor dpop/,
        );
      });

      test('malformed or repeated Authorization headers: 400 invalid_request', async () => {
        refused(
          await call(echo, { authorization: 'Bearer' }),
          400,
          'invalid_request',
          /not `Bearer <token>`/,
        );
        refused(
          await call(echo, { authorization: 'Bearer a b' }),
          400,
          'invalid_request',
          /not `Bearer <token>`/,
        );
        const twice = await rawRequest(echo, {
          headers: {
            authorization: [`Bearer ${bearer.accessToken}`, `Bearer ${bearer.accessToken}`],
          },
        });
        assert.equal(twice.status, 400, JSON.stringify(twice.body));
        assert.equal(twice.body.error, 'invalid_request');
        assert.match(String(twice.body.error_description), /more than one authorization header/);
      });

      test('an expired token: 401 invalid_token, and the token is never echoed', async () => {
        const res = await fetch(`${server.url}/late/echo`, {
          headers: { authorization: `Bearer ${bearer.accessToken}` },
        });
        const text = await res.text();
        assert.ok(
          !text.includes(bearer.accessToken) &&
            !(res.headers.get('www-authenticate') ?? '').includes(bearer.accessToken),
        );
        const body = JSON.parse(text) as Json;
        assert.equal(res.status, 401);
        assert.equal(body.error, 'invalid_token');
        assert.match(String(body.error_description), /expired/);
        assert.match(
          res.headers.get('www-authenticate') ?? '',
          /^Bearer error="invalid_token", error_description="the token has expired", DPoP algs=/,
        );
      });

      test('a token for another audience: 401 invalid_token', async () => {
        const other = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
        refused(
          await call(echo, { authorization: `Bearer ${other.accessToken}` }),
          401,
          'invalid_token',
          /audience/,
        );
      });

      test('a revoked token: ending the task turns the next call away', async () => {
        const task = await alpha.startTask({ resource: origin, scope: [READ] });
        assert.equal(
          (await call(echo, { authorization: `Bearer ${task.accessToken}` })).status,
          200,
        );
        await alpha.endTask(task);
        refused(
          await call(echo, { authorization: `Bearer ${task.accessToken}` }),
          401,
          'invalid_token',
          /revoked/,
        );
      });

      test("a DPoP-bound token through the agent's taskFetch: a fresh proof per request", async () => {
        const send = delta.taskFetch(dpop);
        for (const method of ['GET', 'POST']) {
          const r = await reply(
            await send(`${echo}?q=1`, {
              method,
              ...(method === 'POST'
                ? { body: '{}', headers: { 'content-type': 'application/json' } }
                : {}),
            }),
          );
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.equal(r.body.scheme, 'DPoP');
          assert.equal(r.body.dpop_jkt, await delta.dpopJkt());
          assert.equal(r.body.actor, delta.spiffeId);
        }
      });

      test('a delegated token bound to a key: chain current actor first, proofs signed by that key pass', async () => {
        const r = await call(echo, {
          authorization: `DPoP ${bound.accessToken}`,
          dpop: await proofFor(key, 'GET', echo, bound.accessToken),
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.deepEqual(r.body.chain, [beta.spiffeId, alpha.spiffeId]);
        assert.equal(r.body.dpop_jkt, key.jkt);
        // htu ignores the query and normalizes scheme and host case and the default path (RFC 9449 §4.3).
        const upper = echo.replace('http://127.0.0.1', 'HTTP://127.0.0.1');
        assert.equal(
          (
            await call(`${echo}?page=2`, {
              authorization: `DPoP ${bound.accessToken}`,
              dpop: await proofFor(key, 'GET', upper, bound.accessToken),
            })
          ).status,
          200,
        );
      });

      test('a DPoP-bound token sent as Bearer: 401 invalid_token in the Bearer challenge', async () => {
        const r = await call(echo, { authorization: `Bearer ${dpop.accessToken}` });
        refused(r, 401, 'invalid_token', /dpop-bound/);
        assert.match(
          r.challenge,
          /^Bearer realm="tools", resource_metadata="[^"]+", error="invalid_token"/,
        );
        const withProof = await call(echo, {
          authorization: `Bearer ${bound.accessToken}`,
          dpop: await proofFor(key, 'GET', echo, bound.accessToken),
        });
        refused(withProof, 401, 'invalid_token', /dpop-bound/);
      });

      test('an unbound token sent with the DPoP scheme: 401 invalid_token in the DPoP challenge', async () => {
        const r = await call(echo, {
          authorization: `DPoP ${bearer.accessToken}`,
          dpop: await proofFor(key, 'GET', echo, bearer.accessToken),
        });
        refused(r, 401, 'invalid_token', /not dpop-bound/);
        assert.match(
          r.challenge,
          /DPoP realm="tools", resource_metadata="[^"]+", error="invalid_token"/,
        );
        assert.doesNotMatch(r.challenge, /^Bearer[^,]*error=/);
      });

      test('a replayed proof is refused', async () => {
        const proof = await proofFor(key, 'GET', echo, bound.accessToken);
        const headers = { authorization: `DPoP ${bound.accessToken}`, dpop: proof };
        assert.equal((await call(echo, headers)).status, 200);
        refused(await call(echo, headers), 401, 'invalid_dpop_proof', /`jti` was already used/);
      });

      test('a proof for another URL or another method is refused', async () => {
        const auth = `DPoP ${bound.accessToken}`;
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'GET', `${server.url}/tools/other`, bound.accessToken),
          }),
          401,
          'invalid_dpop_proof',
          /`htu`/,
        );
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(
              key,
              'GET',
              echo.replace('127.0.0.1', 'evil.example'),
              bound.accessToken,
            ),
          }),
          401,
          'invalid_dpop_proof',
          /`htu`/,
        );
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'POST', echo, bound.accessToken),
          }),
          401,
          'invalid_dpop_proof',
          /`htm` `POST` does not match the request method `GET`/,
        );
      });

      test('a proof whose ath is for another token, or missing, is refused', async () => {
        const auth = `DPoP ${bound.accessToken}`;
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'GET', echo, bound.accessToken, {
              claims: { ath: athOf(bearer.accessToken) },
            }),
          }),
          401,
          'invalid_dpop_proof',
          /`ath` does not match/,
        );
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'GET', echo, bound.accessToken, {
              claims: { ath: undefined },
            }),
          }),
          401,
          'invalid_dpop_proof',
          /no `ath`/,
        );
      });

      test('alg none, a wrong typ, a private jwk, another key: refused', async () => {
        const auth = `DPoP ${bound.accessToken}`;
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'GET', echo, bound.accessToken, { header: { alg: 'none' } }),
          }),
          401,
          'invalid_dpop_proof',
          /`alg` `none` is not allowed/,
        );
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'GET', echo, bound.accessToken, { header: { typ: 'JWT' } }),
          }),
          401,
          'invalid_dpop_proof',
          /`typ` must be `dpop\+jwt`/,
        );
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'GET', echo, bound.accessToken, {
              header: { jwk: { ...key.jwk, d: 'AAAA' } },
            }),
          }),
          401,
          'invalid_dpop_proof',
          /private member `d`/,
        );
        const other = await newDpopKey();
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(other, 'GET', echo, bound.accessToken),
          }),
          401,
          'invalid_dpop_proof',
          /does not match the key the token is bound to/,
        );
        // The header names one key and the signature is another's.
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(other, 'GET', echo, bound.accessToken, {
              header: { jwk: key.jwk },
            }),
          }),
          401,
          'invalid_dpop_proof',
          /signature is invalid/,
        );
      });

      test('a stale or future proof is refused', async () => {
        const auth = `DPoP ${bound.accessToken}`;
        const now = Math.floor(Date.now() / 1000);
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'GET', echo, bound.accessToken, {
              claims: { iat: now - 3600 },
            }),
          }),
          401,
          'invalid_dpop_proof',
          /too old/,
        );
        refused(
          await call(echo, {
            authorization: auth,
            dpop: await proofFor(key, 'GET', echo, bound.accessToken, {
              claims: { iat: now + 3600 },
            }),
          }),
          401,
          'invalid_dpop_proof',
          /in the future/,
        );
      });

      test('a missing or repeated DPoP header is refused', async () => {
        refused(
          await call(echo, { authorization: `DPoP ${bound.accessToken}` }),
          401,
          'invalid_dpop_proof',
          /no dpop proof was sent/,
        );
        const p1 = await proofFor(key, 'GET', echo, bound.accessToken);
        const p2 = await proofFor(key, 'GET', echo, bound.accessToken);
        const twice = await rawRequest(echo, {
          headers: { authorization: `DPoP ${bound.accessToken}`, dpop: [p1, p2] },
        });
        assert.equal(twice.status, 401);
        assert.equal(twice.body.error, 'invalid_dpop_proof');
        assert.match(String(twice.body.error_description), /more than one dpop header/);
      });

      test('a token without a required scope: 403 insufficient_scope naming the scopes', async () => {
        const r = await call(`${server.url}/admin/echo`, {
          authorization: `Bearer ${bearer.accessToken}`,
        });
        refused(r, 403, 'insufficient_scope', /`tool:crm\/admin`/);
        assert.match(
          r.challenge,
          new RegExp(
            `^Bearer error="insufficient_scope", error_description="[^"]+", scope="${READ} ${ADMIN}", DPoP algs=`,
          ),
        );
      });

      test('a resource that demands nonces: use_dpop_nonce with DPoP-Nonce, and taskFetch retries once', async () => {
        const url = `${server.url}/nonce/echo`;
        const first = await call(url, {
          authorization: `DPoP ${bound.accessToken}`,
          dpop: await proofFor(key, 'GET', url, bound.accessToken),
        });
        refused(first, 401, 'use_dpop_nonce', /nonce/);
        assert.ok(first.nonce, 'a DPoP-Nonce header');
        assert.match(first.challenge, /DPoP error="use_dpop_nonce"/);
        const withNonce = await call(url, {
          authorization: `DPoP ${bound.accessToken}`,
          dpop: await proofFor(key, 'GET', url, bound.accessToken, {
            claims: { nonce: first.nonce },
          }),
        });
        assert.equal(withNonce.status, 200, JSON.stringify(withNonce.body));
        refused(
          await call(url, {
            authorization: `DPoP ${bound.accessToken}`,
            dpop: await proofFor(key, 'GET', url, bound.accessToken, {
              claims: { nonce: 'made-up' },
            }),
          }),
          401,
          'use_dpop_nonce',
          /nonce/,
        );

        const seen: number[] = [];
        const counting: typeof fetch = async (input, init) => {
          const res = await fetch(input, init);
          seen.push(res.status);
          return res;
        };
        const send = delta.taskFetch(dpop, { fetch: counting });
        assert.equal((await send(url)).status, 200);
        assert.deepEqual(seen, [401, 200], 'one retry with the nonce');
        assert.equal((await send(url, { method: 'POST', body: 'x' })).status, 200);
        assert.deepEqual(seen, [401, 200, 200], 'the nonce is remembered');
      });

      test('a resource that requires DPoP: Bearer is refused with only a DPoP challenge', async () => {
        const url = `${server.url}/strict/echo`;
        const r = await call(url, { authorization: `Bearer ${bearer.accessToken}` });
        refused(r, 401, 'invalid_token', /only dpop-bound tokens/);
        assert.match(r.challenge, /^DPoP error="invalid_token", error_description="[^"]+", algs="/);
        const proofed = await call(url, {
          authorization: `DPoP ${bound.accessToken}`,
          dpop: await proofFor(key, 'GET', url, bound.accessToken),
        });
        assert.equal(proofed.status, 200, JSON.stringify(proofed.body));
      });
    });
  }
});
