// Issue 3, "a real client does the whole flow with no Mandate code on its path": oauth4webapi
// performs discovery, the RFC 8693 exchanges (start a task, delegate, on behalf of a human),
// RFC 7662 introspection, RFC 7009 revocation and RFC 9449 DPoP with a server nonce, against a
// server on loopback. Tokens are checked with jose against the discovered `jwks_uri`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  adminOk,
  claimsOf,
  delegationSvid,
  JWT_SPIFFE,
  RESOURCE,
  registerAgent,
  svid,
  TOKEN_EXCHANGE,
  TOKEN_TYPE,
} from './helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Discovery exactly as a third-party client does it (RFC 8414, not OIDC). */
async function discover(server: TestServer): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(server.config.issuer);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
}

/** jwt-spiffe client authentication; `assertion` gives the JWT-SVID for each request. */
function spiffeJwt(assertion: () => Promise<string>): oauth.ClientAuth {
  return async (_as, client, body) => {
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', JWT_SPIFFE);
    body.set('client_assertion', await assertion());
  };
}

function bearer(token: string): oauth.ClientAuth {
  return (_as, _client, _body, headers) => {
    headers.set('authorization', `Bearer ${token}`);
  };
}

async function exchange(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  params: URLSearchParams,
  dpop?: oauth.DPoPHandle,
): Promise<oauth.TokenEndpointResponse> {
  const res = await oauth.genericTokenEndpointRequest(as, client, auth, TOKEN_EXCHANGE, params, {
    ...(dpop ? { DPoP: dpop } : {}),
    ...insecure,
  });
  return oauth.processGenericTokenEndpointResponse(as, client, res);
}

async function introspect(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  token: string,
): Promise<oauth.IntrospectionResponse> {
  return oauth.processIntrospectionResponse(
    as,
    client,
    await oauth.introspectionRequest(as, client, auth, token, insecure),
  );
}

