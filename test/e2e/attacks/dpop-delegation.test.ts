// OWASP Agentic Top 10 2026: ASI03 Identity and Privilege Abuse, ASI07 Insecure Inter-Agent
// Communication. A DPoP-bound task token (RFC 9449) is a credential only together with its key;
// delegation must not turn it into a Bearer token that anyone holding the string can replay.
// Every combination of caller, proof key and `dpop_jkt` is tried against a bound parent over
// plain HTTP with proofs signed by jose: either the exchange is refused, or the child is bound
// and the caller proved the parent's key.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type GenerateKeyPairResult,
} from 'jose';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  claimsOf,
  delegateParams,
  dpopProof,
  exchange,
  registerAgent,
  RESOURCE,
  svid,
  TOKEN_TYPE,
  tokenOk,
  type HttpResult,
} from '../oauth/helpers.js';

type Agent = { name: string; id: string };
type ProofKey = 'none' | 'parent' | 'other';

async function jkt(key: GenerateKeyPairResult): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(key.publicKey));
}

describe('ASI03/ASI07 attack: dpop binding through delegation', () => {
  let server: TestServer;
  let tokenUrl: string;
  let alpha: Agent;
  let beta: Agent;
  let gamma: Agent;
  let alphaKey: GenerateKeyPairResult;
  let betaKey: GenerateKeyPairResult;
  let gammaKey: GenerateKeyPairResult;
  let boundRoot: string;

  before(async () => {
    server = await startTestServer();
    tokenUrl = `${server.config.issuer}/oauth/token`;
    alpha = { name: 'alpha', id: await registerAgent(server, 'alpha') };
    beta = { name: 'beta', id: await registerAgent(server, 'beta') };
    gamma = { name: 'gamma', id: await registerAgent(server, 'gamma') };
    await addTrustRule(server, alpha.id, beta.id);
    await addTrustRule(server, beta.id, gamma.id);
    [alphaKey, betaKey, gammaKey] = await Promise.all([
      generateKeyPair('ES256'),
      generateKeyPair('ES256'),
      generateKeyPair('ES256'),
    ]);
    const start = [
      ['subject_token', await svid(server, 'alpha')],
      ['subject_token_type', TOKEN_TYPE.jwt],
      ['resource', RESOURCE],
      ['scope', 'tool:search tool:fetch'],
    ] as [string, string][];
    boundRoot = tokenOk(
      await exchange(server, alpha, start, { dpop: await dpopProof(alphaKey, tokenUrl) }),
    ).access_token;
    assert.deepEqual(claimsOf(boundRoot).cnf, { jkt: await jkt(alphaKey) });
  });
  after(() => server.stop());

  async function tryDelegation(
    parent: string,
    parentKey: GenerateKeyPairResult,
    caller: Agent,
    delegate: Agent,
    proof: ProofKey,
    namedKey: GenerateKeyPairResult | null,
  ): Promise<HttpResult> {
    const key = proof === 'parent' ? parentKey : proof === 'other' ? betaKey : null;
    const params = await delegateParams(
      server,
      parent,
      delegate.name,
      namedKey ? [['dpop_jkt', await jkt(namedKey)]] : [],
    );
    return exchange(server, caller, params, key ? { dpop: await dpopProof(key, tokenUrl) } : {});
  }

  it('a bound parent is never exchanged for an unbound child, whoever asks and whatever they prove', async () => {
    for (const caller of ['holder', 'delegate'] as const) {
      for (const proof of ['none', 'parent', 'other'] as const) {
        for (const named of [false, true]) {
          const label = `caller=${caller} proof=${proof} dpop_jkt=${String(named)}`;
          const res = await tryDelegation(
            boundRoot,
            alphaKey,
            caller === 'holder' ? alpha : beta,
            beta,
            proof,
            named ? betaKey : null,
          );
          if (caller === 'holder' && proof === 'parent' && named) {
            const child = tokenOk(res);
            assert.equal(child.token_type, 'DPoP', label);
            assert.deepEqual(claimsOf(child.access_token).cnf, { jkt: await jkt(betaKey) }, label);
            continue;
          }
          assert.equal(res.status, 400, `${label}: ${res.text}`);
          assert.equal(res.body.error, 'invalid_dpop_proof', `${label}: ${res.text}`);
        }
      }
    }
  });

  it('the delegate of a bound token cannot ask for itself, even with its own proof', async () => {
    const res = await tryDelegation(boundRoot, alphaKey, beta, beta, 'other', null);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error, 'invalid_dpop_proof');
    assert.match(String(res.body.error_description), /only its holder may delegate it/);
  });

  it('the binding holds down the chain: a bound child is delegated only with its own key and stays bound', async () => {
    const child = tokenOk(
      await tryDelegation(boundRoot, alphaKey, alpha, beta, 'parent', betaKey),
    ).access_token;
    const withoutJkt = await tryDelegation(child, betaKey, beta, gamma, 'parent', null);
    assert.equal(withoutJkt.body.error, 'invalid_dpop_proof', withoutJkt.text);
    const withAlphaKey = await tryDelegation(child, alphaKey, beta, gamma, 'parent', gammaKey);
    assert.equal(
      withAlphaKey.body.error,
      'invalid_dpop_proof',
      "the grandparent's key is not the child's",
    );
    const grandchild = tokenOk(
      await tryDelegation(child, betaKey, beta, gamma, 'parent', gammaKey),
    );
    assert.deepEqual(claimsOf(grandchild.access_token).cnf, { jkt: await jkt(gammaKey) });
  });

  it('an unbound parent still delegates as before: bound when the delegate proves a key or the holder names one', async () => {
    const start = [
      ['subject_token', await svid(server, 'alpha')],
      ['subject_token_type', TOKEN_TYPE.jwt],
      ['resource', RESOURCE],
      ['scope', 'tool:search'],
    ] as [string, string][];
    const plain = tokenOk(await exchange(server, alpha, start)).access_token;
    const bearer = tokenOk(await tryDelegation(plain, alphaKey, alpha, beta, 'none', null));
    assert.equal(bearer.token_type, 'Bearer');
    const named = tokenOk(await tryDelegation(plain, alphaKey, alpha, beta, 'none', betaKey));
    assert.deepEqual(claimsOf(named.access_token).cnf, { jkt: await jkt(betaKey) });
    const self = tokenOk(await tryDelegation(plain, alphaKey, beta, beta, 'other', null));
    assert.deepEqual(claimsOf(self.access_token).cnf, { jkt: await jkt(betaKey) });
  });

  it("`dpop_jkt` binds only a holder's delegation: elsewhere it is refused, never silently dropped", async () => {
    const start = [
      ['subject_token', await svid(server, 'alpha')],
      ['subject_token_type', TOKEN_TYPE.jwt],
      ['resource', RESOURCE],
      ['scope', 'tool:search'],
      ['dpop_jkt', await jkt(alphaKey)],
    ] as [string, string][];
    const root = await exchange(server, alpha, start);
    assert.equal(root.status, 400, root.text);
    assert.equal(root.body.error, 'invalid_request');
    const plainStart = [
      ['subject_token', await svid(server, 'alpha')],
      ['subject_token_type', TOKEN_TYPE.jwt],
      ['resource', RESOURCE],
      ['scope', 'tool:search'],
    ] as [string, string][];
    const plain = tokenOk(await exchange(server, alpha, plainStart)).access_token;
    const byDelegate = await tryDelegation(plain, alphaKey, beta, beta, 'none', gammaKey);
    assert.equal(byDelegate.status, 400, byDelegate.text);
    assert.equal(byDelegate.body.error, 'invalid_request');
  });
});

