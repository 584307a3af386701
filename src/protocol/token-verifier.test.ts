import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import {
  base64url,
  CompactSign,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { TokenVerificationError, type TokenVerificationReason } from './errors.js';
import type { Principal } from './principal.js';
import { TokenVerifier, type TokenVerifierOptions } from './token-verifier.js';

const ISS = 'https://mandate.test';
const AUD = 'https://gateway.test';
const AGENT = 'spiffe://mandate.test/agent/planner';
const DELEGATE_1 = 'spiffe://mandate.test/agent/researcher';
const DELEGATE_2 = 'spiffe://mandate.test/agent/fetcher';
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const NOW_S = T0 / 1000;

interface KeyPair {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function keyPair(kid: string, alg = 'ES256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    alg,
    privateKey,
    publicKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

let jtiCounter = 0;
function claims(overrides: Record<string, unknown> = {}, omit: string[] = []): JWTPayload {
  const base: JWTPayload = {
    iss: ISS,
    sub: AGENT,
    aud: AUD,
    iat: NOW_S - 10,
    exp: NOW_S + 300,
    jti: `jti-${++jtiCounter}`,
    client_id: AGENT,
    scope: 'tickets:read tickets:write',
    task_id: 'task-1',
    depth: 0,
    ancestors: [],
    ...overrides,
  };
  for (const name of omit) delete base[name];
  return base;
}

function sign(
  payload: JWTPayload,
  key: KeyPair,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

/** A key resolver over fixed keys that counts how often a signature check asked for a key. */
function countingKeys(keys: KeyPair[]): { keys: JWTVerifyGetKey; calls: () => number } {
  const local = createLocalJWKSet({ keys: keys.map((k) => k.jwk) });
  let calls = 0;
  return {
    keys: (header, input) => {
      calls++;
      return local(header, input);
    },
    calls: () => calls,
  };
}

async function rejects(
  promise: Promise<unknown>,
  reason: TokenVerificationReason,
  token?: string,
): Promise<TokenVerificationError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(
      err instanceof TokenVerificationError,
      `expected a TokenVerificationError, got ${inspect(err)}`,
    );
    assert.equal(err.code, 'invalid_token');
    assert.equal(err.reason, reason, `expected ${reason}, got ${err.reason}: ${err.message}`);
    if (token !== undefined) {
      assert.ok(!err.message.includes(token), 'the error message contains the token');
      assert.ok(!inspect(err).includes(token), 'the inspected error contains the token');
    }
    return err;
  }
  assert.fail(`expected ${reason}, but the token verified`);
}

let k1: KeyPair;
let k2: KeyPair;
let rsa: KeyPair;
let ed: KeyPair;

before(async () => {
  [k1, k2, rsa, ed] = await Promise.all([
    keyPair('k1'),
    keyPair('k2'),
    keyPair('rsa-1', 'RS256'),
    keyPair('ed-1', 'EdDSA'),
  ]);
});

function verifierWith(
  opts: Partial<TokenVerifierOptions> = {},
  keys: KeyPair[] = [k1, rsa, ed],
): { verifier: TokenVerifier; clock: { ms: number }; keyCalls: () => number } {
  const clock = { ms: T0 };
  const counting = countingKeys(keys);
  const verifier = new TokenVerifier({
    issuer: ISS,
    audience: AUD,
    keys: counting.keys,
    now: () => clock.ms,
    ...opts,
  });
  return { verifier, clock, keyCalls: counting.calls };
}

describe('TokenVerifier: valid tokens', () => {
  test('a root task token becomes a principal', async () => {
    const { verifier } = verifierWith();
    const payload = claims({
      jti: 'root-1',
      cnf: { jkt: 'thumb' },
      authorization_details: [{ type: 'mcp_tool', tool: 'search' }],
      nbf: NOW_S - 10,
    });
    const token = await sign(payload, k1);
    const p = await verifier.verify(token);
    const { token: tokenField, claims: claimSet, ...fields } = p;
    assert.equal(tokenField, token);
    assert.deepEqual(claimSet, payload);
    assert.deepEqual(fields, {
      jti: 'root-1',
      issuer: ISS,
      subject: AGENT,
      clientId: AGENT,
      audience: [AUD],
      scopes: ['tickets:read', 'tickets:write'],
      authorizationDetails: [{ type: 'mcp_tool', tool: 'search' }],
      taskId: 'task-1',
      depth: 0,
      ancestors: [],
      actors: [],
      actor: AGENT,
      onBehalfOf: null,
      grantId: null,
      cnfJkt: 'thumb',
      keyId: 'k1',
      issuedAt: NOW_S - 10,
      expiresAt: NOW_S + 300,
    });
  });

  test('the token stays out of logs and serializations, and the principal cannot be changed', async () => {
    const { verifier } = verifierWith();
    const token = await sign(claims(), k1);
    const p = await verifier.verify(token);
    assert.ok(!JSON.stringify(p).includes(token));
    assert.ok(!inspect(p, { depth: 10 }).includes(token));
    assert.throws(() => p.scopes.push('admin'), TypeError);
    assert.throws(() => {
      (p as { actor: string }).actor = 'spiffe://evil';
    }, TypeError);
    assert.deepEqual((await verifier.verify(token)).scopes, ['tickets:read', 'tickets:write']);
  });

  test('a delegated token (depth 2, nested act) lists its actors current first', async () => {
    const { verifier } = verifierWith();
    const payload = claims({
      jti: 'grandchild',
      client_id: DELEGATE_2,
      depth: 2,
      ancestors: ['root', 'child'],
      act: { sub: DELEGATE_2, act: { sub: DELEGATE_1 } },
      aud: ['https://other.test', AUD],
    });
    const p = await verifier.verify(await sign(payload, k1));
    assert.deepEqual(p.actors, [DELEGATE_2, DELEGATE_1]);
    assert.equal(p.actor, DELEGATE_2);
    assert.equal(p.subject, AGENT);
    assert.equal(p.onBehalfOf, null);
    assert.deepEqual(p.ancestors, ['root', 'child']);
    assert.deepEqual(p.audience, ['https://other.test', AUD]);
  });

  test('an on-behalf-of token names the human and the grant', async () => {
    const { verifier } = verifierWith();
    const root = await sign(
      claims({ sub: 'user:alice', act: { sub: AGENT }, grant_id: 'grant-7' }),
      k1,
    );
    const p = await verifier.verify(root);
    assert.equal(p.onBehalfOf, 'user:alice');
    assert.equal(p.actor, AGENT);
    assert.equal(p.grantId, 'grant-7');
    const child = await sign(
      claims({
        sub: 'user:alice',
        act: { sub: DELEGATE_1, act: { sub: AGENT } },
        grant_id: 'grant-7',
        depth: 1,
        ancestors: ['r'],
        client_id: DELEGATE_1,
      }),
      k1,
    );
    assert.deepEqual((await verifier.verify(child)).actors, [DELEGATE_1, AGENT]);
  });

  test('RS256 (RFC 9068 §4 MUST) and EdDSA verify; application/at+jwt in any case is accepted; no scope means no scopes', async () => {
    const { verifier } = verifierWith({ audience: ['https://a.test', AUD] });
    assert.equal((await verifier.verify(await sign(claims(), rsa))).subject, AGENT);
    assert.equal((await verifier.verify(await sign(claims(), ed))).subject, AGENT);
    assert.deepEqual(
      (await verifier.verify(await sign(claims({}, ['scope']), k1, { typ: 'Application/AT+JWT' })))
        .scopes,
      [],
    );
  });

  test('exp, nbf and iat are judged with the clock tolerance', async () => {
    const { verifier } = verifierWith({ clockToleranceSeconds: 30 });
    await verifier.verify(await sign(claims({ exp: NOW_S - 20 }), k1));
    await verifier.verify(await sign(claims({ nbf: NOW_S + 20, iat: NOW_S + 20 }), k1));
  });
});

describe('TokenVerifier: refusals', () => {
  test('expired', async () => {
    const { verifier } = verifierWith();
    const token = await sign(claims({ exp: NOW_S - 31 }), k1);
    await rejects(verifier.verify(token), 'expired', token);
  });

  test('not yet valid (nbf or iat in the future)', async () => {
    const { verifier } = verifierWith();
    const nbf = await sign(claims({ nbf: NOW_S + 60 }), k1);
    await rejects(verifier.verify(nbf), 'not_yet_valid', nbf);
    const iat = await sign(claims({ iat: NOW_S + 60 }), k1);
    await rejects(verifier.verify(iat), 'not_yet_valid', iat);
  });

  test('wrong audience', async () => {
    const { verifier } = verifierWith();
    const token = await sign(claims({ aud: ['https://elsewhere.test'] }), k1);
    await rejects(verifier.verify(token), 'wrong_audience', token);
  });

  test('wrong issuer (exact comparison, a trailing slash matters)', async () => {
    const { verifier } = verifierWith();
    for (const iss of ['https://evil.test', `${ISS}/`]) {
      const token = await sign(claims({ iss }), k1);
      await rejects(verifier.verify(token), 'wrong_issuer', token);
    }
  });

  test('alg none, hand-built, never reaches a key lookup', async () => {
    const { verifier, keyCalls } = verifierWith();
    const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${enc({ alg, typ: 'at+jwt', kid: 'k1' })}.${enc(claims())}.`;
      await rejects(verifier.verify(token), 'alg_not_allowed', token);
    }
    assert.equal(keyCalls(), 0);
  });

  test('HS256 signed with the public key bytes is refused before any key lookup', async () => {
    const { verifier, keyCalls } = verifierWith();
    const pem = await exportSPKI(k1.publicKey);
    const jwkBytes = new TextEncoder().encode(JSON.stringify(k1.jwk));
    for (const secret of [new TextEncoder().encode(pem), jwkBytes]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
        .sign(secret);
      await rejects(verifier.verify(token), 'alg_not_allowed', token);
    }
    assert.equal(keyCalls(), 0);
  });

  test('an allowed algorithm outside this verifier’s list is refused', async () => {
    const { verifier } = verifierWith({ algorithms: ['ES256'] });
    const token = await sign(claims(), rsa);
    await rejects(verifier.verify(token), 'alg_not_allowed', token);
  });

  test('unknown kid', async () => {
    const { verifier } = verifierWith();
    const token = await sign(claims(), k2);
    const err = await rejects(verifier.verify(token), 'unknown_kid', token);
    assert.match(err.message, /`k2`/);
  });

  test('bad signature: a changed payload, or another key under a known kid', async () => {
    const { verifier } = verifierWith();
    const token = await sign(claims(), k1);
    const [h, , s] = token.split('.');
    const forged = `${h}.${base64url.encode(JSON.stringify(claims({ scope: 'admin' })))}.${s}`;
    await rejects(verifier.verify(forged), 'bad_signature', forged);
    const impostor = await sign(claims(), { ...k2, kid: 'k1' });
    await rejects(verifier.verify(impostor), 'bad_signature', impostor);
  });

  test('a JWT-SVID (typ JWT) or a token without typ is not an access token', async () => {
    const { verifier } = verifierWith();
    const svid = await sign(claims(), k1, { typ: 'JWT' });
    await rejects(verifier.verify(svid), 'wrong_type', svid);
    const untyped = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(k1.privateKey);
    await rejects(verifier.verify(untyped), 'wrong_type', untyped);
  });

  test('missing or mistyped claims', async () => {
    const { verifier } = verifierWith();
    for (const name of [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'jti',
      'client_id',
      'task_id',
      'depth',
      'ancestors',
    ]) {
      const token = await sign(claims({}, [name]), k1);
      await rejects(verifier.verify(token), 'missing_claim', token);
    }
    const mistyped: Record<string, unknown>[] = [
      { jti: 7 },
      { sub: '' },
      { aud: [] },
      { aud: [AUD, 3] },
      { exp: String(NOW_S + 300) },
      { iat: null },
      { nbf: 'soon' },
      { task_id: ['t'] },
      { depth: -1 },
      { depth: 1.5, ancestors: ['a'] },
      { depth: '0' },
      { ancestors: 'root' },
      { ancestors: [1] },
      { scope: ['tickets:read'] },
      { authorization_details: [{ tool: 'x' }] },
      { authorization_details: { type: 'x' } },
      { cnf: 'thumb' },
      { cnf: { jkt: 5 } },
      { grant_id: 9 },
    ];
    for (const overrides of mistyped) {
      const token = await sign(claims(overrides), k1);
      await rejects(verifier.verify(token), 'missing_claim', token);
    }
  });

  test('an inconsistent delegation chain', async () => {
    const { verifier } = verifierWith();
    const broken: Record<string, unknown>[] = [
      { depth: 1, ancestors: [] },
      { depth: 0, ancestors: ['root'] },
      { depth: 1, ancestors: ['root'] },
      { depth: 0, ancestors: [], act: { sub: DELEGATE_1 } },
      { depth: 2, ancestors: ['root', 'child'], act: { sub: DELEGATE_1 } },
      { depth: 1, ancestors: ['root'], act: { sub: DELEGATE_1, act: { sub: DELEGATE_2 } } },
      { depth: 1, ancestors: ['root'], act: { sub: 5 } },
      { depth: 1, ancestors: ['root'], act: 'spiffe://x' },
      {
        depth: 2,
        ancestors: ['root', 'child'],
        act: { sub: DELEGATE_1, act: [{ sub: DELEGATE_2 }] },
      },
      { depth: 2, ancestors: ['root', 'root'], act: { sub: DELEGATE_1, act: { sub: DELEGATE_2 } } },
      { jti: 'self', depth: 1, ancestors: ['self'], act: { sub: DELEGATE_1 } },
      { grant_id: 'g', sub: 'user:alice', depth: 0, ancestors: [] },
    ];
    for (const overrides of broken) {
      const token = await sign(claims(overrides), k1);
      await rejects(verifier.verify(token), 'bad_chain', token);
    }
  });

  test('malformed input', async () => {
    const { verifier, keyCalls } = verifierWith();
    for (const junk of [
      '',
      'abc',
      'a.b.c',
      'a.b',
      '...',
      `${base64url.encode('{}')}.e30.`,
      `${base64url.encode('[1]')}.e30.x`,
    ]) {
      await rejects(verifier.verify(junk), 'malformed');
    }
    await rejects(verifier.verify(42 as unknown as string), 'malformed');
    assert.equal(keyCalls(), 0, 'header-level junk never reaches a key lookup');
    // Signed by the issuer's key but not a JWT claims set.
    for (const payload of ['not json', '[1,2]', 'null']) {
      const token = await new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
        .sign(k1.privateKey);
      await rejects(verifier.verify(token), 'malformed', token);
    }
  });
});

describe('TokenVerifier: cache and revocation', () => {
  test('a cached token is verified once but checked for revocation on every use, and revoked after caching', async () => {
    const revoked = new Map<string, string>();
    const seen: string[] = [];
    const { verifier, keyCalls } = verifierWith({
      revocation: (p: Principal) => {
        seen.push(p.jti);
        for (const id of [p.jti, ...p.ancestors, p.taskId])
          if (revoked.has(id)) return revoked.get(id)!;
        return null;
      },
    });
    const token = await sign(
      claims({
        jti: 'child',
        depth: 1,
        ancestors: ['root'],
        act: { sub: DELEGATE_1 },
        client_id: DELEGATE_1,
      }),
      k1,
    );
    await verifier.verify(token);
    await verifier.verify(token);
    assert.equal(keyCalls(), 1, 'the signature is checked once');
    assert.deepEqual(seen, ['child', 'child'], 'revocation is checked on every use');
    revoked.set('root', 'ancestor revoked');
    const err = await rejects(verifier.verify(token), 'revoked', token);
    assert.match(err.message, /ancestor revoked/);
    revoked.clear();
    revoked.set('task-1', 'task ended');
    await rejects(verifier.verify(token), 'revoked', token);
    assert.equal(keyCalls(), 1);
  });

  test('an async revocation hook is awaited, and its own failure propagates unchanged', async () => {
    let fail = false;
    const { verifier } = verifierWith({
      revocation: async (p) => {
        if (fail) throw new Error('revocation store down');
        return p.jti === 'bad' ? 'revoked by admin' : null;
      },
    });
    await verifier.verify(await sign(claims(), k1));
    await rejects(verifier.verify(await sign(claims({ jti: 'bad' }), k1)), 'revoked');
    fail = true;
    await assert.rejects(verifier.verify(await sign(claims(), k1)), /revocation store down/);
    const odd = verifierWith({ revocation: (() => true) as unknown as () => null }).verifier;
    await assert.rejects(
      odd.verify(await sign(claims(), k1)),
      TypeError,
      'an answer that is neither a reason nor null fails closed',
    );
  });

  test('an expired cached token is refused', async () => {
    const { verifier, clock, keyCalls } = verifierWith({ clockToleranceSeconds: 0 });
    const token = await sign(claims({ exp: NOW_S + 60 }), k1);
    await verifier.verify(token);
    clock.ms = T0 + 59_000;
    await verifier.verify(token);
    assert.equal(keyCalls(), 1);
    clock.ms = T0 + 60_000;
    await rejects(verifier.verify(token), 'expired', token);
    await rejects(verifier.verify(token), 'expired', token);
  });

  test('the cache is bounded: the oldest entry leaves first', async () => {
    const { verifier, keyCalls } = verifierWith({ maxCacheEntries: 2 });
    const [a, b, c] = await Promise.all([
      sign(claims(), k1),
      sign(claims(), k1),
      sign(claims(), k1),
    ]);
    for (const t of [a, b, c]) await verifier.verify(t!);
    assert.equal(keyCalls(), 3);
    await verifier.verify(c!);
    await verifier.verify(b!);
    assert.equal(keyCalls(), 3, 'b and c are cached');
    await verifier.verify(a!);
    assert.equal(keyCalls(), 4, 'a was evicted');
  });

  test('expired entries are swept before live ones are evicted', async () => {
    const { verifier, clock, keyCalls } = verifierWith({
      maxCacheEntries: 2,
      clockToleranceSeconds: 0,
    });
    const short = await sign(claims({ exp: NOW_S + 10 }), k1);
    const long = await sign(claims(), k1);
    await verifier.verify(short);
    await verifier.verify(long);
    clock.ms = T0 + 20_000;
    await verifier.verify(await sign(claims(), k1));
    await verifier.verify(long);
    assert.equal(keyCalls(), 3, 'the long-lived token stayed cached');
  });

  test('maxCacheEntries 0 turns the cache off', async () => {
    const { verifier, keyCalls } = verifierWith({ maxCacheEntries: 0 });
    const token = await sign(claims(), k1);
    await verifier.verify(token);
    await verifier.verify(token);
    assert.equal(keyCalls(), 2);
  });
});

describe('TokenVerifier: remote JWKS', () => {
  let server: Server;
  let url: string;
  let jwks: { keys: JWK[] };
  let status = 200;
  let hits = 0;

  before(async () => {
    server = createServer((_req, res) => {
      hits++;
      if (status !== 200) {
        res.writeHead(status).end('unavailable');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function reset(keys: KeyPair[]): void {
    jwks = { keys: keys.map((k) => k.jwk) };
    status = 200;
    hits = 0;
  }

  test('keys come from the JWKS URL; a rotated-in kid is picked up on refresh', async () => {
    reset([k1]);
    const verifier = new TokenVerifier({
      issuer: ISS,
      audience: AUD,
      jwksUri: url,
      jwksCooldownSeconds: 0,
      now: () => T0,
    });
    await verifier.verify(await sign(claims(), k1));
    assert.equal(hits, 1);
    jwks = { keys: [k1.jwk, k2.jwk] };
    assert.equal((await verifier.verify(await sign(claims(), k2))).subject, AGENT);
    assert.equal(hits, 2, 'the unknown kid caused one refetch');
    await verifier.verify(await sign(claims(), k2));
    await verifier.verify(await sign(claims(), k1));
    assert.equal(hits, 2, 'known kids need no fetch');
  });

  test('refetching on an unknown kid is rate-limited by the cooldown', async () => {
    reset([k1]);
    const verifier = new TokenVerifier({ issuer: ISS, audience: AUD, jwksUri: url, now: () => T0 });
    await verifier.verify(await sign(claims(), k1));
    jwks = { keys: [k1.jwk, k2.jwk] };
    for (let i = 0; i < 5; i++) {
      const token = await sign(claims(), { ...k2, kid: `made-up-${i}` });
      await rejects(verifier.verify(token), 'unknown_kid', token);
    }
    assert.equal(hits, 1, 'no refetch within the 30 s cooldown');
  });

  test('JWKS down → jwks_unavailable (connection refused, or an error status)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks`;
    await new Promise((resolve) => closed.close(resolve));
    const token = await sign(claims(), k1);
    const dead = new TokenVerifier({ issuer: ISS, audience: AUD, jwksUri: deadUrl, now: () => T0 });
    await rejects(dead.verify(token), 'jwks_unavailable', token);

    reset([k1]);
    status = 503;
    const failing = new TokenVerifier({ issuer: ISS, audience: AUD, jwksUri: url, now: () => T0 });
    await rejects(failing.verify(token), 'jwks_unavailable', token);
    status = 200;
    assert.equal(
      (await failing.verify(token)).jti,
      claimsJti(token),
      'a JWKS that comes back is used',
    );
  });

  test('the injected fetch is used', async () => {
    reset([k1]);
    const urls: string[] = [];
    const verifier = new TokenVerifier({
      issuer: ISS,
      audience: AUD,
      jwksUri: url,
      now: () => T0,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    await verifier.verify(await sign(claims(), k1));
    assert.deepEqual(urls, [url]);
  });
});

function claimsJti(token: string): string {
  return JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!))).jti as string;
}

describe('TokenVerifier: construction', () => {
  const keys = createLocalJWKSet({ keys: [] });
  const base = { issuer: ISS, audience: AUD, keys };

  test('HMAC, none and unknown algorithms are refused when the verifier is built', () => {
    for (const algorithms of [['HS256'], ['none'], ['ES256', 'hs512'], ['HS384'], ['ES257'], []]) {
      assert.throws(
        () => new TokenVerifier({ ...base, algorithms }),
        TypeError,
        String(algorithms),
      );
    }
    assert.ok(new TokenVerifier({ ...base, algorithms: ['ES256', 'RS256'] }));
  });

  test('other options are checked', () => {
    assert.throws(() => new TokenVerifier({ ...base, clockToleranceSeconds: 301 }), TypeError);
    assert.throws(() => new TokenVerifier({ ...base, clockToleranceSeconds: -1 }), TypeError);
    assert.throws(() => new TokenVerifier({ ...base, maxCacheEntries: -1 }), TypeError);
    assert.throws(() => new TokenVerifier({ ...base, audience: [] }), TypeError);
    assert.throws(() => new TokenVerifier({ ...base, issuer: '' }), TypeError);
    assert.throws(
      () => new TokenVerifier({ issuer: ISS, audience: AUD }),
      TypeError,
      'no key source',
    );
    assert.throws(
      () => new TokenVerifier({ ...base, jwksUri: 'https://mandate.test/jwks' }),
      TypeError,
      'two key sources',
    );
    assert.throws(
      () => new TokenVerifier({ issuer: ISS, audience: AUD, jwksUri: 'file:///etc/jwks' }),
      TypeError,
    );
    assert.ok(new TokenVerifier({ ...base, clockToleranceSeconds: 300 }));
  });
});

describe('TokenVerifier: property-based', () => {
  function onlyTokenErrors(verifier: TokenVerifier) {
    return async (input: string) => {
      try {
        await verifier.verify(input);
      } catch (err) {
        assert.ok(err instanceof TokenVerificationError, inspect(err));
        if (input.length >= 16) assert.ok(!err.message.includes(input));
      }
    };
  }

  test('random strings never throw anything but TokenVerificationError', async () => {
    const { verifier } = verifierWith();
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), onlyTokenErrors(verifier)), {
      numRuns: 300,
    });
  });

  test('random three-part tokens with random headers and payloads never throw anything else', async () => {
    const { verifier } = verifierWith();
    const header = fc.record(
      {
        alg: fc.oneof(
          fc.constantFrom('ES256', 'RS256', 'EdDSA', 'none', 'HS256', 'PS256'),
          fc.jsonValue(),
        ),
        typ: fc.oneof(fc.constantFrom('at+jwt', 'application/at+jwt', 'JWT'), fc.jsonValue()),
        kid: fc.oneof(fc.constantFrom('k1', 'rsa-1', 'nope'), fc.jsonValue()),
        crit: fc.jsonValue(),
        b64: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    const part = (v: fc.Arbitrary<unknown>) =>
      v.map((x) => base64url.encode(JSON.stringify(x) ?? 'null'));
    const token = fc
      .tuple(
        part(header),
        fc.oneof(part(fc.jsonValue()), fc.base64String()),
        fc.oneof(fc.base64String(), fc.constant('')),
      )
      .map((p) => p.join('.'));
    await fc.assert(fc.asyncProperty(token, onlyTokenErrors(verifier)), { numRuns: 300 });
  });

  test('correctly signed tokens with random claims either verify or throw TokenVerificationError', async () => {
    const { verifier } = verifierWith();
    const claim = fc.constantFrom(
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'nbf',
      'jti',
      'client_id',
      'scope',
      'task_id',
      'depth',
      'ancestors',
      'act',
      'cnf',
      'grant_id',
      'authorization_details',
    );
    const overrides = fc.dictionary(claim, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 });
    const drop = fc.subarray(['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'depth', 'ancestors'], {
      maxLength: 2,
    });
    await fc.assert(
      fc.asyncProperty(overrides, drop, async (o, omit) => {
        const token = await sign(claims(o, omit), k1);
        try {
          const p = await verifier.verify(token);
          assert.equal(p.ancestors.length, p.depth);
          assert.equal(p.actor, p.actors[0] ?? p.subject);
        } catch (err) {
          assert.ok(err instanceof TokenVerificationError, inspect(err));
          assert.ok(!err.message.includes(token));
        }
      }),
      { numRuns: 200 },
    );
  });
});
