import assert from 'node:assert/strict';
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign as nodeSign,
  webcrypto,
} from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWK } from 'jose';
import { ManualClock } from '../../core/clock.js';
import type { CryptoKey } from '../../core/webcrypto.js';
import { DpopProofError, ReplayCacheFullError } from '../errors.js';
import { DPOP_ALGORITHMS } from '../jws-algorithms.js';
import { createDpopNonces, type DpopNonces } from './hmac-nonce.js';
import { DpopReplayCache } from './replay-cache.js';
import { DpopVerifier, type DpopCheck } from './verifier.js';

const ENDPOINT = 'https://as.example.com/token';

interface Signer {
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
  params: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams | webcrypto.RsaPssParams;
}

const PARAMS: Record<string, Signer['params']> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  EdDSA: { name: 'Ed25519' },
  Ed25519: { name: 'Ed25519' },
};

async function newSigner(alg: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const params = PARAMS[alg];
  assert.ok(params, `no signing params for ${alg}`);
  return { alg, privateKey, jwk: await exportJWK(publicKey), params };
}

const es256 = await newSigner('ES256');
const ed25519 = await newSigner('Ed25519');
const other = await newSigner('ES256');

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs any header and payload, so tests can build proofs jose's SignJWT would refuse to. */
async function signRaw(
  s: Signer,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = await webcrypto.subtle.sign(s.params, s.privateKey, Buffer.from(input));
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}

interface ProofOptions {
  /** Merged over the defaults; a value of undefined drops the member. */
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

async function proof(clock: ManualClock, s: Signer, opts: ProofOptions = {}): Promise<string> {
  const header = defined({ alg: s.alg, typ: 'dpop+jwt', jwk: s.jwk, ...opts.header });
  const claims = defined({
    jti: randomUUID(),
    htm: 'POST',
    htu: ENDPOINT,
    iat: Math.floor(clock.now() / 1000),
    ...opts.claims,
  });
  return signRaw(s, header, claims);
}

function setup(opts: { algorithms?: readonly string[]; withNonces?: boolean } = {}) {
  const clock = new ManualClock();
  const now = () => clock.now();
  const replay = new DpopReplayCache({ now });
  const nonces = opts.withNonces ? createDpopNonces({ secret: randomBytes(32), now }) : undefined;
  const verifier = new DpopVerifier({
    now,
    replay,
    ...(nonces ? { nonces } : {}),
    ...(opts.algorithms ? { algorithms: opts.algorithms } : {}),
  });
  const check = (p: DpopCheck['proof'], extra: Partial<DpopCheck> = {}) =>
    verifier.verify({ proof: p, method: 'POST', url: ENDPOINT, ...extra });
  return { clock, replay, nonces, verifier, check };
}

async function rejects(
  promise: Promise<unknown>,
  code: DpopProofError['code'],
  message: RegExp,
): Promise<DpopProofError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DpopProofError, `expected a DpopProofError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  return caught;
}
const refused = (promise: Promise<unknown>, message: RegExp) =>
  rejects(promise, 'invalid_dpop_proof', message);
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('DpopVerifier: valid proofs', () => {
  test('an ES256 proof signed with jose passes and yields the RFC 7638 thumbprint', async () => {
    const { clock, check } = setup();
    const iat = Math.floor(clock.now() / 1000);
    const token = await new SignJWT({ jti: 'j-1', htm: 'POST', htu: ENDPOINT })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: es256.jwk })
      .setIssuedAt(iat)
      .sign(es256.privateKey);
    const result = await check(token);
    assert.equal(result.jkt, await calculateJwkThumbprint(es256.jwk, 'sha256'));
    assert.equal(result.jti, 'j-1');
    assert.equal(result.iat, iat);
    assert.deepEqual(result.jwk, es256.jwk);
  });

  for (const alg of ['EdDSA', 'Ed25519']) {
    test(`an Ed25519 proof with alg \`${alg}\` passes`, async () => {
      const { clock, check } = setup();
      const result = await check(await proof(clock, { ...ed25519, alg }));
      assert.equal(result.jkt, await calculateJwkThumbprint(ed25519.jwk));
    });
  }

  for (const alg of ['RS256', 'PS256', 'ES384']) {
    test(`a ${alg} proof passes`, async () => {
      const { clock, check } = setup();
      const s = await newSigner(alg);
      assert.equal((await check(await proof(clock, s))).jkt, await calculateJwkThumbprint(s.jwk));
    });
  }

  test('a proof as a one-element header array passes', async () => {
    const { clock, check } = setup();
    await check([await proof(clock, es256)]);
  });

  test('an access token with the right `ath` and the bound key passes', async () => {
    const { clock, check } = setup();
    const jkt = await calculateJwkThumbprint(es256.jwk);
    await check(await proof(clock, es256, { claims: { htm: 'GET', ath: ath('at-123') } }), {
      method: 'GET',
      accessToken: 'at-123',
      expectedJkt: jkt,
    });
  });

  test('`ath` is ignored when no access token is presented', async () => {
    const { clock, check } = setup();
    await check(await proof(clock, es256, { claims: { ath: 'whatever' } }));
  });
});

