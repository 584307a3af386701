import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RevocationFeed } from '../../../src/sdk/revocation-feed.js';
import { TokenVerifier, TokenVerificationError } from '../../../src/sdk/index.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminOk, registerAgent, RESOURCE, revoke, startTask, svid } from '../oauth/helpers.js';
import { TcpProxy, waitFor } from './helpers.js';

/** The SDK's RevocationFeed in this process against a real Mandate, through a proxy the tests stall. */
describe('RevocationFeed', () => {
  let server: TestServer;
  let proxy: TcpProxy;
  const feeds: RevocationFeed[] = [];
  const alpha = { name: 'alpha', id: '' };
  const verifierWith = (feed: RevocationFeed) =>
    new TokenVerifier({
      issuer: server.config.issuer,
      audience: RESOURCE,
      jwksUri: `${server.url}/.well-known/jwks.json`,
      revocation: feed.check,
    });
  const refusal = async (verifier: TokenVerifier, token: string): Promise<string> => {
    const err = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof TokenVerificationError, 'the token must be refused');
    assert.equal(err.reason, 'revoked');
    return err.message;
  };

  before(async () => {
    server = await startTestServer({ flags: { eventsHeartbeat: 1 } });
    alpha.id = await registerAgent(server, 'alpha');
    proxy = await TcpProxy.start(Number(new URL(server.url).port));
  });
  after(async () => {
    await Promise.all(feeds.map((f) => f.close()));
    await proxy?.close();
    await server?.stop();
  });

  test('with a credential Mandate refuses, it never gets a snapshot, and every check fails closed saying why', async () => {
    const feed = new RevocationFeed({
      url: server.url,
      token: 'not-a-valid-token',
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    }).start();
    feeds.push(feed);
    await assert.rejects(
      feed.ready(1500),
      /no snapshot within 1500 ms: GET \/v1\/events answered 401: the bearer token is neither the admin token nor a jwt-svid/,
    );
    const task = await startTask(server, alpha);
    assert.match(
      await refusal(verifierWith(feed), task.access_token),
      /revocation status unknown, failing closed: the revocation stream has not delivered its snapshot yet; last error: GET \/v1\/events answered 401/,
    );
  });

  test('a token function is asked again at each reconnect (a short-lived JWT-SVID of an enforcement point)', async () => {
    await server.admin.registerAgent({
      name: 'edge',
      owner: 'ops@example.org',
      purpose: 'remote gateway',
      labels: { 'enforcement-point': '' },
    });
    let asked = 0;
    const feed = new RevocationFeed({
      url: proxy.url,
      token: async () => {
        asked++;
        return svid(server, 'edge', { audience: `${server.config.issuer}/v1/events` });
      },
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    }).start();
    feeds.push(feed);
    await feed.ready();
    assert.equal(asked, 1);
    proxy.drop();
    await waitFor('a reconnection', () => feed.status.connects >= 2 && feed.status.connected);
    assert.ok(asked >= 2);
    await feed.close();
    const task = await startTask(server, alpha);
    assert.match(
      await refusal(verifierWith(feed), task.access_token),
      /the revocation feed is closed/,
      'a closed feed fails closed',
    );
  });

  test('a token function that never answers does not stall the feed: the attempt is abandoned when stale, tried again, and close() returns', async () => {
    let asked = 0;
    const feed = new RevocationFeed({
      url: server.url,
      token: () => {
        asked++;
        return new Promise<string>(() => undefined);
      },
      maxStalenessMs: 300,
      reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
    }).start();
    await waitFor('a second attempt', () => asked >= 2);
    assert.match(
      feed.status.lastError ?? '',
      /nothing heard on the revocation stream|the token function did not answer in time/,
    );
    await feed.close();
    const task = await startTask(server, alpha);
    assert.match(
      await refusal(verifierWith(feed), task.access_token),
      /the revocation feed is closed/,
    );
  });

  test('stale with introspection configured: live tokens pass, revoked ones are refused, an unreachable introspection refuses saying both', async () => {
    const live = await startTask(server, alpha);
    const revoked = await startTask(server, alpha);
    const feed = new RevocationFeed({
      url: proxy.url,
      token: server.adminToken,
      maxStalenessMs: 1500,
      introspection: { token: server.adminToken, url: `${server.url}/oauth/introspect` },
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    }).start();
    feeds.push(feed);
    await feed.ready();
    const verifier = verifierWith(feed);
    await verifier.verify(live.access_token);
    proxy.pause();
    try {
      await revoke(server, revoked.access_token);
      await waitFor('the feed to go stale', () => feed.status.stale);
      assert.equal(
        feed.status.seq < server.mandate.revocationBus.seq,
        true,
        'the revocation has not reached the stalled feed',
      );
      const principal = await verifier.verify(live.access_token);
      assert.equal(principal.taskId, live.task_id, 'introspection says the token is active');
      assert.match(
        await refusal(verifier, revoked.access_token),
        /the token is not active \(introspection, the revocation stream being stale\)/,
      );
      const unreachable = new RevocationFeed({
        url: proxy.url,
        token: server.adminToken,
        introspection: {
          token: server.adminToken,
          url: 'http://127.0.0.1:9/oauth/introspect',
          timeoutMs: 500,
        },
      });
      assert.match(
        String(await unreachable.check(principal)),
        /has not delivered its snapshot yet; introspection failed/,
      );
    } finally {
      proxy.resume();
    }
    await waitFor(
      'the feed to be fresh and caught up',
      () => !feed.status.stale && feed.status.seq >= server.mandate.revocationBus.seq,
    );
    assert.match(await refusal(verifier, revoked.access_token), /token revoked/);
  });

  test('ready() resolves at the first snapshot; status counts snapshots and resumes', async () => {
    const feed = new RevocationFeed({
      url: proxy.url,
      token: server.adminToken,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    }).start();
    feeds.push(feed);
    await feed.ready();
    assert.deepEqual(
      [feed.status.snapshots, feed.status.resumes, feed.status.connected],
      [1, 0, true],
    );
    proxy.drop();
    await adminOk(server, 'POST', '/v1/agents/alpha/suspend');
    await waitFor(
      'the feed to resume and apply the suspension',
      () => feed.status.seq >= server.mandate.revocationBus.seq,
    );
    assert.equal(feed.status.snapshots, 1);
    assert.equal(feed.status.resumes, 1);
    await adminOk(server, 'POST', '/v1/agents/alpha/resume');
  });
});