describe('oauth4webapi against a running server', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let alpha: oauth.Client;
  let beta: oauth.Client;
  const asAlpha = spiffeJwt(() => svid(server, 'alpha'));
  const asBeta = spiffeJwt(() => svid(server, 'beta'));
  const asAdmin = (): oauth.ClientAuth => bearer(server.adminToken);

  before(async () => {
    server = await startTestServer();
    alpha = {
      client_id: await registerAgent(server, 'alpha', {
        scopes: ['tool:search', 'tool:fetch', 'tool:github/*'],
      }),
    };
    beta = { client_id: await registerAgent(server, 'beta', { scopes: ['tool:search'] }) };
    as = await discover(server);
  });
  after(() => server.stop());

  it('discovers the token, introspection and revocation endpoints and the jwt-spiffe client auth', () => {
    assert.equal(as.issuer, server.config.issuer);
    assert.equal(as.token_endpoint, `${server.config.issuer}/oauth/token`);
    assert.equal(as.introspection_endpoint, `${server.config.issuer}/oauth/introspect`);
    assert.equal(as.revocation_endpoint, `${server.config.issuer}/oauth/revoke`);
    assert.deepEqual(as.grant_types_supported, [
      'authorization_code',
      'refresh_token',
      TOKEN_EXCHANGE,
    ]);
    assert.ok(as.token_endpoint_auth_methods_supported?.includes('spiffe_jwt'));
    assert.ok(as.dpop_signing_alg_values_supported?.includes('ES256'));
    assert.ok(Array.isArray(as.authorization_details_types_supported));
    assert.ok(as.jwks_uri);
  });

  it('starts a task, delegates it, introspects and revokes it', async () => {
    await addTrustRule(server, alpha.client_id, beta.client_id);

    // Start a task: subject_token = alpha's own JWT-SVID.
    const start = new URLSearchParams({
      subject_token: await svid(server, 'alpha'),
      subject_token_type: TOKEN_TYPE.jwt,
      requested_token_type: TOKEN_TYPE.accessToken,
      scope: 'tool:search tool:fetch',
      purpose: 'answer a question',
    });
    start.append('resource', RESOURCE);
    const root = await exchange(as, alpha, asAlpha, start);
    assert.equal(root.token_type, 'bearer');
    assert.equal(root.issued_token_type, TOKEN_TYPE.accessToken);
    assert.equal(root.scope, 'tool:fetch tool:search');
    assert.equal(typeof root.expires_in, 'number');
    assert.equal(root.refresh_token, undefined, 'no refresh token for a task');

    // The task token verifies with jose against the discovered jwks_uri (RFC 9068).
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const verified = await jwtVerify(root.access_token, jwks, {
      typ: 'at+jwt',
      issuer: as.issuer,
      audience: RESOURCE,
    });
    assert.equal(verified.protectedHeader.typ, 'at+jwt');
    const parent = claimsOf(root.access_token);
    assert.equal(parent.sub, alpha.client_id);
    assert.equal(parent.client_id, alpha.client_id);
    assert.deepEqual(parent.aud, [RESOURCE]);
    assert.equal(parent.depth, 0);
    assert.deepEqual(parent.ancestors, []);
    assert.equal(parent.act, undefined);
    assert.equal(parent.exp - parent.iat, root.expires_in);

    // Delegate to beta: subject_token = the parent, actor_token = beta's JWT-SVID naming alpha, the delegator.
    const hop = new URLSearchParams({
      subject_token: root.access_token,
      subject_token_type: TOKEN_TYPE.accessToken,
      actor_token: await delegationSvid(server, 'beta', alpha.client_id),
      actor_token_type: TOKEN_TYPE.jwt,
      scope: 'tool:search',
    });
    const child = await exchange(as, alpha, asAlpha, hop);
    assert.equal(child.token_type, 'bearer');
    assert.equal(child.issued_token_type, TOKEN_TYPE.accessToken);
    assert.equal(child.scope, 'tool:search');
    assert.ok(typeof child.expires_in === 'number' && child.expires_in > 0);
    await jwtVerify(child.access_token, jwks, {
      typ: 'at+jwt',
      issuer: as.issuer,
      audience: RESOURCE,
    });
    const c = claimsOf(child.access_token);
    assert.equal(c.sub, parent.sub, 'the subject is kept');
    assert.deepEqual(c.act, { sub: beta.client_id }, 'the delegate is the current actor');
    assert.equal(c.depth, 1);
    assert.deepEqual(c.ancestors, [parent.jti]);
    assert.equal(c.task_id, parent.task_id);
    assert.ok(c.exp <= parent.exp, 'exp ≤ parent exp');
    const parentScopes = parent.scope.split(' ');
    assert.ok(
      c.scope.split(' ').every((s) => parentScopes.includes(s)),
      'scope ⊆ parent scope',
    );

    // Beta (the current holder) hands a part on to alpha again: `act` nests.
    await addTrustRule(server, beta.client_id, alpha.client_id);
    const back = await exchange(
      as,
      beta,
      asBeta,
      new URLSearchParams({
        subject_token: child.access_token,
        subject_token_type: TOKEN_TYPE.accessToken,
        actor_token: await delegationSvid(server, 'alpha', beta.client_id),
        actor_token_type: TOKEN_TYPE.jwt,
      }),
    );
    const g = claimsOf(back.access_token);
    assert.equal(g.sub, parent.sub);
    assert.deepEqual(
      g.act,
      { sub: alpha.client_id, act: { sub: beta.client_id } },
      'RFC 8693 §4.1: the outermost act is the current actor',
    );
    assert.equal(g.depth, 2);
    assert.deepEqual(g.ancestors, [parent.jti, c.jti]);
    assert.equal(g.scope, 'tool:search');
    assert.ok(g.exp <= c.exp);

    // Introspection, authenticated as an agent with a fresh SVID, then as the admin.
    const seen = await introspect(as, beta, asBeta, child.access_token);
    assert.equal(seen.active, true);
    assert.equal(seen.sub, parent.sub);
    assert.equal(seen.scope, 'tool:search');
    assert.equal(seen.jti, c.jti);
    assert.deepEqual(seen.act, { sub: beta.client_id });
    assert.equal(seen.exp, c.exp);
    const byAdmin = await introspect(as, { client_id: 'admin' }, asAdmin(), back.access_token);
    assert.equal(byAdmin.active, true);
    assert.equal(byAdmin.task_id, parent.task_id);
    assert.deepEqual(await introspect(as, beta, asBeta, 'not-a-token'), { active: false });

    // Revocation (RFC 7009) of the parent by its holder: the subtree goes with it.
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, alpha, asAlpha, root.access_token, {
        additionalParameters: { token_type_hint: 'access_token' },
        ...insecure,
      }),
    );
    for (const token of [root.access_token, child.access_token, back.access_token]) {
      assert.deepEqual(await introspect(as, alpha, asAlpha, token), { active: false });
    }
    // Revoking an unknown token answers 200 as well.
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, alpha, asAlpha, 'unknown-token', insecure),
    );
  });

  it('refuses an exchange with an OAuth error oauth4webapi understands', async () => {
    const params = new URLSearchParams({
      subject_token: await svid(server, 'beta'),
      subject_token_type: TOKEN_TYPE.jwt,
      scope: 'tool:fetch',
      resource: RESOURCE,
    });
    await assert.rejects(exchange(as, beta, asBeta, params), (err: unknown) => {
      assert.ok(err instanceof oauth.ResponseBodyError, String(err));
      assert.equal(err.error, 'invalid_scope');
      assert.equal(err.status, 400);
      return true;
    });
  });

  it('acts on behalf of a human: sub = the human, act = the agent, never past the grant', async () => {
    const grant = await adminOk<{ id: string; expires_at: string }>(server, 'POST', '/v1/grants', {
      human: 'alice@example.org',
      agent: 'alpha',
      scopes: ['tool:search'],
      purpose: 'triage my inbox',
      ttl: 120,
    });
    const params = new URLSearchParams({
      subject_token: grant.id,
      subject_token_type: TOKEN_TYPE.grant,
      scope: 'tool:search',
      resource: RESOURCE,
    });
    const tok = await exchange(as, alpha, asAlpha, params);
    assert.equal(tok.token_type, 'bearer');
    assert.equal(tok.scope, 'tool:search');
    const c = claimsOf(tok.access_token);
    assert.equal(c.sub, 'alice@example.org');
    assert.deepEqual(c.act, { sub: alpha.client_id });
    assert.equal(c.grant_id, grant.id);
    assert.ok(
      c.exp <= Math.floor(Date.parse(grant.expires_at) / 1000),
      'the token never outlives the grant',
    );
    assert.ok(tok.expires_in! <= 120);
    assert.equal((await introspect(as, alpha, asAlpha, tok.access_token)).active, true);

    // A scope the grant does not cover is refused.
    const wider = new URLSearchParams({
      subject_token: grant.id,
      subject_token_type: TOKEN_TYPE.grant,
      scope: 'tool:fetch',
      resource: RESOURCE,
    });
    await assert.rejects(
      exchange(as, alpha, asAlpha, wider),
      (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_scope',
    );

    await adminOk(server, 'POST', `/v1/grants/${grant.id}/revoke`);
    assert.deepEqual(await introspect(as, alpha, asAlpha, tok.access_token), { active: false });
    await assert.rejects(
      exchange(as, alpha, asAlpha, params),
      (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_request',
    );
  });
});

