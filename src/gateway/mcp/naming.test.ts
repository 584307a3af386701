import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UPSTREAM_NAME } from './config.js';
import { Namer } from './naming.js';

const namer = new Namer([
  { name: 'mail', namespaced: true },
  { name: 'files', namespaced: true },
  { name: 'legacy', namespaced: false },
]);

test('tool and prompt names: `<server>__<name>`, resolved back at the first separator', () => {
  assert.equal(namer.exposeName('mail', 'send_email'), 'mail__send_email');
  assert.deepEqual(namer.resolveName('mail__send_email'), { server: 'mail', name: 'send_email' });
  assert.deepEqual(
    namer.resolveName('mail__a__b'),
    { server: 'mail', name: 'a__b' },
    'the tool part may hold the separator',
  );
  assert.deepEqual(
    namer.resolveName('mail__'),
    { server: 'legacy', name: 'mail__' },
    'an empty tool part names no namespaced tool',
  );
});

test('resource uris: `<server>+<uri>`, a valid uri scheme prefix', () => {
  assert.equal(namer.exposeUri('mail', 'inbox://messages/1'), 'mail+inbox://messages/1');
  assert.deepEqual(namer.resolveUri('mail+inbox://messages/1'), {
    server: 'mail',
    name: 'inbox://messages/1',
  });
  assert.deepEqual(namer.resolveUri('files+git+ssh://x/y'), {
    server: 'files',
    name: 'git+ssh://x/y',
  });
  assert.ok(/^[a-z][a-z0-9+.-]*:/.test(namer.exposeUri('mail', 'test://x')!));
});

test("the un-namespaced upstream keeps its names, but never one that reads as another upstream's", () => {
  assert.equal(namer.exposeName('legacy', 'test_simple_text'), 'test_simple_text');
  assert.deepEqual(namer.resolveName('test_simple_text'), {
    server: 'legacy',
    name: 'test_simple_text',
  });
  assert.equal(
    namer.exposeName('legacy', 'mail__send_email'),
    undefined,
    "it would shadow mail's tool: hidden",
  );
  assert.equal(namer.exposeUri('legacy', 'mail+x://y'), undefined);
  assert.equal(
    namer.exposeName('legacy', 'other__tool'),
    'other__tool',
    'a prefix that is no upstream is just a name',
  );
});

test('without an un-namespaced upstream, a name of no upstream resolves to nothing', () => {
  const strict = new Namer([{ name: 'mail', namespaced: true }]);
  assert.equal(strict.resolveName('send_email'), undefined);
  assert.equal(strict.resolveName('nosuch__x'), undefined);
  assert.equal(strict.resolveUri('inbox://x'), undefined);
});

test('property: expose then resolve gives back the server and the name, for any name', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(UPSTREAM_NAME),
      fc.string({ minLength: 1, maxLength: 64 }),
      (server, name) => {
        const n = new Namer([{ name: server, namespaced: true }]);
        assert.deepEqual(n.resolveName(n.exposeName(server, name)!), { server, name });
        assert.deepEqual(n.resolveUri(n.exposeUri(server, name)!), { server, name });
      },
    ),
  );
});
