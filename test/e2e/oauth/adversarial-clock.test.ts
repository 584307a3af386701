// Issue 3 adversarial tests, part 3: tokens outside their time window, on a server whose clock
// the test moves (ManualClock). Expired or not-yet-valid client assertions are 401
// `invalid_client`; expired or not-yet-valid subject and actor tokens are `invalid_request`
// (RFC 8693 §2.2.2). Each refusal changes nothing and is audited.
import { after, before, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  assertRefusedUnchanged,
  delegateParams,
  exchange,
  RESOURCE,
  registerAgent,
  startTask,
  svid,
  TOKEN_TYPE,
} from './helpers.js';

// The verifiers accept 30 s of clock skew; step well past it.
const SKEW = 30_000;

describe('adversarial: expired and not-yet-valid tokens', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  const alpha = { name: 'alpha', id: '' };
  const beta = { name: 'beta', id: '' };
  const start = async (): Promise<[string, string][]> => [
    ['subject_token', await svid(server, 'alpha')],
    ['subject_token_type', TOKEN_TYPE.jwt],
    ['resource', RESOURCE],
    ['scope', 'tool:search'],
  ];

  before(async () => {
    server = await startTestServer({ clock });
    alpha.id = await registerAgent(server, 'alpha');
    beta.id = await registerAgent(server, 'beta');
    await addTrustRule(server, alpha.id, beta.id);
  });
  beforeEach(() => clock.set(Date.now()));
  after(() => server.stop());

  it('refuses an expired client assertion', async () => {
    const assertion = await svid(server, 'alpha', { ttl: 60 });
    clock.advance(60_000 + SKEW + 5_000);
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion }),
      401,
      'invalid_client',
      /client assertion has expired/,
    );
  });

  it('refuses a client assertion that is not valid yet (issued in the future)', async () => {
    const assertion = await svid(server, 'alpha', { ttl: 60 });
    clock.advance(-(SKEW + 90_000));
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion }),
      401,
      'invalid_client',
      /client assertion is not valid yet/,
    );
  });

  it('refuses a client assertion that lives longer than the configured maximum', async () => {
    const assertion = await svid(server, 'alpha', {
      ttl: server.config.clientAssertionMaxLifetime + 600,
    });
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion }),
      401,
      'invalid_client',
      /lives too long/,
    );
  });

  it('refuses an expired jwt-svid as subject_token when starting a task', async () => {
    const subject = await svid(server, 'alpha', { ttl: 60 });
    clock.advance(60_000 + SKEW + 5_000);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [
          ['subject_token', subject],
          ['subject_token_type', TOKEN_TYPE.jwt],
          ['resource', RESOURCE],
        ]),
      400,
      'invalid_request',
      /subject_token has expired/,
    );
  });

  it('refuses an expired parent task token', async () => {
    const parent = await startTask(server, alpha, [
      ['scope', 'tool:search'],
      ['expires_in', '60'],
    ]);
    clock.advance(60_000 + SKEW + 5_000);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, await delegateParams(server, parent.access_token, 'beta')),
      400,
      'invalid_request',
      /subject_token: the token has expired/,
    );
  });

  it('refuses a parent task token that is not valid yet', async () => {
    const parent = await startTask(server, alpha, [['scope', 'tool:search']]);
    clock.advance(-(SKEW + 90_000));
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, await delegateParams(server, parent.access_token, 'beta')),
      400,
      'invalid_request',
      /subject_token: the token was issued in the future/,
    );
  });

  it('refuses an expired actor token', async () => {
    // Bound to alpha, the delegator, as the holder's delegation needs: only its expiry is wrong.
    const actor = await svid(server, 'beta', {
      audience: [server.config.issuer, alpha.id],
      ttl: 60,
    });
    clock.advance(60_000 + SKEW + 5_000);
    const parent = await startTask(server, alpha, [['scope', 'tool:search']]);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [
          ['subject_token', parent.access_token],
          ['subject_token_type', TOKEN_TYPE.accessToken],
          ['actor_token', actor],
          ['actor_token_type', TOKEN_TYPE.jwt],
        ]),
      400,
      'invalid_request',
      /actor_token has expired/,
    );
  });
});
