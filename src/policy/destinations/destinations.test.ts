import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ipNetwork } from '../../core/network.js';
import { findDuplicateKey } from '../../core/json-duplicates.js';
import { extractContext } from '../argument-extractors.js';
import { loadDefaultPolicies } from '../default-pack.js';
import { CedarWasmEngine } from '../engines/wasm.js';
import { callRequest, tool } from '../testing.js';
import { destinationRules, type DestinationRules } from './classify.js';
import { readAddress } from './email-address.js';
import { readStrictUrl } from './strict-url.js';

const engine = new CedarWasmEngine(loadDefaultPolicies());
const fetchTool = tool({
  name: 'web/fetch',
  server: 'web',
  sideEffect: 'read',
  classification: 'public',
  destinations: ['*'],
});
const NONE = destinationRules(['example.org']);

/** The default pack's answer for `web/fetch` with these arguments, the way DecisionService builds the request. */
function decide(
  args: Record<string, unknown>,
  rules: DestinationRules = NONE,
): { outcome: string; reasons: string[]; errors: string[] } {
  const x = extractContext(
    { extractors: [], defaulted: ['extractors'], destinations: ['*'] },
    args,
    rules,
  );
  const d = engine.authorize(
    callRequest({
      scopes: ['tool:web/*'],
      tool: fetchTool,
      arguments: args,
      destination: undefined,
      destinations: x.destinations,
      ...(x.problems.length > 0 ? { problems: x.problems } : {}),
    }),
  );
  return { outcome: d.outcome, reasons: d.reasons, errors: d.errors.map((e) => e.message) };
}

