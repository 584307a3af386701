// verifyRequest and its parts with a controlled clock: tokens signed here with jose and verified by
// a real TokenVerifier over a local JWKS; proofs of every allowed algorithm;
// the replay cache's bounds (full of live proofs → the request fails closed); nonce rotation.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { RotatingDpopNonces } from '../protocol/dpop/nonce.js';
import { DpopReplayCache } from '../protocol/dpop/replay-cache.js';
import { RequestVerificationError } from '../protocol/errors.js';
import { TokenVerifier } from '../protocol/token-verifier.js';
import {
  resolveVerifyOptions,
  verifyRequest,
  type VerifyRequestOptions,
} from './verify-request.js';

const ISSUER = 'https://mandate.example.org';
const AUDIENCE = 'https://tools.example.org';
const URL_ = 'https://tools.example.org/mcp';
const T0 = Date.UTC(2030, 0, 1);

const signing = await generateKeyPair('ES256');
const signingJwk = { ...(await exportJWK(signing.publicKey)), kid: 'k1', alg: 'ES256' };

interface Clock {
  now: number;
}

function verifierAt(clock: Clock): TokenVerifier {
  return new TokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: createLocalJWKSet({ keys: [signingJwk] }),
    now: () => clock.now,
  });
}

async function token(clock: Clock, extra: Record<string, unknown> = {}): Promise<string> {
  const iat = Math.floor(clock.now / 1000);
  return new SignJWT({
    client_id: 'spiffe://td/agent/a',
    task_id: 'task-1',
    depth: 0,
    ancestors: [],
    scope: 'tool:a/read',
    ...extra,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('spiffe://td/agent/a')
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(signing.privateKey);
}

interface ProofKey {
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function proofKey(alg: string): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

async function proof(
  key: ProofKey,
  clock: Clock,
  at: string,
  claims: Record<string, unknown> = {},
  method = 'POST',
): Promise<string> {
  const ath = createHash('sha256').update(at).digest('base64url');
  return new SignJWT({
    jti: randomUUID(),
    htm: method,
    htu: URL_,
    ath,
    iat: Math.floor(clock.now / 1000),
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk })
    .sign(key.privateKey);
}

async function refusal(promise: Promise<unknown>): Promise<RequestVerificationError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(
      err instanceof RequestVerificationError,
      `expected a RequestVerificationError, got ${String(err)}`,
    );
    return err;
  }
  assert.fail('expected a refusal');
}

const es256 = await proofKey('ES256');

describe('verifyRequest: credentials', () => {
  test('headers as a record (any case) or a Headers; duplicates in either form are refused', async () => {
    const clock = { now: T0 };
    const verifier = verifierAt(clock);
    const at = await token(clock);
    for (const headers of [
      { Authorization: `Bearer ${at}` },
      { authorization: [`Bearer ${at}`] },
      new Headers({ authorization: `Bearer ${at}` }),
    ]) {
      const ctx = await verifyRequest({ method: 'GET', url: URL_, headers }, verifier);
      assert.equal(ctx.principal.subject, 'spiffe://td/agent/a');
      assert.deepEqual(ctx.chain, ['spiffe://td/agent/a']);
    }
    const joined = new Headers();
    joined.append('authorization', `Bearer ${at}`);
    joined.append('authorization', `Bearer ${at}`);
    for (const headers of [
      joined,
      { authorization: [`Bearer ${at}`, `Bearer ${at}`] },
      { authorization: `Bearer ${at}`, AUTHORIZATION: `Bearer ${at}` },
    ]) {
      const err = await refusal(verifyRequest({ method: 'GET', url: URL_, headers }, verifier));
      assert.equal(err.code, 'invalid_request');
      assert.equal(err.status, 400);
      assert.match(err.message, /more than one authorization header/);
    }
  });

  test('a token that does not verify is invalid_token, and the message never holds the token', async () => {
    const clock = { now: T0 };
    const at = await token(clock);
    const err = await refusal(
      verifyRequest(
        { method: 'GET', url: URL_, headers: { authorization: `Bearer ${at}x` } },
        verifierAt(clock),
      ),
    );
    assert.equal(err.code, 'invalid_token');
    assert.ok(!err.message.includes(at) && !err.wwwAuthenticate.includes(at));
    const late = await refusal(
      verifyRequest(
        { method: 'GET', url: URL_, headers: { authorization: `Bearer ${at}` } },
        verifierAt({ now: T0 + 3600_000 }),
      ),
    );
    assert.match(late.message, /expired/);
  });
});

describe('verifyRequest: DPoP proofs', () => {
  for (const alg of ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA', 'Ed25519']) {
    test(`a ${alg} proof for a token bound to its key passes`, async () => {
      const clock = { now: T0 };
      const key = alg === 'ES256' ? es256 : await proofKey(alg);
      const at = await token(clock, { cnf: { jkt: key.jkt } });
      const ctx = await verifyRequest(
        {
          method: 'post',
          url: URL_,
          headers: { authorization: `DPoP ${at}`, dpop: await proof(key, clock, at) },
        },
        verifierAt(clock),
        { now: () => clock.now },
      );
      assert.equal(ctx.scheme, 'DPoP');
      assert.equal(ctx.dpopJkt, key.jkt);
    });
  }

  test('an algorithm left off `dpopAlgorithms` is refused, and the challenge lists the accepted ones', async () => {
    const clock = { now: T0 };
    const key = await proofKey('PS256');
    const at = await token(clock, { cnf: { jkt: key.jkt } });
    const err = await refusal(
      verifyRequest(
        {
          method: 'POST',
          url: URL_,
          headers: { authorization: `DPoP ${at}`, dpop: await proof(key, clock, at) },
        },
        verifierAt(clock),
        { dpopAlgorithms: ['ES256'], now: () => clock.now },
      ),
    );
    assert.equal(err.code, 'invalid_dpop_proof');
    assert.equal(
      err.wwwAuthenticate,
      'Bearer, DPoP error="invalid_dpop_proof", error_description="dpop proof `alg` `PS256` is not allowed", algs="ES256"',
    );
  });

  test('the iat window is maxAge back and skew ahead, both inclusive', async () => {
    const clock = { now: T0 };
    const verifier = verifierAt(clock);
    const at = await token(clock, { cnf: { jkt: es256.jkt } });
    const opts: VerifyRequestOptions = {
      proofMaxAgeSeconds: 30,
      clockSkewSeconds: 2,
      now: () => clock.now,
      replayCache: new DpopReplayCache({ now: () => clock.now }),
    };
    const send = async (iatOffset: number) =>
      verifyRequest(
        {
          method: 'POST',
          url: URL_,
          headers: {
            authorization: `DPoP ${at}`,
            dpop: await proof(es256, clock, at, { iat: Math.floor(clock.now / 1000) + iatOffset }),
          },
        },
        verifier,
        opts,
      );
    await send(-30);
    await send(2);
    assert.match((await refusal(send(-31))).message, /too old/);
    assert.match((await refusal(send(3))).message, /in the future/);
  });

  test('a replay is refused until the proof could no longer pass its iat check, then the key is forgotten', async () => {
    const clock = { now: T0 };
    const cache = new DpopReplayCache({ now: () => clock.now });
    const opts: VerifyRequestOptions = {
      replayCache: cache,
      now: () => clock.now,
      proofMaxAgeSeconds: 60,
      clockSkewSeconds: 5,
    };
    const at = await token(clock, { cnf: { jkt: es256.jkt } });
    const p = await proof(es256, clock, at);
    const send = () =>
      verifyRequest(
        { method: 'POST', url: URL_, headers: { authorization: `DPoP ${at}`, dpop: p } },
        verifierAt(clock),
        opts,
      );
    await send();
    assert.match((await refusal(send())).message, /already used/);
    clock.now += 61_000;
    assert.match(
      (await refusal(send())).message,
      /too old/,
      'by then the age check refuses it anyway',
    );
    assert.equal(cache.size, 1);
    clock.now += 5_000;
    cache.checkAndRecord('other', clock.now + 1000);
    assert.equal(cache.size, 1, 'the expired key was dropped');
  });

  test('a replay cache full of live proofs fails the request closed, not as a refusal', async () => {
    const clock = { now: T0 };
    const cache = new DpopReplayCache({ maxEntries: 2, now: () => clock.now });
    const opts: VerifyRequestOptions = { replayCache: cache, now: () => clock.now };
    const at = await token(clock, { cnf: { jkt: es256.jkt } });
    const send = async () =>
      verifyRequest(
        {
          method: 'POST',
          url: URL_,
          headers: { authorization: `DPoP ${at}`, dpop: await proof(es256, clock, at) },
        },
        verifierAt(clock),
        opts,
      );
    await send();
    await send();
    await assert.rejects(
      send(),
      (err: unknown) =>
        !(err instanceof RequestVerificationError) &&
        /replay cache is full/.test((err as Error).message),
    );
    clock.now += 66_000;
    const fresh = await token(clock, { cnf: { jkt: es256.jkt } });
    await verifyRequest(
      {
        method: 'POST',
        url: URL_,
        headers: { authorization: `DPoP ${fresh}`, dpop: await proof(es256, clock, fresh) },
      },
      verifierAt(clock),
      opts,
    );
  });

  test('a nonce source: no nonce or a wrong one is use_dpop_nonce with a fresh nonce; nothing is recorded until it passes', async () => {
    const clock = { now: T0 };
    const nonces = new RotatingDpopNonces({ lifetimeSeconds: 60, now: () => clock.now });
    const cache = new DpopReplayCache({ now: () => clock.now });
    const opts: VerifyRequestOptions = { nonce: nonces, replayCache: cache, now: () => clock.now };
    const at = await token(clock, { cnf: { jkt: es256.jkt } });
    const err = await refusal(
      verifyRequest(
        {
          method: 'POST',
          url: URL_,
          headers: { authorization: `DPoP ${at}`, dpop: await proof(es256, clock, at) },
        },
        verifierAt(clock),
        opts,
      ),
    );
    assert.equal(err.code, 'use_dpop_nonce');
    assert.equal(err.status, 401);
    assert.equal(err.headers()['dpop-nonce'], nonces.issue());
    assert.equal(cache.size, 0);
    await verifyRequest(
      {
        method: 'POST',
        url: URL_,
        headers: {
          authorization: `DPoP ${at}`,
          dpop: await proof(es256, clock, at, { nonce: err.dpopNonce }),
        },
      },
      verifierAt(clock),
      opts,
    );
    assert.equal(cache.size, 1);
  });
});

describe('parts', () => {
  test('options are checked when resolved', () => {
    const verifier = verifierAt({ now: T0 });
    assert.throws(
      () => resolveVerifyOptions(verifier, { dpopAlgorithms: ['HS256'] }),
      /dpopAlgorithms/,
    );
    assert.throws(() => resolveVerifyOptions(verifier, { dpopAlgorithms: [] }), /dpopAlgorithms/);
    assert.throws(
      () => resolveVerifyOptions(verifier, { proofMaxAgeSeconds: 0 }),
      /proofMaxAgeSeconds/,
    );
    assert.throws(
      () => resolveVerifyOptions(verifier, { clockSkewSeconds: -1 }),
      /clockSkewSeconds/,
    );
    assert.throws(
      () => resolveVerifyOptions(verifier, { requiredScopes: ['a b'] }),
      /requiredScopes/,
    );
    assert.throws(() => new DpopReplayCache({ maxEntries: 0 }), /maxEntries/);
    assert.equal(
      resolveVerifyOptions(verifier).replayCache,
      resolveVerifyOptions(verifier).replayCache,
      'one default cache per verifier',
    );
  });
});
