import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ToolCatalog } from '../../policy/tool-catalog.js';
import { serviceTools } from './catalog.js';
import { parseProxyConfig } from './config.js';

const service = (extra: Record<string, unknown> = {}) => ({
  name: 'billing',
  upstream: 'https://api.billing.example/v1',
  credential: { provider: 'static', secret: 'billing-key', as: 'header', header: 'x-api-key' },
  routes: [
    {
      method: 'GET',
      path: '/invoices/{id}',
      tool: 'get_invoice',
      sideEffect: 'read',
      classification: 'confidential',
    },
    { method: 'GET', path: '/invoices/{id}/pdf', tool: 'get_invoice' },
    {
      method: 'POST',
      path: '/invoices/',
      tool: 'create_invoice',
      sideEffect: 'write',
      extractors: [{ path: 'body.customer.email', kind: 'email' }],
    },
  ],
  ...extra,
});

const fails = (value: unknown, field: RegExp, message?: RegExp) =>
  assert.throws(
    () => parseProxyConfig(value),
    (err: Error & { code?: string; details?: { field?: string } }) => {
      assert.equal(err.code, 'invalid_config');
      assert.match(err.details?.field ?? '', field);
      if (message) assert.match(err.message, message);
      return true;
    },
  );

describe('proxy config', () => {
  test('accepts an object, JSON text and a JSON file', () => {
    const value = { services: [service()] };
    assert.equal(parseProxyConfig(value).services[0]!.name, 'billing');
    assert.equal(parseProxyConfig(JSON.stringify(value)).services[0]!.routes.length, 3);
    const file = join(mkdtempSync(join(tmpdir(), 'proxy-config-')), 'proxy.json');
    writeFileSync(file, JSON.stringify(value));
    assert.equal(parseProxyConfig(file).services[0]!.upstream, 'https://api.billing.example/v1');
  });

  test('names the bad field', () => {
    fails({ services: [service({ name: 'Billing' })] }, /^proxy\.services\[0\]\.name$/);
    fails(
      { services: [service({ upstream: 'http://api.billing.example' })] },
      /upstream$/,
      /https/,
    );
    fails(
      { services: [service({ upstream: 'https://user:pw@api.billing.example' })] },
      /upstream$/,
      /credentials/,
    );
    fails(
      { services: [service({ upstream: 'https://api.billing.example/?a=1' })] },
      /upstream$/,
      /query/,
    );
    fails(
      { services: [service({ routes: [{ method: 'GET', path: '/a/../b', tool: 't' }] })] },
      /routes\[0\]\.path$/,
    );
    fails(
      { services: [service({ routes: [{ method: 'TRACE', path: '/a', tool: 't' }] })] },
      /routes\[0\]\.method$/,
    );
    fails(
      {
        services: [
          service({
            routes: [
              { method: 'GET', path: '/a/{x}', tool: 't' },
              { method: 'GET', path: '/a/{y}', tool: 'u' },
            ],
          }),
        ],
      },
      /routes\[1\]\.path$/,
      /duplicates/,
    );
    fails(
      {
        services: [
          service({
            routes: [
              { method: 'GET', path: '/a', tool: 't', sideEffect: 'read' },
              { method: 'GET', path: '/b', tool: 't', sideEffect: 'write' },
            ],
          }),
        ],
      },
      /routes\[1\]\.sideEffect$/,
    );
    fails(
      { services: [service({ credential: { provider: 'static', secret: 'k', as: 'header' } })] },
      /credential\.header$/,
    );
    fails({ services: [service({ identity: { header: 'authorization' } })] }, /identity\.header$/);
    fails({ services: [service(), service()] }, /services\[1\]\.name$/);
    fails({ services: [service({ extra: true })] }, /services\[0\]/);
    fails('{not json', /^$/, /not valid json/);
    fails('/nonexistent/proxy.json', /^$/, /cannot read/);
  });

  test('plain http is for loopback, or opted into', () => {
    assert.ok(parseProxyConfig({ services: [service({ upstream: 'http://127.0.0.1:8081/api' })] }));
    assert.ok(
      parseProxyConfig({
        services: [service({ upstream: 'http://legacy.internal:8080', allowHttp: true })],
      }),
    );
  });

  test('routes become catalog tools with the arguments as input schema and the upstream host as destination', () => {
    const { tools, annotations } = serviceTools(
      parseProxyConfig({ services: [service()] }).services[0]!,
    );
    assert.deepEqual(
      tools.map((t) => t.name),
      ['get_invoice', 'create_invoice'],
    );
    assert.deepEqual(Object.keys(tools[0]!.inputSchema.properties ?? {}), [
      'method',
      'url',
      'path',
      'params',
      'query',
      'body',
    ]);
    // No route extractors: the catalog's defaults (`url` by name, body and query scanned as an MCP tool's arguments are).
    assert.deepEqual(annotations.get_invoice, {
      sideEffect: 'read',
      classification: 'confidential',
      destinations: ['api.billing.example'],
    });
    const catalog = new ToolCatalog();
    catalog.upsertServerTools('billing', tools, annotations);
    const created = catalog.get('billing/create_invoice')!;
    assert.equal(created.scope, 'tool:billing/create_invoice');
    assert.equal(created.sideEffect, 'write');
    assert.equal(
      created.classification,
      'confidential',
      'the catalog default where the operator said nothing',
    );
    assert.deepEqual(created.extractors, [
      { path: 'url', kind: 'url' },
      { path: 'body.customer.email', kind: 'email' },
    ]);
  });
});
