import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchRoute } from './allowlist.js';
import type { CompiledRoute } from './context.js';
import { parseRequestTarget, type RequestTarget } from './request-target.js';
import { parseTemplate, type RouteTemplate } from './template.js';

const tpl = (p: string): RouteTemplate => {
  const t = parseTemplate(p);
  assert.ok(!('error' in t), `${p}: ${'error' in t ? t.error : ''}`);
  return t;
};
const route = (method: string, path: string, tool: string): CompiledRoute => ({
  method,
  template: tpl(path),
  tool,
  toolId: `svc/${tool}`,
  label: `${method} ${path}`,
});
const target = (path: string): RequestTarget => {
  const t = parseRequestTarget(`/proxy/svc${path}`);
  assert.ok(!('error' in t));
  return t;
};

describe('route templates', () => {
  test('parse literals, parameters, a trailing slash and a final /**', () => {
    assert.deepEqual(tpl('/items/{id}').segments, [{ literal: 'items' }, { param: 'id' }]);
    assert.equal(tpl('/items/{id}').shape, '/items/{}');
    assert.equal(tpl('/items/').trailingSlash, true);
    assert.equal(tpl('/files/**').rest, true);
    assert.deepEqual(tpl('/files/**').params, ['**']);
    assert.equal(tpl('/').segments.length, 0);
    assert.equal(tpl('/**').shape, '/**');
    assert.equal(tpl('/v1/things:batchGet').segments.length, 2);
  });

  test('refuse what a request path could not match unambiguously', () => {
    for (const [p, msg] of [
      ['items', /start with/],
      ['/a//b', /empty segment/],
      ['/a/../b', /`\.` or `\.\.`/],
      ['/a/**/b', /may only end/],
      ['/a/{id}/{id}', /repeats/],
      ['/a/x{id}', /whole `\{name\}`/],
      ['/a/%2f', /literal/],
      ['/a/*', /literal/],
    ] as const) {
      const t = parseTemplate(p);
      assert.ok('error' in t, p);
      assert.match(t.error, msg, p);
    }
  });
});

describe('allowlist matching', () => {
  const routes = [
    route('GET', '/items/{id}', 'get_item'),
    route('GET', '/items/export', 'export_items'),
    route('DELETE', '/items/{id}', 'delete_item'),
    route('GET', '/files/**', 'read_file'),
    route('GET', '/files/public/{name}', 'read_public'),
    route('POST', '/items/', 'create_item'),
  ];

  test('a parameter captures one decoded segment', () => {
    const m = matchRoute(routes, 'GET', target('/items/a%20b'));
    assert.ok(m && 'route' in m);
    assert.equal(m.route.tool, 'get_item');
    assert.deepEqual(m.params, { id: 'a b' });
  });

  test('the most specific route of the method wins', () => {
    const m = matchRoute(routes, 'GET', target('/items/export'));
    assert.ok(m && 'route' in m && m.route.tool === 'export_items');
    const f = matchRoute(routes, 'GET', target('/files/public/x.txt'));
    assert.ok(f && 'route' in f && f.route.tool === 'read_public');
    const d = matchRoute(routes, 'DELETE', target('/items/export'));
    assert.ok(
      d && 'route' in d && d.route.tool === 'delete_item',
      'a route of the request method is used even when a more specific one exists for another method',
    );
  });

  test('/** captures the rest, trailing slash included', () => {
    const m = matchRoute(routes, 'GET', target('/files/a/b/c.txt'));
    assert.ok(m && 'route' in m);
    assert.deepEqual(m.params, { '**': 'a/b/c.txt' });
    const dir = matchRoute(routes, 'GET', target('/files/a/'));
    assert.ok(dir && 'route' in dir);
    assert.equal(dir.params['**'], 'a/');
    const root = matchRoute(routes, 'GET', target('/files'));
    assert.ok(root && 'route' in root && root.params['**'] === '');
  });

  test('trailing slashes are exact', () => {
    assert.equal(matchRoute(routes, 'GET', target('/items/1/')), undefined);
    const m = matchRoute(routes, 'POST', target('/items/'));
    assert.ok(m && 'route' in m && m.route.tool === 'create_item');
    assert.equal(matchRoute(routes, 'POST', target('/items')), undefined);
  });

  test('a path allowed for other methods only names them', () => {
    assert.deepEqual(matchRoute(routes, 'PUT', target('/items/1')), { methods: ['DELETE', 'GET'] });
  });

  test('case, extra segments and unknown paths do not match', () => {
    assert.equal(matchRoute(routes, 'GET', target('/ITEMS/1')), undefined);
    assert.equal(matchRoute(routes, 'GET', target('/items/1/notes')), undefined);
    assert.equal(matchRoute(routes, 'GET', target('/admin')), undefined);
    assert.equal(matchRoute(routes, 'GET', target('/')), undefined);
  });
});