describe('oauth4webapi with DPoP and a server nonce', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let alpha: oauth.Client;

  before(async () => {
    server = await startTestServer({ flags: { dpopNonce: true } });
    alpha = {
      client_id: await registerAgent(server, 'alpha', {
        scopes: ['tool:search'],
        requireDpop: true,
      }),
    };
    await registerAgent(server, 'beta', { scopes: ['tool:search'] });
    as = await discover(server);
  });
  after(() => server.stop());

  it('gets use_dpop_nonce first, then a dpop-bound token on the retry with the same assertion', async () => {
    const keyPair = await oauth.generateKeyPair('ES256');
    const dpop = oauth.DPoP(alpha, keyPair);
    // One assertion for both tries: the nonce round trip must not spend it (digest §5.6).
    const assertion = await svid(server, 'alpha');
    const auth = spiffeJwt(() => Promise.resolve(assertion));
    const params = new URLSearchParams({
      subject_token: await svid(server, 'alpha'),
      subject_token_type: TOKEN_TYPE.jwt,
      scope: 'tool:search',
      resource: RESOURCE,
    });

    let first: unknown;
    try {
      await exchange(as, alpha, auth, params, dpop);
    } catch (err) {
      first = err;
    }
    assert.ok(oauth.isDPoPNonceError(first), `expected use_dpop_nonce, got ${String(first)}`);
    const tok = await exchange(as, alpha, auth, params, dpop);
    assert.equal(tok.token_type, 'dpop');
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');
    assert.deepEqual(claimsOf(tok.access_token).cnf, { jkt });

    const info = await introspect(
      as,
      { client_id: 'admin' },
      bearer(server.adminToken),
      tok.access_token,
    );
    assert.equal(info.active, true);
    assert.equal(info.token_type, 'DPoP');
    assert.deepEqual(info.cnf, { jkt });

    // The assertion is spent now: a third use is a replay.
    await assert.rejects(
      exchange(as, alpha, auth, params, dpop),
      (err: unknown) =>
        err instanceof oauth.ResponseBodyError &&
        err.error === 'invalid_client' &&
        err.status === 401,
    );
  });

  it('requires the bound key when the holder delegates its dpop-bound token', async () => {
    const keyPair = await oauth.generateKeyPair('ES256');
    const dpop = oauth.DPoP(alpha, keyPair);
    const auth = spiffeJwt(() => svid(server, 'alpha'));
    const start = new URLSearchParams({
      subject_token: await svid(server, 'alpha'),
      subject_token_type: TOKEN_TYPE.jwt,
      resource: RESOURCE,
    });
    const root = await exchange(as, alpha, auth, start, dpop).catch((err: unknown) => {
      if (!oauth.isDPoPNonceError(err)) throw err;
      return exchange(as, alpha, auth, start, dpop);
    });
    await addTrustRule(server, alpha.client_id, '*');
    const hop = async () =>
      new URLSearchParams({
        subject_token: root.access_token,
        subject_token_type: TOKEN_TYPE.accessToken,
        actor_token: await delegationSvid(server, 'beta', alpha.client_id),
        actor_token_type: TOKEN_TYPE.jwt,
      });
    const boundKey = (err: unknown) =>
      err instanceof oauth.ResponseBodyError &&
      err.error === 'invalid_dpop_proof' &&
      /dpop-bound/.test(err.error_description ?? '');
    await assert.rejects(exchange(as, alpha, auth, await hop()), boundKey);
    const other = oauth.DPoP(alpha, await oauth.generateKeyPair('ES256'));
    await assert.rejects(
      exchange(as, alpha, auth, await hop(), other).catch((err: unknown) => {
        if (!oauth.isDPoPNonceError(err)) throw err;
        return hop().then((p) => exchange(as, alpha, auth, p, other));
      }),
      boundKey,
    );
    // The child of a bound parent is bound too (issue 12): without `dpop_jkt` naming the delegate's key it is refused.
    await assert.rejects(
      exchange(as, alpha, auth, await hop(), dpop),
      (err: unknown) =>
        err instanceof oauth.ResponseBodyError &&
        err.error === 'invalid_dpop_proof' &&
        /child must be bound/.test(err.error_description ?? ''),
    );
    const betaKey = await oauth.generateKeyPair('ES256');
    const betaJkt = await calculateJwkThumbprint(await exportJWK(betaKey.publicKey));
    const named = await hop();
    named.set('dpop_jkt', betaJkt);
    const child = await exchange(as, alpha, auth, named, dpop);
    assert.equal(
      child.token_type,
      'dpop',
      'the child of a bound parent is bound to the key the holder names',
    );
    assert.deepEqual(claimsOf(child.access_token).cnf, { jkt: betaJkt });
    assert.deepEqual(claimsOf(child.access_token).act, {
      sub: (await server.admin.getAgent('beta')).spiffe_id,
    });
  });
});