describe('ASI03 attack: a server that demands DPoP nonces demands them at every endpoint that takes a bound token', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ flags: { dpopNonce: true } });
  });
  after(() => server.stop());

  it('task end refuses a proof without the server nonce (use_dpop_nonce), then takes one with it', async () => {
    const alpha = { name: 'alpha', id: await registerAgent(server, 'alpha') };
    const key = await generateKeyPair('ES256');
    const tokenUrl = `${server.config.issuer}/oauth/token`;
    const start = async () =>
      [
        ['subject_token', await svid(server, 'alpha')],
        ['subject_token_type', TOKEN_TYPE.jwt],
        ['resource', RESOURCE],
        ['scope', 'tool:search'],
      ] as [string, string][];
    const first = await exchange(server, alpha, await start(), {
      dpop: await dpopProof(key, tokenUrl),
    });
    assert.equal(first.body.error, 'use_dpop_nonce', first.text);
    const nonce = first.headers.get('dpop-nonce')!;
    const task = tokenOk(
      await exchange(server, alpha, await start(), {
        dpop: await dpopProof(key, tokenUrl, { nonce }),
      }),
    );
    const endUrl = `${server.config.issuer}/v1/tasks/${task.task_id}/end`;
    const ath = createHash('sha256').update(task.access_token).digest('base64url');
    const end = async (claims: Record<string, unknown>) =>
      fetch(endUrl, {
        method: 'POST',
        headers: {
          authorization: `DPoP ${task.access_token}`,
          dpop: await dpopProof(key, endUrl, { ath, ...claims }),
        },
      });
    const withoutNonce = await end({});
    assert.equal(withoutNonce.status, 401, await withoutNonce.clone().text());
    assert.equal(((await withoutNonce.json()) as { error?: string }).error, 'use_dpop_nonce');
    assert.match(
      withoutNonce.headers.get('www-authenticate') ?? '',
      /DPoP .*error="use_dpop_nonce"/,
    );
    const fresh = withoutNonce.headers.get('dpop-nonce');
    assert.ok(fresh, 'the refusal carries a DPoP-Nonce header');
    const ended = await end({ nonce: fresh });
    assert.equal(ended.status, 200, await ended.text());
  });
});
