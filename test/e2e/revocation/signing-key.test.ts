// Issue 7 item 1: a revoked signing key kills every token it signed at once, at Mandate's own
// endpoints too, even though each verifier caches the published keys for a few seconds:
// introspection answers inactive, the token cannot be exchanged for a delegated child, and it
// cannot end its task.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  adminOk,
  delegateParams,
  exchange,
  isActive,
  registerAgent,
  startTask,
  tokenOk,
} from '../oauth/helpers.js';

describe("a revoked signing key at Mandate's own endpoints", () => {
  let server: TestServer;
  const alpha = { name: 'alpha', id: '' };
  const beta = { name: 'beta', id: '' };

  before(async () => {
    server = await startTestServer();
    alpha.id = await registerAgent(server, alpha.name);
    beta.id = await registerAgent(server, beta.name);
    await addTrustRule(server, alpha.id, beta.id);
  });
  after(() => server.stop());

  it('its tokens are inactive, cannot be delegated from and cannot end their task, right after the revoke', async () => {
    const task = await startTask(server, alpha);
    // Each endpoint sees the token once before the revoke, so the signing key sits in its verifier's cache.
    assert.equal(await isActive(server, task.access_token), true);
    const params = await delegateParams(server, task.access_token, beta.name, [
      ['scope', 'tool:search'],
    ]);
    const child = tokenOk(await exchange(server, alpha, params));
    assert.equal(await isActive(server, child.access_token), true);

    const kid = decodeProtectedHeader(task.access_token).kid!;
    await adminOk(server, 'POST', `/v1/keys/${encodeURIComponent(kid)}/revoke`);

    assert.equal(await isActive(server, task.access_token), false, 'introspection');
    assert.equal(
      await isActive(server, child.access_token),
      false,
      'a child signed by the same key',
    );
    const again = await exchange(
      server,
      alpha,
      await delegateParams(server, task.access_token, beta.name, [['scope', 'tool:search']]),
    );
    assert.equal(again.status, 400, again.text);
    assert.match(
      String(again.body.error_description),
      new RegExp(`signing key \`${kid}\` was revoked|unknown key`),
    );
    const end = await fetch(`${server.url}/v1/tasks/${task.task_id}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${task.access_token}` },
    });
    assert.equal(end.status, 401, await end.text());
    // A new task gets a token from the key that signs now, and it works.
    const fresh = await startTask(server, alpha);
    assert.notEqual(decodeProtectedHeader(fresh.access_token).kid, kid);
    assert.equal(await isActive(server, fresh.access_token), true);
  });
});
