import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.js';
import { ToolCatalog } from '../../policy/tool-catalog.js';
import { DpopReplayCache } from '../../protocol/dpop/replay-cache.js';
import { DpopVerifier } from '../../protocol/dpop/verifier.js';
import { parseProxyConfig } from './config.js';
import { HttpProxy, type ProxyHost } from './proxy.js';

const ISSUER = 'https://mandate.example.org';

function host(
  catalog = new ToolCatalog(),
): ProxyHost & { catalog: NonNullable<ProxyHost['catalog']> } {
  return {
    clock: new ManualClock(),
    decisions: { authorize: () => Promise.reject(new Error('not in these tests')) },
    revocations: { check: () => null },
    keys: { published: async () => [] },
    dpop: new DpopVerifier({ replay: new DpopReplayCache() }),
    catalog: {
      sync: async (server, tools, opts) =>
        catalog.upsertServerTools(server, tools, opts?.annotations ?? {}),
    },
  };
}

const config = (
  routes: unknown[] = [
    { method: 'GET', path: '/items/{id}', tool: 'get_item', sideEffect: 'read' },
  ],
) =>
  parseProxyConfig({
    services: [{ name: 'billing', upstream: 'https://api.billing.example/v1', routes }],
  });

describe('HttpProxy.start', () => {
  test('syncs the routes into the catalog and serves per-service RFC 9728 metadata', async () => {
    const catalog = new ToolCatalog();
    const proxy = await HttpProxy.start(
      { issuer: ISSUER, dpopRequired: false, proxy: config() },
      host(catalog),
    );
    assert.equal(catalog.get('billing/get_item')?.sideEffect, 'read');
    assert.deepEqual(catalog.get('billing/get_item')?.destinations, ['api.billing.example']);
    assert.deepEqual(proxy.metadata('billing'), {
      resource: `${ISSUER}/proxy/billing`,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      scopes_supported: ['tool:billing/get_item'],
      dpop_bound_access_tokens_required: false,
      dpop_signing_alg_values_supported:
        proxy.metadata('billing')!.dpop_signing_alg_values_supported,
      resource_name: 'Mandate HTTP proxy: billing',
    });
    assert.equal(proxy.metadata('other'), undefined);
    await proxy.close();
  });

  test('a service may not share its name with an mcp gateway upstream', async () => {
    await assert.rejects(
      HttpProxy.start(
        { issuer: ISSUER, dpopRequired: false, proxy: config(), reservedNames: ['billing'] },
        host(),
      ),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'invalid_config');
        assert.match(
          err.message,
          /`proxy\.services\[0\]\.name` `billing` is also an mcp gateway upstream/,
        );
        return true;
      },
    );
  });

  test('attributes the catalog refuses stop the start, naming the service', async () => {
    const bad = config([{ method: 'GET', path: '/a', tool: 'a', destinations: ['not a host!'] }]);
    await assert.rejects(
      HttpProxy.start({ issuer: ISSUER, dpopRequired: false, proxy: bad }, host()),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'invalid_config');
        assert.match(err.message, /`proxy\.services\[0\]` \(`billing`\): .*destinations/);
        return true;
      },
    );
  });
});
