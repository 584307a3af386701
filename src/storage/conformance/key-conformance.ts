import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SigningKeyRecord, TrustedIssuerRecord } from '../../core/store/index.js';
import type { WithStore } from './fixtures.js';

/** The contracts of signing keys, CAs, issued credentials and trusted issuers. Run by `storeConformance` for every dialect. */
export function keyConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: keys, CAs, credentials, trusted issuers`, () => {
    test('keys, CAs and credentials round-trip; lastExpiry is per signer', () =>
      withStore(async (s) => {
        const key: SigningKeyRecord = {
          kid: 'k1',
          purpose: 'token',
          alg: 'ES256',
          state: 'next',
          publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
          sealedPrivateKey: 'v1.a.b.c',
          createdAt: 1,
          activatedAt: null,
          retiredAt: null,
          publishUntil: null,
        };
        await s.transaction(async (tx) => {
          await tx.keys.insert(key);
          await tx.keys.insert({ ...key, kid: 'k2', purpose: 'jwt-svid', createdAt: 2 });
          await tx.cas.insert({
            id: 'ca1',
            certPem: 'C',
            chainPems: ['I'],
            rootPems: ['R'],
            sealedPrivateKey: 's',
            notBefore: 0,
            notAfter: 10,
            state: 'active',
            createdAt: 0,
          });
          await tx.credentials.insert({
            id: 'c1',
            kind: 'jwt-svid',
            subject: 'spiffe://example.org/agent/a',
            audience: ['x'],
            signer: 'k1',
            issuedAt: 0,
            expiresAt: 100,
          });
          await tx.credentials.insert({
            id: 'c2',
            kind: 'jwt-svid',
            subject: 'spiffe://example.org/agent/a',
            audience: ['x'],
            signer: 'k1',
            issuedAt: 0,
            expiresAt: 300,
          });
          await tx.credentials.insert({
            id: 'c3',
            kind: 'x509-svid',
            subject: 'spiffe://example.org/agent/a',
            audience: [],
            signer: 'ca1',
            issuedAt: 0,
            expiresAt: 50,
          });
        });
        assert.deepEqual(await s.read.keys.get('k1'), key);
        assert.deepEqual(
          (await s.read.keys.list('jwt-svid')).map((k) => k.kid),
          ['k2'],
        );
        await s.transaction((tx) =>
          tx.keys.update({ ...key, state: 'retired', retiredAt: 5, publishUntil: 9 }),
        );
        assert.equal((await s.read.keys.get('k1'))?.publishUntil, 9);
        assert.deepEqual((await s.read.cas.list())[0]?.chainPems, ['I']);
        assert.equal(await s.read.credentials.lastExpiry('k1'), 300);
        assert.equal(await s.read.credentials.lastExpiry('nobody'), undefined);
        assert.equal(await s.read.credentials.count('jwt-svid'), 2);
        assert.equal(await s.read.credentials.count(), 3);
      }));
    test('trusted issuers: upsert replaces, delete reports whether it removed', () =>
      withStore(async (s) => {
        const issuer: TrustedIssuerRecord = {
          issuer: 'https://issuer.example',
          jwksUri: 'https://issuer.example/jwks',
          jwks: null,
          audience: 'mandate',
          rules: [{ match: { 'kubernetes.io.namespace': 'prod' }, agent: 'a' }],
          createdAt: 1,
        };
        await s.transaction((tx) => tx.issuers.upsert(issuer));
        await s.transaction((tx) =>
          tx.issuers.upsert({ ...issuer, jwksUri: null, jwks: { keys: [{ kty: 'EC' }] } }),
        );
        const got = await s.read.issuers.get(issuer.issuer);
        assert.equal(got?.jwksUri, null);
        assert.deepEqual(got?.jwks, { keys: [{ kty: 'EC' }] });
        assert.equal((await s.read.issuers.list()).length, 1);
        assert.equal(await s.transaction((tx) => tx.issuers.delete(issuer.issuer)), true);
        assert.equal(await s.transaction((tx) => tx.issuers.delete(issuer.issuer)), false);
      }));
  });
}
