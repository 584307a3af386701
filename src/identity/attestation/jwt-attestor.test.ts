import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { ManualClock } from '../../core/clock.js';
import { MandateError } from '../../core/errors.js';
import type { TrustedIssuerRecord } from '../../core/store/records.js';
import type { AttestationFailureReason } from './attestation-error.js';
import { JwtAttestor } from './jwt-attestor.js';
import type { TrustedIssuerLookup } from './jwt-attestor.js';

/** A JWKS endpoint on a loopback port; `keys` can be changed to simulate rotation. */
class JwksServer {
  hits = 0;
  status = 200;
  private constructor(
    private readonly server: Server,
    public keys: JWK[],
  ) {}

  static async start(keys: JWK[]): Promise<JwksServer> {
    const jwks = new JwksServer(
      createServer((_req, res) => {
        jwks.hits++;
        res.writeHead(jwks.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: jwks.keys }));
      }),
      keys,
    );
    await new Promise<void>((resolve) => jwks.server.listen(0, '127.0.0.1', resolve));
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKey(alg: string, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk };
}

const clock = new ManualClock();
const now = (): number => Math.floor(clock.now() / 1000);

async function sign(
  key: TestKey,
  claims: JWTPayload,
  header: { kid?: string | null; alg?: string } = {},
): Promise<string> {
  const kid = header.kid === null ? undefined : (header.kid ?? key.kid);
  return new SignJWT({ iat: now(), exp: now() + 600, ...claims })
    .setProtectedHeader({ alg: header.alg ?? key.alg, ...(kid === undefined ? {} : { kid }) })
    .sign(key.privateKey);
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

const K8S_ISS = 'https://kubernetes.default.svc.cluster.local';
const CI_ISS = 'https://token.actions.githubusercontent.com';
const INLINE_ISS = 'https://issuer.inline.test';

function k8sClaims(namespace: string, sa: string): JWTPayload {
  return {
    iss: K8S_ISS,
    sub: `system:serviceaccount:${namespace}:${sa}`,
    aud: ['mandate'],
    'kubernetes.io': { namespace, serviceaccount: { name: sa, uid: '5f0c-1' } },
  };
}

const ciClaims = (ref: string): JWTPayload => ({
  iss: CI_ISS,
  sub: 'repo:acme/deployer:ref:' + ref,
  aud: 'https://mandate.example',
  repository: 'acme/deployer',
  ref,
});

function record(issuer: string, fields: Partial<TrustedIssuerRecord>): TrustedIssuerRecord {
  return {
    issuer,
    jwksUri: null,
    jwks: null,
    audience: 'mandate',
    rules: [],
    createdAt: 0,
    ...fields,
  };
}

function lookupOf(...records: TrustedIssuerRecord[]): TrustedIssuerLookup {
  return async (iss) => records.find((r) => r.issuer === iss);
}

async function rejectsWith(
  promise: Promise<unknown>,
  reason: AttestationFailureReason,
  token?: string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof MandateError, `expected a MandateError, got ${String(err)}`);
    assert.equal(err.code, 'attestation_failed');
    assert.deepEqual(err.details, { reason }, err.message);
    assert.ok(!err.message.includes('\n'), 'message is one line');
    const prose = err.message.replace(/`[^`]*`/g, '');
    assert.equal(prose, prose.toLowerCase(), 'message is lowercase outside backticks');
    if (token) assert.ok(!err.message.includes(token), 'message never contains the token');
    return true;
  });
}

describe('JwtAttestor', () => {
  let k8sKey: TestKey,
    ciKey: TestKey,
    inlineKey: TestKey,
    k8sServer: JwksServer,
    ciServer: JwksServer;
  let k8s: TrustedIssuerRecord, ci: TrustedIssuerRecord, inline: TrustedIssuerRecord;
  let lookup: TrustedIssuerLookup;
  let attestor: JwtAttestor;

  before(async () => {
    [k8sKey, ciKey, inlineKey] = await Promise.all([
      newKey('RS256', 'k8s-1'),
      newKey('ES256', 'ci-1'),
      newKey('EdDSA', 'in-1'),
    ]);
    k8sServer = await JwksServer.start([k8sKey.jwk]);
    ciServer = await JwksServer.start([ciKey.jwk]);
    k8s = record(K8S_ISS, {
      jwksUri: k8sServer.url,
      rules: [
        {
          match: {
            'kubernetes.io.namespace': 'payments',
            'kubernetes.io.serviceaccount.name': 'invoice-bot',
          },
          agent: 'invoice-bot',
        },
        { match: { 'kubernetes.io.namespace': 'payments' }, agent: 'payments-default' },
      ],
    });
    ci = record(CI_ISS, {
      jwksUri: ciServer.url,
      audience: 'https://mandate.example',
      rules: [
        { match: { repository: 'acme/deployer', ref: 'refs/heads/main' }, agent: 'deployer' },
      ],
    });
    inline = record(INLINE_ISS, {
      jwks: { keys: [inlineKey.jwk] },
      rules: [{ match: { sub: 'worker-7' }, agent: 'worker' }],
    });
    lookup = lookupOf(k8s, ci, inline);
    attestor = new JwtAttestor({ clock });
  });

  after(async () => {
    await Promise.all([k8sServer.close(), ciServer.close()]);
  });

  it('maps a Kubernetes service-account token to its agent through nested claims', async () => {
    const token = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'));
    const result = await attestor.attest(token, lookup);
    assert.equal(result.issuer, K8S_ISS);
    assert.equal(result.agentName, 'invoice-bot');
    assert.equal(result.subject, 'system:serviceaccount:payments:invoice-bot');
    assert.equal(result.expiresAt, (now() + 600) * 1000);
    assert.deepEqual(result.claims['kubernetes.io'], {
      namespace: 'payments',
      serviceaccount: { name: 'invoice-bot', uid: '5f0c-1' },
    });
  });

  it('uses the first matching rule', async () => {
    const token = await sign(k8sKey, k8sClaims('payments', 'reporter'));
    assert.equal((await attestor.attest(token, lookup)).agentName, 'payments-default');
  });

  it('maps a CI OIDC token to its agent', async () => {
    const token = await sign(ciKey, ciClaims('refs/heads/main'));
    const result = await attestor.attest(token, lookup);
    assert.equal(result.agentName, 'deployer');
    assert.equal(result.issuer, CI_ISS);
  });

  it('rejects a token no rule matches', async () => {
    await rejectsWith(
      attestor.attest(await sign(ciKey, ciClaims('refs/heads/feature')), lookup),
      'no_matching_rule',
    );
    await rejectsWith(
      attestor.attest(await sign(k8sKey, k8sClaims('default', 'invoice-bot')), lookup),
      'no_matching_rule',
    );
  });

  it('rejects an issuer that is not trusted', async () => {
    const token = await sign(k8sKey, {
      ...k8sClaims('payments', 'invoice-bot'),
      iss: 'https://evil.example',
    });
    await rejectsWith(attestor.attest(token, lookup), 'unknown_issuer', token);
  });

  it('rejects expired tokens, allowing the clock tolerance', async () => {
    const token = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'));
    const start = clock.now();
    try {
      clock.advance(620_000); // 20 s past exp: inside the 30 s tolerance
      assert.equal((await attestor.attest(token, lookup)).agentName, 'invoice-bot');
      clock.advance(20_000);
      await rejectsWith(attestor.attest(token, lookup), 'expired', token);
    } finally {
      clock.set(start);
    }
  });

  it('rejects tokens that are not valid yet', async () => {
    const token = await sign(k8sKey, { ...k8sClaims('payments', 'invoice-bot'), nbf: now() + 120 });
    await rejectsWith(attestor.attest(token, lookup), 'not_yet_valid', token);
  });

  it('rejects a token for another audience, or without one', async () => {
    await rejectsWith(
      attestor.attest(
        await sign(k8sKey, { ...k8sClaims('payments', 'invoice-bot'), aud: 'vault' }),
        lookup,
      ),
      'wrong_audience',
    );
    const { aud: _aud, ...noAud } = k8sClaims('payments', 'invoice-bot');
    await rejectsWith(attestor.attest(await sign(k8sKey, noAud), lookup), 'wrong_audience');
  });

  it('rejects a token whose iss is not the issuer the lookup returned', async () => {
    const token = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'));
    await rejectsWith(
      attestor.attest(token, async () => ({ ...k8s, issuer: `${K8S_ISS}/other` })),
      'wrong_issuer',
    );
  });

  it('requires exp and sub', async () => {
    const { sub: _sub, ...noSub } = k8sClaims('payments', 'invoice-bot');
    await rejectsWith(attestor.attest(await sign(k8sKey, noSub), lookup), 'missing_claim');
    const noExp = await sign(k8sKey, { ...k8sClaims('payments', 'invoice-bot'), exp: undefined });
    await rejectsWith(attestor.attest(noExp, lookup), 'missing_claim');
  });

  it('rejects tokens older than maxTokenAgeSeconds', async () => {
    const strict = new JwtAttestor({ clock, maxTokenAgeSeconds: 300 });
    const old = await sign(k8sKey, { ...k8sClaims('payments', 'invoice-bot'), iat: now() - 3600 });
    await rejectsWith(strict.attest(old, lookup), 'token_too_old');
    const fresh = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'));
    assert.equal((await strict.attest(fresh, lookup)).agentName, 'invoice-bot');
  });

  it('rejects unsigned tokens (alg none)', async () => {
    const token = `${b64({ alg: 'none' })}.${b64(k8sClaims('payments', 'invoice-bot'))}.`;
    await rejectsWith(attestor.attest(token, lookup), 'alg_not_allowed', token);
  });

  it('rejects HS256 signed with the issuer public key (algorithm confusion) before any key lookup', async () => {
    const secret = new TextEncoder().encode(await exportSPKI(k8sKey.publicKey));
    const token = await new SignJWT({ ...k8sClaims('payments', 'invoice-bot'), exp: now() + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: 'k8s-1' })
      .sign(secret);
    const hits = k8sServer.hits;
    await rejectsWith(
      attestor.attest(token, async () => assert.fail('no lookup for a refused alg')),
      'alg_not_allowed',
      token,
    );
    assert.equal(k8sServer.hits, hits);
  });

  it('rejects a kid the issuer does not publish', async () => {
    const token = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'), { kid: 'k8s-unknown' });
    await rejectsWith(attestor.attest(token, lookup), 'unknown_kid', token);
  });

  it('rejects a signature made by another key under the same kid', async () => {
    const impostor = await newKey('RS256', 'k8s-1');
    const token = await sign(impostor, k8sClaims('payments', 'invoice-bot'));
    await rejectsWith(attestor.attest(token, lookup), 'bad_signature', token);
  });

  it('rejects malformed input', async () => {
    const payload = b64(k8sClaims('payments', 'invoice-bot'));
    const cases = [
      '',
      'not a jwt',
      'a.b',
      `${b64({ alg: 'RS256' })}.${payload}`,
      `not-json.${payload}.c2ln`,
      `${Buffer.from('{"alg":').toString('base64url')}.${payload}.c2ln`,
      `${b64(['RS256'])}.${payload}.c2ln`,
      `${b64({ alg: 'RS256' })}.${b64({ sub: 'x' })}.c2ln`,
      `${b64({ alg: 'RS256' })}.${payload}.`,
      `${b64({ alg: 'RS256', kid: 7 })}.${payload}.c2ln`,
      'a.b.c.d.e',
      `${b64({ alg: 'RS256' })}.${payload}.${'A'.repeat(20_000)}`,
    ];
    for (const token of cases) await rejectsWith(attestor.attest(token, lookup), 'malformed');
  });

  it('accepts a key the issuer rotates in, after refetching its JWKS', async () => {
    const server = await JwksServer.start([k8sKey.jwk]);
    try {
      const rotating = lookupOf({ ...k8s, jwksUri: server.url });
      const eager = new JwtAttestor({ clock, jwksCooldownSeconds: 0 });
      await eager.attest(await sign(k8sKey, k8sClaims('payments', 'invoice-bot')), rotating);
      assert.equal(server.hits, 1);
      await eager.attest(await sign(k8sKey, k8sClaims('payments', 'invoice-bot')), rotating);
      assert.equal(server.hits, 1, 'the JWKS is cached');

      const next = await newKey('RS256', 'k8s-2');
      server.keys = [k8sKey.jwk, next.jwk];
      const result = await eager.attest(
        await sign(next, k8sClaims('payments', 'invoice-bot')),
        rotating,
      );
      assert.equal(result.agentName, 'invoice-bot');
      assert.equal(server.hits, 2);

      // Within the cooldown an unknown kid does not trigger a fetch.
      const patient = new JwtAttestor({ clock });
      await patient.attest(await sign(k8sKey, k8sClaims('payments', 'invoice-bot')), rotating);
      const later = await newKey('RS256', 'k8s-3');
      server.keys = [...server.keys, later.jwk];
      const hits = server.hits;
      await rejectsWith(
        patient.attest(await sign(later, k8sClaims('payments', 'invoice-bot')), rotating),
        'unknown_kid',
      );
      assert.equal(server.hits, hits);
    } finally {
      await server.close();
    }
  });

  it('rebuilds the key set when the issuer jwksUri changes', async () => {
    const moved = await JwksServer.start([k8sKey.jwk]);
    try {
      const local = new JwtAttestor({ clock });
      const token = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'));
      await local.attest(token, lookup);
      await local.attest(token, lookupOf({ ...k8s, jwksUri: moved.url }));
      assert.equal(moved.hits, 1);
    } finally {
      await moved.close();
    }
  });

  it('reports jwks_unavailable when the JWKS server is down or failing', async () => {
    const down = await JwksServer.start([k8sKey.jwk]);
    const downUrl = down.url;
    await down.close();
    const token = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'));
    await rejectsWith(
      new JwtAttestor({ clock }).attest(token, lookupOf({ ...k8s, jwksUri: downUrl })),
      'jwks_unavailable',
      token,
    );

    const failing = await JwksServer.start([k8sKey.jwk]);
    failing.status = 500;
    try {
      await rejectsWith(
        new JwtAttestor({ clock }).attest(token, lookupOf({ ...k8s, jwksUri: failing.url })),
        'jwks_unavailable',
      );
    } finally {
      await failing.close();
    }
  });

  it('fetches through the injected fetch', async () => {
    const urls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    const token = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'));
    await new JwtAttestor({ clock, fetch: counting }).attest(token, lookup);
    assert.deepEqual(urls, [k8sServer.url]);
  });

  it('verifies against an inline JWKS, trying every key when the token has no kid', async () => {
    const token = await sign(inlineKey, { iss: INLINE_ISS, sub: 'worker-7', aud: 'mandate' });
    assert.equal((await attestor.attest(token, lookup)).agentName, 'worker');

    const [a, b] = await Promise.all([newKey('ES256', 'x'), newKey('ES256', 'y')]);
    const bare = (k: TestKey): JWK => ({ kty: k.jwk.kty, crv: k.jwk.crv, x: k.jwk.x, y: k.jwk.y });
    const twoKeys = lookupOf({ ...inline, jwks: { keys: [bare(a), bare(b)] } });
    const noKid = await sign(
      b,
      { iss: INLINE_ISS, sub: 'worker-7', aud: 'mandate' },
      { kid: null },
    );
    assert.equal((await attestor.attest(noKid, twoKeys)).agentName, 'worker');
    const stranger = await newKey('ES256', 'z');
    await rejectsWith(
      attestor.attest(
        await sign(stranger, { iss: INLINE_ISS, sub: 'worker-7', aud: 'mandate' }, { kid: null }),
        twoKeys,
      ),
      'bad_signature',
    );
  });

  it('lets errors of the lookup itself propagate', async () => {
    const token = await sign(k8sKey, k8sClaims('payments', 'invoice-bot'));
    await assert.rejects(
      attestor.attest(token, async () => Promise.reject(new Error('store down'))),
      /store down/,
    );
  });

  it('never throws anything but attestation_failed for arbitrary input', async () => {
    const segment = fc.jsonValue().map(b64);
    const arbitraryToken = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.tuple(segment, segment, fc.string()).map((parts) => parts.join('.')),
      fc
        .dictionary(fc.string(), fc.jsonValue())
        .map(
          (claims) =>
            `${b64({ alg: 'RS256', kid: 'k8s-1' })}.${b64({ ...claims, iss: K8S_ISS })}.c2lnbmF0dXJl`,
        ),
    );
    await fc.assert(
      fc.asyncProperty(arbitraryToken, async (token) => {
        try {
          await attestor.attest(token, lookup);
          return false;
        } catch (err) {
          return err instanceof MandateError && err.code === 'attestation_failed';
        }
      }),
      { numRuns: 300 },
    );
  });
});
