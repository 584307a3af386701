import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import type { OAuthClientRecord, RegistrationTokenRecord } from '../../core/store/index.js';
import { audit, type WithStore } from './fixtures.js';

const client = (clientId: string, over: Partial<OAuthClientRecord> = {}): OAuthClientRecord => ({
  clientId,
  id: `id-${clientId.replace(/[^a-z0-9]/g, '')}`,
  kind: 'registered',
  name: 'Test client',
  redirectUris: ['http://127.0.0.1/callback'],
  tokenEndpointAuthMethod: 'none',
  logoUri: null,
  clientUri: null,
  owner: null,
  status: 'active',
  createdBy: 'registration',
  createdAt: 1,
  updatedAt: 1,
  revokedAt: null,
  ...over,
});

const token = (
  hash: string,
  over: Partial<RegistrationTokenRecord> = {},
): RegistrationTokenRecord => ({
  hash,
  createdBy: 'admin',
  createdAt: 1,
  expiresAt: 100,
  usesLeft: 2,
  ...over,
});

const isConflict = (err: unknown) => err instanceof MandateError && err.code === 'conflict';

/** The contracts of OAuth clients and registration tokens. Run by `storeConformance` for every dialect. */
export function clientConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: oauth clients and registration tokens`, () => {
    test('clients: insert, get by client_id and by id, list oldest first with filters, update', () =>
      withStore(async (s) => {
        const doc = client('https://app.example/client.json', {
          kind: 'metadata-document',
          owner: 'alice@example.org',
          createdAt: 2,
          logoUri: 'https://app.example/logo.png',
        });
        await s.transaction(async (tx) => {
          await tx.oauthClients.insert(doc);
          await tx.oauthClients.insert(client('c1'));
          await tx.oauthClients.insert(client('c3', { createdAt: 3, status: 'revoked' }));
        });
        assert.deepEqual(await s.read.oauthClients.get('https://app.example/client.json'), doc);
        assert.deepEqual(await s.read.oauthClients.getById('id-c1'), client('c1'));
        assert.equal(await s.read.oauthClients.get('missing'), undefined);
        assert.equal(await s.read.oauthClients.getById('missing'), undefined);
        assert.deepEqual(
          (await s.read.oauthClients.list()).map((c) => c.clientId),
          ['c1', doc.clientId, 'c3'],
        );
        assert.deepEqual(
          (await s.read.oauthClients.list({ status: 'active' })).map((c) => c.clientId),
          ['c1', doc.clientId],
        );
        assert.deepEqual(
          (await s.read.oauthClients.list({ owner: 'alice@example.org' })).map((c) => c.clientId),
          [doc.clientId],
        );
        assert.deepEqual(
          (await s.read.oauthClients.list({ kind: 'registered', status: 'revoked' })).map(
            (c) => c.clientId,
          ),
          ['c3'],
        );
        const changed = {
          ...client('c1'),
          name: 'Renamed',
          redirectUris: ['https://a.example/cb', 'http://localhost/cb'],
          owner: 'bob@example.org',
          status: 'revoked' as const,
          revokedAt: 9,
          updatedAt: 9,
        };
        await s.transaction((tx) =>
          tx.oauthClients.update({
            ...changed,
            id: 'other',
            kind: 'metadata-document',
            createdAt: 7,
          }),
        );
        assert.deepEqual(
          await s.read.oauthClients.get('c1'),
          changed,
          'the id, kind and creation time stay',
        );
      }));

    test('clients: a taken client_id or id is a conflict and changes nothing', () =>
      withStore(async (s) => {
        await s.transaction((tx) => tx.oauthClients.insert(client('c1')));
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.audit.append(audit);
            await tx.oauthClients.insert(client('c1', { id: 'fresh' }));
          }),
          isConflict,
        );
        await assert.rejects(
          s.transaction((tx) => tx.oauthClients.insert(client('c2', { id: 'id-c1' }))),
          isConflict,
        );
        assert.deepEqual(
          (await s.read.oauthClients.list()).map((c) => c.clientId),
          ['c1'],
        );
        assert.equal((await s.read.audit.list()).length, 0);
      }));

    test('clients: deleteUnclaimed takes only registered clients without an owner, created before, oldest first, at most the limit', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.oauthClients.insert(client('old2', { createdAt: 2 }));
          await tx.oauthClients.insert(client('old1', { createdAt: 1 }));
          await tx.oauthClients.insert(client('old3', { createdAt: 3 }));
          await tx.oauthClients.insert(client('owned', { createdAt: 1, owner: 'alice' }));
          await tx.oauthClients.insert(
            client('https://d.example/c', { createdAt: 1, kind: 'metadata-document' }),
          );
          await tx.oauthClients.insert(client('new', { createdAt: 50 }));
        });
        assert.equal(await s.transaction((tx) => tx.oauthClients.deleteUnclaimed(10, 2)), 2);
        assert.deepEqual(
          (await s.read.oauthClients.list()).map((c) => c.clientId),
          ['https://d.example/c', 'owned', 'old3', 'new'],
        );
        assert.equal(await s.transaction((tx) => tx.oauthClients.deleteUnclaimed(10, 100)), 1);
        assert.equal(await s.transaction((tx) => tx.oauthClients.deleteUnclaimed(10, 100)), 0);
      }));

    test('registration tokens: consume takes one use at a time until used up or expired; deleteExpired', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.registrationTokens.insert(token('h1'));
          await tx.registrationTokens.insert(token('h2', { expiresAt: 10 }));
        });
        assert.deepEqual(await s.read.registrationTokens.get('h1'), token('h1'));
        await assert.rejects(
          s.transaction((tx) => tx.registrationTokens.insert(token('h1'))),
          isConflict,
        );
        assert.deepEqual(
          await s.transaction((tx) => tx.registrationTokens.consume('h1', 50)),
          token('h1', { usesLeft: 1 }),
        );
        assert.equal(
          (await s.transaction((tx) => tx.registrationTokens.consume('h1', 50)))?.usesLeft,
          0,
        );
        assert.equal(
          await s.transaction((tx) => tx.registrationTokens.consume('h1', 50)),
          undefined,
          'used up',
        );
        assert.equal(
          await s.transaction((tx) => tx.registrationTokens.consume('h2', 10)),
          undefined,
          'expired at its expiry',
        );
        assert.equal(
          await s.transaction((tx) => tx.registrationTokens.consume('missing', 1)),
          undefined,
        );
        assert.equal(await s.transaction((tx) => tx.registrationTokens.deleteExpired(11)), 1);
        assert.equal(await s.read.registrationTokens.get('h2'), undefined);
        assert.equal((await s.read.registrationTokens.get('h1'))?.usesLeft, 0);
      }));
  });
}