describe('DpopVerifier: refused proofs', () => {
  test('no proof at all', async () => {
    const { check } = setup();
    await refused(check(undefined), /^no dpop proof was sent$/);
    await refused(check([]), /^no dpop proof was sent$/);
  });

  test('more than one DPoP header, as an array or joined by node', async () => {
    const { clock, check } = setup();
    const a = await proof(clock, es256);
    const b = await proof(clock, es256);
    await refused(check([a, b]), /^more than one dpop header$/);
    await refused(check(`${a}, ${b}`), /^more than one dpop header$/);
  });

  test('not a jwt', async () => {
    const { check } = setup();
    for (const value of [
      '',
      'abc',
      'a.b',
      'a.b.c.d',
      'a b.c.d',
      'Zm9v.YmFy.YmF6',
      `${b64([1])}.${b64({})}.`,
    ]) {
      await refused(check(value), /^dpop proof is not a jwt$/);
    }
    await refused(check(`${'a'.repeat(9000)}.b.c`), /^dpop proof is longer than 8192 characters$/);
  });

  test('`typ` other than dpop+jwt', async () => {
    const { clock, check } = setup();
    for (const typ of [undefined, 'JWT', 'at+jwt', 'application/dpop+jwt', 'DPOP+JWT']) {
      await refused(
        check(await proof(clock, es256, { header: { typ } })),
        /^dpop proof `typ` must be `dpop\+jwt`$/,
      );
    }
  });

  test('`alg` none, HMAC, unknown or outside the configured list', async () => {
    const { clock, check } = setup();
    const claims = { jti: 'x', htm: 'POST', htu: ENDPOINT, iat: Math.floor(clock.now() / 1000) };
    await refused(
      check(`${b64({ alg: 'none', typ: 'dpop+jwt', jwk: es256.jwk })}.${b64(claims)}.`),
      /^dpop proof `alg` `none` is not allowed$/,
    );
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: es256.jwk })
      .sign(randomBytes(32));
    await refused(check(hs), /^dpop proof `alg` `HS256` is not allowed$/);
    await refused(
      check(await proof(clock, es256, { header: { alg: 'ES256K' } })),
      /^dpop proof `alg` `ES256K` is not allowed$/,
    );
    await refused(
      check(await proof(clock, es256, { header: { alg: undefined } })),
      /^dpop proof has no `alg`$/,
    );
    const only = setup({ algorithms: ['ES256'] });
    await refused(
      only.check(await proof(only.clock, ed25519)),
      /^dpop proof `alg` `Ed25519` is not allowed$/,
    );
    await only.check(await proof(only.clock, es256));
  });

  test('no `jwk` header, or one that is not an object', async () => {
    const { clock, check } = setup();
    for (const jwk of [undefined, 'key', ['a'], null]) {
      await refused(
        check(await proof(clock, es256, { header: { jwk } })),
        /^dpop proof has no `jwk` header$/,
      );
    }
  });

  test('a `jwk` with any private member', async () => {
    const { clock, check } = setup();
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      const jwk = { ...es256.jwk, [member]: 'AAAA' };
      await refused(
        check(await proof(clock, es256, { header: { jwk } })),
        new RegExp(`^dpop proof \`jwk\` contains the private member \`${member}\`$`),
      );
    }
  });

  test('a bad signature', async () => {
    const { clock, check } = setup();
    await refused(
      check(await proof(clock, es256, { header: { jwk: other.jwk } })),
      /^dpop proof signature is invalid$/,
    );
    const good = await proof(clock, es256);
    const [h, , s] = good.split('.');
    const forged = `${h}.${b64({ jti: 'forged', htm: 'POST', htu: ENDPOINT, iat: Math.floor(clock.now() / 1000) })}.${s}`;
    await refused(check(forged), /^dpop proof signature is invalid$/);
  });

  test('a `jwk` that does not fit the `alg`', async () => {
    const { clock, check } = setup();
    await refused(
      check(await proof(clock, es256, { header: { jwk: ed25519.jwk } })),
      /^dpop proof `jwk` is not a usable `ES256` public key$/,
    );
    await refused(
      check(await proof(clock, es256, { header: { jwk: { ...es256.jwk, alg: 'ES384' } } })),
      /^dpop proof `jwk` is not a usable `ES256` public key$/,
    );
    await refused(
      check(await proof(clock, es256, { header: { jwk: { ...es256.jwk, x: 'AAAA' } } })),
      /^dpop proof `jwk` is not a usable `ES256` public key$/,
    );
  });

  test('an RSA key under 2048 bits', async () => {
    const { clock, check } = setup();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const header = { alg: 'RS256', typ: 'dpop+jwt', jwk: publicKey.export({ format: 'jwk' }) };
    const input = `${b64(header)}.${b64({ jti: 'r', htm: 'POST', htu: ENDPOINT, iat: Math.floor(clock.now() / 1000) })}`;
    const token = `${input}.${nodeSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    await refused(check(token), /^dpop proof `jwk` is not a usable `RS256` public key$/);
  });

  test('missing or invalid `jti`', async () => {
    const { clock, check } = setup();
    for (const jti of [undefined, '', 'x'.repeat(257), 42, ['a']]) {
      await refused(
        check(await proof(clock, es256, { claims: { jti } })),
        /^dpop proof `jti` must be a string of 1 to 256 characters$/,
      );
    }
    await check(await proof(clock, es256, { claims: { jti: 'x'.repeat(256) } }));
  });

  test('`htm` mismatch', async () => {
    const { clock, check } = setup();
    await refused(
      check(await proof(clock, es256, { claims: { htm: 'GET' } })),
      /^dpop proof `htm` `GET` does not match the request method `POST`$/,
    );
    await refused(
      check(await proof(clock, es256, { claims: { htm: 'post' } })),
      /`htm` `post` does not match/,
    );
    await refused(
      check(await proof(clock, es256, { claims: { htm: undefined } })),
      /^dpop proof has no `htm`$/,
    );
  });

  test('`htu` mismatch', async () => {
    const { clock, check } = setup();
    const wrong = [
      'https://as.example.com/token/',
      'https://as.example.com/tokens',
      'https://as.example.com/',
      'http://as.example.com/token',
      'https://as.example.com:8443/token',
      'https://other.example.com/token',
      'https://user@as.example.com/token',
      'https://as.example.com/Token',
      'https://as.example.com/to%20ken',
      'https://as.example.com/to\nken',
      '/token',
      'as.example.com/token',
      'ftp://as.example.com/token',
    ];
    for (const htu of wrong) {
      await refused(
        check(await proof(clock, es256, { claims: { htu } })),
        /^dpop proof `htu` `.*` does not match `https:\/\/as\.example\.com\/token`$/,
      );
    }
    await refused(
      check(await proof(clock, es256, { claims: { htu: undefined } })),
      /^dpop proof has no `htu`$/,
    );
    const local = setup();
    await refused(
      local.check(
        await proof(local.clock, es256, { claims: { htu: 'http://127.0.0.1:3000/token' } }),
        { url: 'http://localhost:3000/token' },
      ),
      /`htu` .* does not match/,
    );
  });

  test('`htu` is compared after normalization, without query or fragment', async () => {
    const { clock, check } = setup();
    const same = [
      'https://as.example.com/token',
      'HTTPS://AS.Example.COM/token',
      'https://as.example.com:443/token',
      'https://as.example.com/token?x=1',
      'https://as.example.com/token#frag',
      'https://as.example.com/token?',
      'https://as.example.com/a/../token',
      'https://as.example.com/./token',
      'https://as.example.com/%74ok%65n',
    ];
    for (const htu of same) await check(await proof(clock, es256, { claims: { htu } }));
    // The endpoint side is normalized the same way.
    await check(await proof(clock, es256), { url: 'https://AS.example.com:443/token?grant=x' });
    const encoded = setup();
    await encoded.check(
      await proof(encoded.clock, es256, { claims: { htu: 'http://rs.example.com:80/a%2fb' } }),
      { url: 'http://rs.example.com/a%2Fb' },
    );
    await encoded.check(
      await proof(encoded.clock, es256, { claims: { htu: 'https://rs.example.com' } }),
      { url: 'https://rs.example.com/' },
    );
  });

  test('`iat` missing, not a number, too old or in the future', async () => {
    const { clock, check } = setup();
    const now = Math.floor(clock.now() / 1000);
    await refused(
      check(await proof(clock, es256, { claims: { iat: undefined } })),
      /^dpop proof has no `iat`$/,
    );
    await refused(
      check(await proof(clock, es256, { claims: { iat: String(now) } })),
      /^dpop proof claim `iat` is invalid$/,
    );
    await refused(
      check(await proof(clock, es256, { claims: { iat: now - 61 } })),
      /^dpop proof is too old$/,
    );
    await refused(
      check(await proof(clock, es256, { claims: { iat: now + 6 } })),
      /^dpop proof `iat` is in the future$/,
    );
    await check(await proof(clock, es256, { claims: { iat: now - 60 } }));
    await check(await proof(clock, es256, { claims: { iat: now + 5 } }));
  });

  test('an `exp` already passed', async () => {
    const { clock, check } = setup();
    await refused(
      check(await proof(clock, es256, { claims: { exp: Math.floor(clock.now() / 1000) - 1 } })),
      /^dpop proof `exp` has passed$/,
    );
  });

  test('`ath` missing or wrong when an access token is presented', async () => {
    const { clock, check } = setup();
    await refused(
      check(await proof(clock, es256), { accessToken: 'at-1' }),
      /^dpop proof has no `ath`$/,
    );
    await refused(
      check(await proof(clock, es256, { claims: { ath: ath('at-2') } }), { accessToken: 'at-1' }),
      /^dpop proof `ath` does not match the access token$/,
    );
    await refused(
      check(await proof(clock, es256, { claims: { ath: 7 } }), { accessToken: 'at-1' }),
      /^dpop proof `ath` does not match the access token$/,
    );
  });

  test('a key other than the one the token is bound to', async () => {
    const { clock, check } = setup();
    const jkt = await calculateJwkThumbprint(other.jwk);
    await refused(
      check(await proof(clock, es256), { expectedJkt: jkt }),
      /^dpop proof key does not match the key the token is bound to$/,
    );
  });
});

describe('DpopVerifier: replay', () => {
  test('the same proof is refused within the window', async () => {
    const { clock, check } = setup();
    const p = await proof(clock, es256);
    await check(p);
    clock.advance(30_000);
    await refused(check(p), /^dpop proof `jti` was already used$/);
  });

  test('the same jti under another key is a different proof', async () => {
    const { clock, check } = setup();
    await check(await proof(clock, es256, { claims: { jti: 'shared' } }));
    await check(await proof(clock, other, { claims: { jti: 'shared' } }));
  });

  test('the record outlives the latest instant the proof could pass its iat check', async () => {
    const { clock, check } = setup();
    // iat as far ahead as the skew allows: the proof passes its age check until t0 + 5 s + 60 s.
    const p = await proof(clock, es256, { claims: { iat: Math.floor(clock.now() / 1000) + 5 } });
    await check(p);
    clock.advance(65_000);
    await refused(check(p), /^dpop proof `jti` was already used$/);
    clock.advance(1_000);
    await refused(check(p), /^dpop proof is too old$/);
  });

  test('after the window the jti is forgotten and a fresh proof may reuse it', async () => {
    const { clock, replay, check } = setup();
    await check(await proof(clock, es256, { claims: { jti: 'again' } }));
    clock.advance(65_001);
    await check(await proof(clock, es256, { claims: { jti: 'again' } }));
    assert.equal(replay.size, 1);
  });

  test('a refused proof burns nothing', async () => {
    const { clock, check } = setup();
    const p = await proof(clock, es256, { claims: { ath: ath('at') } });
    await refused(
      check(p, { accessToken: 'at', expectedJkt: await calculateJwkThumbprint(other.jwk) }),
      /does not match the key/,
    );
    await refused(check(p, { accessToken: 'other' }), /`ath` does not match/);
    await check(p, { accessToken: 'at', expectedJkt: await calculateJwkThumbprint(es256.jwk) });
  });
});

describe('DpopVerifier: nonces', () => {
  test('no nonce → use_dpop_nonce with a nonce; the retry with it passes', async () => {
    const { clock, nonces, check } = setup({ withNonces: true });
    const err = await rejects(
      check(await proof(clock, es256, { claims: { jti: 'first' } }), { requireNonce: true }),
      'use_dpop_nonce',
      /^a fresh dpop nonce is required$/,
    );
    const nonce = err.nonce;
    assert.equal(typeof nonce, 'string');
    assert.equal(nonces?.status(nonce as string), 'valid');
    // The refused proof's jti was not recorded, so even the same jti may be used on the retry.
    const result = await check(await proof(clock, es256, { claims: { jti: 'first', nonce } }), {
      requireNonce: true,
    });
    assert.equal(result.jti, 'first');
  });

  test('the very proof refused for its nonce was not burned', async () => {
    const { clock, check } = setup({ withNonces: true });
    const p = await proof(clock, es256);
    await rejects(check(p, { requireNonce: true }), 'use_dpop_nonce', /nonce/);
    await check(p);
  });

  test('a stale nonce → use_dpop_nonce', async () => {
    const { clock, nonces, check } = setup({ withNonces: true });
    const nonce = (nonces as DpopNonces).issue();
    clock.advance(301_000);
    const err = await rejects(
      check(await proof(clock, es256, { claims: { nonce } }), { requireNonce: true }),
      'use_dpop_nonce',
      /nonce/,
    );
    assert.notEqual(err.nonce, nonce);
  });

  test('a forged nonce → use_dpop_nonce', async () => {
    const { clock, check } = setup({ withNonces: true });
    const foreign = createDpopNonces({ secret: randomBytes(32), now: () => clock.now() }).issue();
    for (const nonce of [foreign, 'made-up', randomBytes(40).toString('base64url'), '']) {
      await rejects(
        check(await proof(clock, es256, { claims: { nonce } }), { requireNonce: true }),
        'use_dpop_nonce',
        /nonce/,
      );
    }
  });

  test('a bad nonce is refused even when none is required', async () => {
    const { clock, check } = setup({ withNonces: true });
    await rejects(
      check(await proof(clock, es256, { claims: { nonce: 'made-up' } })),
      'use_dpop_nonce',
      /nonce/,
    );
    await check(await proof(clock, es256));
  });

  test('a nonce that is not a string is a malformed proof', async () => {
    const { clock, check } = setup({ withNonces: true });
    await refused(
      check(await proof(clock, es256, { claims: { nonce: 5 } }), { requireNonce: true }),
      /^dpop proof `nonce` must be a string$/,
    );
  });

  test('nonce checks come after the proof checks', async () => {
    const { clock, check } = setup({ withNonces: true });
    await refused(
      check(await proof(clock, es256, { claims: { htm: 'GET' } }), { requireNonce: true }),
      /`htm`/,
    );
  });

  test('requireNonce without a nonce source is a programming error', async () => {
    const { clock, check } = setup();
    await assert.rejects(check(await proof(clock, es256), { requireNonce: true }), {
      name: 'TypeError',
      message: /no nonce source/,
    });
  });
});

describe('DpopVerifier: options', () => {
  test('refuses algorithms outside DPOP_ALGORITHMS and bad windows', () => {
    const replay = new DpopReplayCache();
    for (const algorithms of [['HS256'], ['none'], ['ES256', 'RS1'], []]) {
      assert.throws(() => new DpopVerifier({ replay, algorithms }), TypeError);
    }
    assert.throws(() => new DpopVerifier({ replay, maxAgeSeconds: 0 }), /max age/);
    assert.throws(() => new DpopVerifier({ replay, clockSkewSeconds: -1 }), /clock skew/);
    assert.deepEqual(new DpopVerifier({ replay }).algorithms, [...DPOP_ALGORITHMS]);
  });

  test('an endpoint url that is not http(s) is a programming error', async () => {
    const { clock, check } = setup();
    await assert.rejects(check(await proof(clock, es256), { url: 'not a url' }), {
      name: 'TypeError',
      message: /is not an http\(s\) url/,
    });
  });
});

describe('createDpopNonces', () => {
  const secret = randomBytes(32);

  test('valid within the lifetime, stale after, invalid when not ours', () => {
    const clock = new ManualClock();
    const now = () => clock.now();
    const nonces = createDpopNonces({ secret, now, lifetimeSeconds: 10 });
    const nonce = nonces.issue();
    assert.match(nonce, /^[A-Za-z0-9_-]+$/);
    assert.equal(nonces.status(nonce), 'valid');
    assert.equal(nonces.check(nonce), true);
    clock.advance(10_000);
    assert.equal(nonces.status(nonce), 'valid');
    clock.advance(1_000);
    assert.equal(nonces.status(nonce), 'stale');
    assert.equal(nonces.check(nonce), false);
    assert.equal(createDpopNonces({ secret: randomBytes(32), now }).status(nonce), 'invalid');
  });

  test('a tampered time, a non-canonical spelling or garbage is invalid', () => {
    const clock = new ManualClock();
    const nonces = createDpopNonces({ secret, now: () => clock.now() });
    const raw = Buffer.from(nonces.issue(), 'base64url');
    raw.writeUInt8(raw.readUInt8(7) ^ 1, 7);
    assert.equal(nonces.status(raw.toString('base64url')), 'invalid');
    const good = nonces.issue();
    const last = good.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 40 bytes in 54 characters leave 4 unused bits in the last character.
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    assert.equal(nonces.status(good.slice(0, -1) + sibling), 'invalid');
    for (const value of ['', 'x', good + 'A', good.slice(1), ' '.repeat(54)])
      assert.equal(nonces.status(value), 'invalid');
  });

  test('a nonce from well ahead of this clock is invalid', () => {
    const clock = new ManualClock();
    const ahead = createDpopNonces({ secret, now: () => clock.now() + 60_000 }).issue();
    assert.equal(createDpopNonces({ secret, now: () => clock.now() }).status(ahead), 'invalid');
  });

  test('refuses a short secret or a bad lifetime', () => {
    const now = () => 0;
    assert.throws(() => createDpopNonces({ secret: randomBytes(16), now }), /at least 32 bytes/);
    assert.throws(() => createDpopNonces({ secret, now, lifetimeSeconds: 0 }), /lifetime/);
  });
});

describe('DpopReplayCache', () => {
  test('records, refuses while live, forgets after expiry', async () => {
    const clock = new ManualClock();
    const cache = new DpopReplayCache({ now: () => clock.now() });
    const expiresAt = clock.now() + 1_000;
    assert.equal(await cache.checkAndRecord('k', expiresAt), true);
    assert.equal(await cache.checkAndRecord('k', expiresAt), false);
    clock.advance(1_000);
    assert.equal(await cache.checkAndRecord('k', expiresAt), false);
    clock.advance(1);
    assert.equal(await cache.checkAndRecord('k', clock.now() + 1_000), true);
  });

  test('is bounded: full of live keys it refuses, and makes room as keys expire', async () => {
    const clock = new ManualClock();
    const cache = new DpopReplayCache({ now: () => clock.now(), maxEntries: 3 });
    // Out of expiry order, so only the full sweep can find the expired one.
    await cache.checkAndRecord('a', clock.now() + 5_000);
    await cache.checkAndRecord('b', clock.now() + 1_000);
    await cache.checkAndRecord('c', clock.now() + 5_000);
    await assert.rejects(
      async () => cache.checkAndRecord('d', clock.now() + 5_000),
      (e: unknown) => e instanceof ReplayCacheFullError && e.code === 'unavailable',
    );
    assert.equal(await cache.checkAndRecord('a', clock.now() + 5_000), false);
    clock.advance(1_001);
    assert.equal(await cache.checkAndRecord('d', clock.now() + 5_000), true);
    assert.equal(cache.size, 3);
    clock.advance(10_000);
    assert.equal(await cache.checkAndRecord('e', clock.now() + 5_000), true);
    assert.equal(cache.size, 1);
  });
});

describe('DpopVerifier: arbitrary input', () => {
  const onlyProofErrors = async (run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      assert.ok(err instanceof DpopProofError, `threw ${String(err)}`);
    }
  };

  test('arbitrary strings as the proof throw nothing but DpopProofError', async () => {
    const { check } = setup({ withNonces: true });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.array(fc.string(), { maxLength: 3 }),
        ),
        (p) => onlyProofErrors(() => check(p, { requireNonce: true, accessToken: 'at' })),
      ),
      { numRuns: 500 },
    );
  });

  test('arbitrary JSON header and payload with any signature throw nothing but DpopProofError', async () => {
    const { check } = setup();
    const header = fc.oneof(
      fc.jsonValue(),
      fc.record({
        alg: fc.constantFrom(...DPOP_ALGORITHMS, 'none', 'HS256'),
        typ: fc.constant('dpop+jwt'),
        jwk: fc.jsonValue(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(header, fc.jsonValue(), fc.base64String(), (h, p, sig) =>
        onlyProofErrors(() =>
          check(
            `${b64(h)}.${b64(p)}.${sig.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}`,
          ),
        ),
      ),
    );
  });

  test('validly signed proofs with arbitrary claims throw nothing but DpopProofError', async () => {
    const { clock, check } = setup({ withNonces: true });
    const member = fc.constantFrom('jti', 'htm', 'htu', 'iat', 'ath', 'nonce', 'exp', 'nbf');
    const headerMember = fc.constantFrom('typ', 'crit', 'b64', 'kid', 'jwk', 'x5c');
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(member, fc.jsonValue()),
        fc.dictionary(headerMember, fc.jsonValue()),
        (claims, header) =>
          onlyProofErrors(async () =>
            check(await proof(clock, es256, { claims, header }), {
              accessToken: 'at',
              requireNonce: true,
            }),
          ),
      ),
    );
  });
});
