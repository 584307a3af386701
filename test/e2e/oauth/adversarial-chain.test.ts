// Issue 3 adversarial tests, part 2: what a delegation chain may not do (widen scope or
// audience, outlive its parent, go too deep, skip the trust rules, reuse a revoked parent, take
// an actor token that does not name the delegator), and DPoP proofs that must be refused
// (replay, wrong htu). Each refusal changes nothing and is audited (assertRefusedUnchanged).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  assertRefusedUnchanged,
  auditEvents,
  claimsOf,
  delegate,
  delegateParams,
  delegationSvid,
  dpopProof,
  exchange,
  lastAuditSeq,
  RESOURCE,
  registerAgent,
  revoke,
  startTask,
  svid,
  TOKEN_TYPE,
  tokenOk,
} from './helpers.js';

describe('adversarial: delegation chains and dpop proofs', () => {
  let server: TestServer;
  const alpha = { name: 'alpha', id: '' };
  const beta = { name: 'beta', id: '' };
  const gamma = { name: 'gamma', id: '' };
  const shallow = { name: 'shallow', id: '' };
  const outsider = { name: 'outsider', id: '' };
  let depthRule = '';
  const startParams = async (
    agent: string,
    extra: [string, string][],
  ): Promise<[string, string][]> => [
    ['subject_token', await svid(server, agent)],
    ['subject_token_type', TOKEN_TYPE.jwt],
    ...extra,
  ];
  /** Delegation params with exactly this actor token. */
  const withActor = (parent: string, actor: string): [string, string][] => [
    ['subject_token', parent],
    ['subject_token_type', TOKEN_TYPE.accessToken],
    ['actor_token', actor],
    ['actor_token_type', TOKEN_TYPE.jwt],
  ];

  before(async () => {
    server = await startTestServer();
    alpha.id = await registerAgent(server, 'alpha', {
      scopes: ['tool:search', 'tool:fetch', 'tool:github/*'],
    });
    beta.id = await registerAgent(server, 'beta', { scopes: ['tool:search', 'tool:fetch'] });
    gamma.id = await registerAgent(server, 'gamma', { scopes: ['tool:search'] });
    shallow.id = await registerAgent(server, 'shallow', { scopes: ['tool:search'], maxDepth: 1 });
    outsider.id = await registerAgent(server, 'outsider', { scopes: ['tool:search'] });
    await addTrustRule(server, alpha.id, beta.id);
    await addTrustRule(server, shallow.id, beta.id);
    await addTrustRule(server, beta.id, gamma.id);
    depthRule = await addTrustRule(server, beta.id, outsider.id, 1);
  });
  after(() => server.stop());

  it('refuses a scope the agent may not hold when starting a task (invalid_scope)', async () => {
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          gamma,
          await startParams('gamma', [
            ['scope', 'tool:search tool:fetch'],
            ['resource', RESOURCE],
          ]),
        ),
      400,
      'invalid_scope',
      /tool:fetch/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          alpha,
          await startParams('alpha', [
            ['scope', 'tool:*'],
            ['resource', RESOURCE],
          ]),
        ),
      400,
      'invalid_scope',
      /tool:\*/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          alpha,
          await startParams('alpha', [
            ['scope', 'bad"scope'],
            ['resource', RESOURCE],
          ]),
        ),
      400,
      'invalid_scope',
    );
  });

  it('refuses a missing or malformed resource (invalid_target)', async () => {
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await startParams('alpha', [['scope', 'tool:search']])),
      400,
      'invalid_target',
      /resource/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          alpha,
          await startParams('alpha', [
            ['scope', 'tool:search'],
            ['resource', 'not a uri'],
          ]),
        ),
      400,
      'invalid_target',
      /absolute URI/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          alpha,
          await startParams('alpha', [
            ['scope', 'tool:search'],
            ['resource', `${RESOURCE}#frag`],
          ]),
        ),
      400,
      'invalid_target',
      /fragment/,
    );
  });

  it('refuses a child that asks for more than its parent: scope (invalid_scope) or audience (invalid_target)', async () => {
    const parent = await startTask(server, alpha, [['scope', 'tool:search']]);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          alpha,
          await delegateParams(server, parent.access_token, 'beta', [
            ['scope', 'tool:search tool:fetch'],
          ]),
        ),
      400,
      'invalid_scope',
      /tool:fetch/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          alpha,
          await delegateParams(server, parent.access_token, 'beta', [
            ['resource', 'https://elsewhere.example.org/'],
          ]),
        ),
      400,
      'invalid_target',
      /elsewhere/,
    );
    // Asked by the delegate itself, the answer is the same.
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          beta,
          await delegateParams(server, parent.access_token, 'beta', [['scope', 'tool:fetch']]),
        ),
      400,
      'invalid_scope',
    );
    const child = await delegate(server, alpha, parent.access_token, 'beta', [
      ['scope', 'tool:search'],
    ]);
    assert.equal(child.scope, 'tool:search');
  });

  it('caps a later exp at the parent exp instead of refusing it', async () => {
    const parent = await startTask(server, alpha, [
      ['scope', 'tool:search'],
      ['expires_in', '60'],
    ]);
    const p = claimsOf(parent.access_token);
    assert.ok(parent.expires_in <= 60);
    const child = await delegate(server, alpha, parent.access_token, 'beta', [
      ['expires_in', '86400'],
    ]);
    const c = claimsOf(child.access_token);
    assert.ok(c.exp <= p.exp, `child exp ${c.exp} > parent exp ${p.exp}`);
    assert.ok(child.expires_in <= 60);
    const grandchild = await delegate(server, beta, child.access_token, 'gamma', [
      ['expires_in', '999999'],
    ]);
    assert.ok(claimsOf(grandchild.access_token).exp <= c.exp);
  });

  it('refuses a chain deeper than the smallest limit on it (max_delegation_depth 1)', async () => {
    const root = await startTask(server, shallow, [['scope', 'tool:search']]);
    assert.equal(claimsOf(root.access_token).max_depth, 1);
    const hop1 = await delegate(server, shallow, root.access_token, 'beta');
    assert.equal(claimsOf(hop1.access_token).depth, 1);
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, beta, await delegateParams(server, hop1.access_token, 'gamma')),
      400,
      'invalid_request',
      /depth 2.*limit of 1/,
    );
  });

  it('refuses a delegation no trust rule allows, naming what is missing or which rule refused', async () => {
    const parent = await startTask(server, alpha, [['scope', 'tool:search']]);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, await delegateParams(server, parent.access_token, 'outsider')),
      400,
      'invalid_request',
      new RegExp(`no trust rule allows \`${alpha.id}\` to delegate to \`${outsider.id}\``),
    );
    // The delegate cannot let itself in either.
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, outsider, await delegateParams(server, parent.access_token, 'outsider')),
      400,
      'invalid_request',
      /no trust rule/,
    );
    // beta → outsider is allowed only at depth 1; from depth 1 it would be depth 2.
    const child = await delegate(server, alpha, parent.access_token, 'beta');
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, beta, await delegateParams(server, child.access_token, 'outsider')),
      400,
      'invalid_request',
      new RegExp(`trust rule \`${depthRule}\` allows delegation only up to depth 1`),
    );
    // A third party, neither holder nor delegate, may not ask.
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, gamma, await delegateParams(server, parent.access_token, 'beta')),
      400,
      'invalid_request',
      /holder or the delegate/,
    );
  });

  it('refuses a revoked parent, and a child of a revoked parent, as subject_token', async () => {
    const parent = await startTask(server, alpha, [['scope', 'tool:search']]);
    const child = await delegate(server, alpha, parent.access_token, 'beta');
    await revoke(server, parent.access_token);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, await delegateParams(server, parent.access_token, 'beta')),
      400,
      'invalid_request',
      /no longer valid: token revoked/,
    );
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, beta, await delegateParams(server, child.access_token, 'gamma')),
      400,
      'invalid_request',
      /no longer valid/,
    );
  });

  it('refuses a delegation by the holder whose actor_token does not name the delegator', async () => {
    const parent = await startTask(server, alpha, [['scope', 'tool:search']]);
    // beta's SVID for the issuer alone: a bearer credential of beta, not beta's consent to alpha.
    const issuerOnly = await svid(server, 'beta');
    assert.equal(decodeJwt(issuerOnly).aud, server.config.issuer);
    const seq = await lastAuditSeq(server);
    const why = await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, withActor(parent.access_token, issuerOnly)),
      400,
      'invalid_request',
      /actor_token must name the delegator/,
    );
    assert.ok(
      why.includes(`[${server.config.issuer}, ${alpha.id}]`),
      `the description names the audience to ask for: ${why}`,
    );
    const denied = (await auditEvents(server, seq)).filter((e) => e.action === 'token.exchange');
    assert.equal(denied[0]?.details?.reason, 'actor_not_bound');
    // Naming another agent than the holder is no better.
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          alpha,
          withActor(parent.access_token, await delegationSvid(server, 'beta', gamma.id)),
        ),
      400,
      'invalid_request',
      /actor_token must name the delegator/,
    );
    // Down the chain the delegator is the current holder (act.sub), not the task's subject.
    const child = await delegate(server, alpha, parent.access_token, 'beta');
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          beta,
          withActor(child.access_token, await delegationSvid(server, 'gamma', alpha.id)),
        ),
      400,
      'invalid_request',
      new RegExp(`must name the delegator.*${beta.id}`),
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, beta, withActor(child.access_token, await svid(server, 'gamma'))),
      400,
      'invalid_request',
      /must name the delegator/,
    );
    // Bound to the holder, the same delegations go through.
    const named = tokenOk(
      await exchange(
        server,
        alpha,
        withActor(parent.access_token, await delegationSvid(server, 'beta', alpha.id)),
      ),
    );
    assert.deepEqual(claimsOf(named.access_token).act, { sub: beta.id });
    const grandchild = tokenOk(
      await exchange(
        server,
        beta,
        withActor(child.access_token, await delegationSvid(server, 'gamma', beta.id)),
      ),
    );
    assert.deepEqual(claimsOf(grandchild.access_token).act, {
      sub: gamma.id,
      act: { sub: beta.id },
    });
  });

  it("accepts the delegate's issuer-only jwt-svid as actor_token when the delegate itself asks", async () => {
    const parent = await startTask(server, alpha, [['scope', 'tool:search']]);
    const own = await svid(server, 'beta');
    assert.equal(decodeJwt(own).aud, server.config.issuer);
    const child = tokenOk(await exchange(server, beta, withActor(parent.access_token, own)));
    const c = claimsOf(child.access_token);
    assert.deepEqual(c.act, { sub: beta.id });
    assert.equal(c.client_id, beta.id);
    assert.equal(c.depth, 1);
    assert.equal(c.scope, 'tool:search');
  });

  it('refuses a jwt-svid that names a delegator as a client assertion (invalid_client); it serves only as actor_token', async () => {
    const bound = await delegationSvid(server, 'beta', alpha.id);
    assert.deepEqual(decodeJwt(bound).aud, [server.config.issuer, alpha.id]);
    const parent = await startTask(server, alpha, [['scope', 'tool:search']]);
    // Whoever holds it cannot pass for beta: not to start a task, nor to delegate to beta as beta.
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          beta,
          await startParams('beta', [
            ['scope', 'tool:search'],
            ['resource', RESOURCE],
          ]),
          { assertion: bound },
        ),
      401,
      'invalid_client',
      /issuer as its only audience/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, beta, withActor(parent.access_token, bound), { assertion: bound }),
      401,
      'invalid_client',
      /issuer as its only audience/,
    );
    // What it was made for still works: alpha delegates to beta with it.
    const child = tokenOk(await exchange(server, alpha, withActor(parent.access_token, bound)));
    assert.deepEqual(claimsOf(child.access_token).act, { sub: beta.id });
    assert.equal(claimsOf(child.access_token).client_id, alpha.id);
  });

  it('refuses a replayed dpop proof (invalid_dpop_proof)', async () => {
    const keyPair = await generateKeyPair('ES256');
    const proof = await dpopProof(keyPair, `${server.config.issuer}/oauth/token`);
    const first = tokenOk(
      await exchange(
        server,
        alpha,
        await startParams('alpha', [
          ['scope', 'tool:search'],
          ['resource', RESOURCE],
        ]),
        { dpop: proof },
      ),
    );
    assert.equal(first.token_type, 'DPoP');
    assert.deepEqual(claimsOf(first.access_token).cnf, {
      jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)),
    });
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(
          server,
          alpha,
          await startParams('alpha', [
            ['scope', 'tool:search'],
            ['resource', RESOURCE],
          ]),
          { dpop: proof },
        ),
      400,
      'invalid_dpop_proof',
      /already used/,
    );
  });

  it('refuses a dpop proof for another url or method (invalid_dpop_proof)', async () => {
    const keyPair = await generateKeyPair('ES256');
    const bad: [string, RegExp][] = [
      [await dpopProof(keyPair, `${server.config.issuer}/oauth/introspect`), /htu/],
      [
        await dpopProof(
          keyPair,
          `http://localhost:${new URL(server.config.issuer).port}/oauth/token`,
        ),
        /htu/,
      ],
      [await dpopProof(keyPair, `${server.config.issuer}/oauth/token`, { htm: 'GET' }), /htm/],
      [
        await dpopProof(keyPair, `${server.config.issuer}/oauth/token`, {
          iat: Math.floor(Date.now() / 1000) - 3600,
        }),
        /too old/,
      ],
    ];
    for (const [proof, why] of bad) {
      await assertRefusedUnchanged(
        server,
        async () =>
          exchange(
            server,
            alpha,
            await startParams('alpha', [
              ['scope', 'tool:search'],
              ['resource', RESOURCE],
            ]),
            { dpop: proof },
          ),
        400,
        'invalid_dpop_proof',
        why,
      );
    }
  });
});