// Each spelling, the network it reaches. The URL is `http://<spelling>/`.
const SPELLINGS: [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['[::ffff:127.0.0.1]', 'loopback'],
  ['[::ffff:7f00:1]', 'loopback'],
  ['[::1]', 'loopback'],
  ['[0:0:0:0:0:0:0:1]', 'loopback'],
  ['[::]', 'unspecified'],
  ['0.0.0.0', 'unspecified'],
  ['[64:ff9b::a9fe:a9fe]', 'link_local'],
  ['[64:ff9b::169.254.169.254]', 'link_local'],
  ['[2002:a9fe:a9fe::]', 'link_local'],
  ['[::a9fe:a9fe]', 'link_local'],
  ['169.254.169.254', 'link_local'],
  ['[fe80::1]', 'link_local'],
  ['100.100.100.200', 'private'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['[fd00::1]', 'private'],
  ['[fc00::1]', 'private'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'multicast'],
  ['[ff02::1]', 'multicast'],
  ['localhost', 'loopback'],
  ['localhost.', 'loopback'],
  ['LOCALHOST', 'loopback'],
  ['app.localhost', 'loopback'],
  ['metadata.google.internal', 'internal'],
  ['metadata', 'internal'],
  ['printer.local', 'internal'],
  ['mail.example.org', 'internal'],
  ['8.8.8.8', 'public'],
  ['172.32.0.1', 'public'],
  ['[2606:4700::1111]', 'public'],
  ['example.com', 'public'],
];

// Spellings a resolver accepts that have more than one reading: refused, so denied whatever they name.
const REFUSED = [
  '2130706433',
  '0177.0.0.1',
  '0x7f.1',
  '127.1',
  '0x7f000001',
  '127.0.0.01',
  '[fe80::1%25eth0]',
  '169.254.169.254\\@evil.com',
  'evil.com\\@169.254.169.254',
  'user@127.0.0.1',
  '%31%32%37.0.0.1',
  'ex%61mple.com',
  'exämple.com',
  ' 127.0.0.1',
  '127.0.0.1 ',
  '127.0.0.1\t',
];

describe('network of a destination, in every spelling', () => {
  test('table: each spelling reaches its network; everything but public is denied by mandate.deny-internal-network', () => {
    for (const [spelling, network] of SPELLINGS) {
      const x = extractContext(
        { extractors: [{ path: 'url', kind: 'url' }] },
        { url: `http://${spelling}/` },
        NONE,
      );
      assert.deepEqual(x.problems, [], spelling);
      assert.equal(x.destinations[0]?.network, network, spelling);
      const d = decide({ url: `http://${spelling}/` });
      if (network === 'public') assert.equal(d.outcome, 'allow', spelling);
      else
        assert.deepEqual(
          [d.outcome, d.reasons],
          ['deny', ['mandate.deny-internal-network']],
          spelling,
        );
    }
  });

  test('ipv6 forms that carry an ipv4 address are classified as it', () => {
    assert.equal(
      ipNetwork('2001:0:4136:e378:8000:63bf:80ff:fffe'),
      'loopback',
      'Teredo client 127.0.0.1 is stored inverted',
    );
    assert.equal(ipNetwork('::ffff:0:a00:1'), 'private', 'SIIT');
    assert.equal(ipNetwork('64:ff9b:1::a00:1'), 'private', 'local-use NAT64');
    assert.equal(ipNetwork('2002:808:808::'), 'public');
    assert.equal(ipNetwork('fe80::1%eth0'), 'link_local');
  });

  test('spellings with more than one reading are refused with the reason, whatever they name', () => {
    for (const spelling of REFUSED) {
      const d = decide({ url: `http://${spelling}/` });
      assert.equal(d.outcome, 'deny', spelling);
      assert.deepEqual(d.reasons, [], spelling);
      assert.match(d.errors[0] ?? '', /argument `url` has more than one reading: .+/u, spelling);
    }
    assert.match(
      decide({ url: 'http://169.254.169.254\\@evil.com/' }).errors[0]!,
      /a backslash at position 22/u,
    );
  });

  test('urls: strict rfc 3986, with whatwg url as a second reading', () => {
    assert.deepEqual(readStrictUrl('https://API.github.com:443/repos?q=1#x'), {
      host: 'api.github.com',
    });
    assert.deepEqual(readStrictUrl('http://[::1]:8080/'), { host: '::1' });
    for (const bad of [
      'http://a@b/',
      'http:evil.com',
      'http:\\\\evil.com',
      'http:/evil.com',
      'http://evil.com:99999/',
      'http://evil.com:/',
      'http:///evil.com',
      'http://ev il.com/',
      'http://evil.com/a b',
      'http://evil.com/%zz',
      'http://evil.com/\u0000',
      'http://[::1/',
      'http://a~b.com/',
      'http://[v1.x]/',
    ]) {
      const r = readStrictUrl(bad);
      assert.ok(r !== null && 'problem' in r, bad);
    }
    assert.equal(readStrictUrl('file:///etc/passwd'), null);
    assert.equal(readStrictUrl('relative/path'), null);
  });

  test('email addresses: one mailbox, one reading', () => {
    assert.deepEqual(readAddress('Bob <bob@Partner.example>'), { host: 'partner.example' });
    assert.deepEqual(readAddress('a@[10.0.0.1]'), { host: '10.0.0.1' });
    for (const bad of [
      'x@evil@host.example',
      'x%40evil.com@host.example',
      'x%evil.com@relay.example',
      'a!b@c.example',
      '"a@b"@c.example',
      '"a@good.example" <b@evil.example>',
      'a@b.example>',
      'a@ex%61mple.com',
      'a@0x7f.1',
      'a@[fe80::1%eth0]',
    ]) {
      assert.ok('problem' in readAddress(bad), bad);
    }
  });

  test('duplicate json keys are found after unescaping, at any depth', () => {
    assert.equal(findDuplicateKey('{"a":1,"b":2}'), null);
    assert.deepEqual(findDuplicateKey('{"a":1,"a":2}'), { key: 'a', path: '$' });
    assert.deepEqual(findDuplicateKey('{"p":{"arguments":{"to":"x","t\\u006f":"y"}}}'), {
      key: 'to',
      path: '$.p.arguments',
    });
    assert.deepEqual(findDuplicateKey('{"l":[{"k":1},{"k":1,"k":2}]}'), {
      key: 'k',
      path: '$.l[1]',
    });
    assert.equal(
      findDuplicateKey('{"a":"b:\\"a\\"","c":{"a":1}}'),
      null,
      'a key in a value or in another object is no duplicate',
    );
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    assert.deepEqual(
      findDuplicateKey(`{"pad":${deep(5000)},"to":"a","to":"b"}`),
      { key: 'to', path: '$' },
      'nesting before a duplicate is no way past the check',
    );
    assert.deepEqual(
      findDuplicateKey(`${'{"a":'.repeat(600)}{"k":1,"k":2}${'}'.repeat(600)}`)?.key,
      'k',
      'nor is a duplicate deep inside',
    );
  });
});

describe('allowedInternalDestinations', () => {
  test('a host, a wildcard or a cidr lets that destination through, and only that one', () => {
    const rules = destinationRules(
      ['example.org'],
      ['10.1.0.0/16', 'db.internal', '*.corp.example.org', '169.254.169.254'],
    );
    assert.equal(decide({ url: 'http://10.1.2.3/' }, rules).outcome, 'allow');
    assert.equal(
      decide({ url: 'http://[::ffff:10.1.2.3]/' }, rules).outcome,
      'allow',
      'the ipv4-mapped form of an allowed address',
    );
    assert.equal(decide({ url: 'http://db.internal/' }, rules).outcome, 'allow');
    assert.equal(decide({ url: 'http://a.corp.example.org/' }, rules).outcome, 'allow');
    assert.equal(decide({ url: 'http://10.2.0.1/' }, rules).outcome, 'deny');
    assert.equal(decide({ url: 'http://other.internal/' }, rules).outcome, 'deny');
    // One allowed destination does not carry an internal one in the same call.
    assert.deepEqual(
      decide({ url: 'http://10.1.2.3/', next: { url: 'http://10.9.9.9/' } }, rules).reasons,
      ['mandate.deny-internal-network'],
    );
  });

  test('property: a url whose host is, in any spelling, in a denied range or an internal name is denied unless allowed', () => {
    const ranges: [number, number][] = [
      [0x7f000000, 8],
      [0x0a000000, 8],
      [0xac100000, 12],
      [0xc0a80000, 16],
      [0xa9fe0000, 16],
      [0x64400000, 10],
      [0x00000000, 8],
      [0xe0000000, 4],
    ];
    const address = fc
      .tuple(fc.constantFrom(...ranges), fc.nat())
      .map(([[base, bits], n]) => (base + (n % 2 ** (32 - bits))) >>> 0);
    const dotted = (n: number): string =>
      [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    const hex = (n: number, width = 0): string => n.toString(16).padStart(width, '0');
    const ipSpelling = address.chain((n) =>
      fc
        .constantFrom(
          dotted(n),
          `${dotted(n)}.`,
          String(n),
          `0x${hex(n)}`,
          dotted(n)
            .split('.')
            .map((p) => `0${Number(p).toString(8)}`)
            .join('.'),
          `[::ffff:${dotted(n)}]`,
          `[::ffff:${hex(n >>> 16)}:${hex(n & 0xffff)}]`,
          `[64:ff9b::${hex(n >>> 16)}:${hex(n & 0xffff)}]`,
          `[2002:${hex(n >>> 16)}:${hex(n & 0xffff)}::1]`,
          `[0:0:0:0:0:ffff:${dotted(n)}]`,
        )
        .map((host) => ({ host, canonical: dotted(n) })),
    );
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/u);
    const randomCase = (s: string) =>
      fc
        .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
        .map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
    const nameSpelling = fc
      .tuple(
        label,
        fc.constantFrom('localhost', 'internal', 'local', 'example.org', ''),
        fc.boolean(),
      )
      .map(
        ([l, suffix, dot]) =>
          (suffix === ''
            ? l
            : suffix === 'localhost' && l.length % 2 === 0
              ? 'localhost'
              : `${l}.${suffix}`) + (dot ? '.' : ''),
      )
      .chain((h) =>
        randomCase(h).map((host) => ({ host, canonical: h.toLowerCase().replace(/\.$/u, '') })),
      );
    fc.assert(
      fc.property(
        fc.oneof(ipSpelling, nameSpelling),
        fc.constantFrom('url', 'target.url', 'links[]', 'Endpoint '),
        fc.boolean(),
        ({ host, canonical }, where, allow) => {
          const url = `http://${host}/x`;
          const args =
            where === 'url'
              ? { url }
              : where === 'target.url'
                ? { target: { url } }
                : where === 'links[]'
                  ? { links: ['https://example.com/', url] }
                  : { [where]: url };
          const rules = destinationRules(['example.org'], allow ? [canonical] : []);
          const d = decide(args, rules);
          if (!allow) assert.equal(d.outcome, 'deny', `${url} at ${where}`);
          // Allowed: only a spelling with one reading gets through (the others are refused).
          else if (d.outcome !== 'allow')
            assert.deepEqual(d.reasons, [], `${url} allowed as ${canonical}: ${JSON.stringify(d)}`);
        },
      ),
      { numRuns: 400 },
    );
  });
});
