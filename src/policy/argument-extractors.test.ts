import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MandateError } from '../core/errors.js';
import { normalizeHost } from '../core/host.js';
import {
  defaultExtractors,
  extractContext,
  INVALID_HOST,
  MAX_VALUES_PER_EXTRACTOR,
  parseExtractorPath,
  uriDestinations,
  type ArgumentExtractor,
} from './argument-extractors.js';
import { classify, destinationRules } from './destinations/classify.js';
import { readEmail, readUrl } from './destinations/read-value.js';

const emailHosts = (v: string): string[] => {
  const r = readEmail(v);
  return 'problem' in r ? [INVALID_HOST] : r.hosts.map((h) => h.host);
};
const urlHosts = (v: string): string[] => {
  const r = readUrl(v);
  return 'problem' in r ? [INVALID_HOST] : r.hosts.map((h) => h.host);
};
const isExternal = (host: string, internal: string[]): boolean =>
  classify(normalizeHost(host) ?? INVALID_HOST, 'url', destinationRules(internal)).external;

const INTERNAL = ['example.org'];
const hostsOf = (extractors: ArgumentExtractor[], args: unknown, defaulted?: string[]) =>
  extractContext({ extractors, defaulted }, args, INTERNAL).destinations.map((d) => d.host);

describe('parseExtractorPath', () => {
  test('keys, indexes and wildcards', () => {
    assert.deepEqual(parseExtractorPath('to'), [{ key: 'to' }]);
    assert.deepEqual(parseExtractorPath('headers.Host'), [{ key: 'headers' }, { key: 'Host' }]);
    assert.deepEqual(parseExtractorPath('messages[*].to[0]'), [
      { key: 'messages' },
      { each: true },
      { key: 'to' },
      { index: 0 },
    ]);
  });

  test('refuses malformed paths with invalid_request naming the path', () => {
    for (const bad of [
      '',
      '.to',
      'to.',
      'a..b',
      '[*]',
      'a[x]',
      'a[*]b',
      'a.[0]',
      'a[',
      'a]',
      Array.from({ length: 17 }, () => 'a').join('.'),
    ]) {
      assert.throws(
        () => parseExtractorPath(bad),
        (e: unknown) =>
          e instanceof MandateError &&
          e.code === 'invalid_request' &&
          e.message.includes('invalid argument path'),
        bad,
      );
    }
  });
});

describe('destination kinds', () => {
  test('email: domain of each address, display names, lists, ip literals', () => {
    assert.deepEqual(emailHosts('bob@Partner.COM'), ['partner.com']);
    assert.deepEqual(emailHosts('"Doe, John" <j@a.com>, b@b.com; c@mail.example.org'), [
      'a.com',
      'b.com',
      'mail.example.org',
    ]);
    assert.deepEqual(
      emailHosts('"odd@local"@c.com'),
      [INVALID_HOST],
      'a quoted local part has more than one reading',
    );
    assert.deepEqual(emailHosts('x@[10.0.0.1]'), ['10.0.0.1']);
    assert.deepEqual(emailHosts('x@[IPv6:::1]'), ['::1']);
    assert.deepEqual(emailHosts('no-at-sign'), [INVALID_HOST]);
    assert.deepEqual(emailHosts('@nolocal.com'), [INVALID_HOST]);
    assert.deepEqual(emailHosts('a@'), [INVALID_HOST]);
    assert.deepEqual(emailHosts('  '), [INVALID_HOST]);
  });

  test('url: the host the url reaches; no host is invalid', () => {
    assert.deepEqual(urlHosts('https://API.github.com:443/repos'), ['api.github.com']);
    assert.deepEqual(
      urlHosts('http://good.example.org@evil.com/'),
      [INVALID_HOST],
      'userinfo is refused',
    );
    assert.deepEqual(urlHosts('http://[::1]:80/'), ['::1']);
    assert.deepEqual(urlHosts('http://0x7f.1/'), [INVALID_HOST], 'a non-canonical ip is refused');
    assert.deepEqual(urlHosts('ssh://Git.Example.ORG/x'), ['git.example.org']);
    assert.deepEqual(urlHosts('mailto:a@x.com,b@example.org'), ['x.com', 'example.org']);
    // What a lenient client (curl, an "add https://" helper) completes to http:// is read by its host.
    assert.deepEqual(
      ['example.com/path', '//evil.com/x', 'localhost:8080', '10.0.0.5:6379/x', '[::1]/x'].map(
        (u) => urlHosts(u)[0],
      ),
      ['example.com', 'evil.com', 'localhost', '10.0.0.5', '::1'],
    );
    assert.deepEqual(
      ['127.1/', '//0x7f.1/', '2130706433:80'].map((u) => 'problem' in readUrl(u)),
      [true, true, true],
      'an address in another spelling is refused there too',
    );
    assert.deepEqual(
      ['docs/intro.md', '/api/x', './a.b/c', 'v1.2/api', 'urn:isbn:1'].map((u) => urlHosts(u)[0]),
      Array(5).fill(INVALID_HOST),
      'relative paths stay unknown',
    );
    for (const bad of [
      'not a url',
      'file:///etc/passwd',
      'data:text/plain,hi',
      'javascript:alert(1)',
      '',
      'http:evil.com',
      'http://evil.com\\@x/',
    ]) {
      assert.deepEqual(urlHosts(bad), [INVALID_HOST], bad);
    }
  });

  test('host: with or without a port', () => {
    assert.deepEqual(
      hostsOf([{ path: 'headers.Host', kind: 'host' }], { headers: { Host: 'Evil.com:8443' } }),
      ['evil.com'],
    );
    const odd = extractContext(
      { extractors: [{ path: 'h', kind: 'host' }] },
      { h: 'evil.com/path' },
      INTERNAL,
    );
    assert.deepEqual(
      [odd.destinations, odd.problems.length],
      [[], 1],
      'a host with a path has more than one reading',
    );
  });
});

describe('extractContext', () => {
  test('arrays, nested paths and indexes', () => {
    const args = {
      recipients: ['a@x.com', 'b@example.org'],
      messages: [{ to: 'c@y.com' }, { to: ['d@z.com', 'e@x.com'] }],
    };
    assert.deepEqual(hostsOf([{ path: 'recipients[*]', kind: 'email' }], args), [
      'x.com',
      'example.org',
    ]);
    assert.deepEqual(hostsOf([{ path: 'recipients', kind: 'email' }], args), [
      'x.com',
      'example.org',
    ]);
    assert.deepEqual(hostsOf([{ path: 'recipients[1]', kind: 'email' }], args), ['example.org']);
    assert.deepEqual(hostsOf([{ path: 'messages[*].to', kind: 'email' }], args), [
      'y.com',
      'z.com',
      'x.com',
    ]);
    assert.deepEqual(hostsOf([{ path: 'messages.to', kind: 'email' }], args), [
      'y.com',
      'z.com',
      'x.com',
    ]);
  });

  test('marks each destination internal or external and dedupes', () => {
    const ctx = extractContext(
      {
        extractors: [
          { path: 'to', kind: 'email' },
          { path: 'url', kind: 'url' },
        ],
      },
      { to: 'a@mail.example.org, b@evil.com', url: 'https://evil.com/x' },
      INTERNAL,
    );
    assert.deepEqual(ctx.destinations, [
      { host: 'mail.example.org', external: false, network: 'internal', allowed: true },
      { host: 'evil.com', external: true, network: 'public', allowed: false },
    ]);
    assert.deepEqual(ctx.strings, {
      to: 'a@mail.example.org, b@evil.com',
      url: 'https://evil.com/x',
    });
  });

  test('keys match case-insensitively, all of them', () => {
    assert.deepEqual(
      hostsOf([{ path: 'headers.Host', kind: 'host' }], {
        headers: { host: 'a.com', HOST: 'b.com' },
      }),
      ['a.com', 'b.com'],
    );
  });

  test('strings by concrete path; path kind normalized', () => {
    const ctx = extractContext(
      {
        extractors: [
          { path: 'file', kind: 'path' },
          { path: 'tags[*]', kind: 'string' },
          { path: 'n', kind: 'string' },
        ],
      },
      { file: '/safe/./x//y', tags: ['a', 'b'], n: 3 },
      INTERNAL,
    );
    assert.deepEqual(ctx.strings, { file: '/safe/x/y', 'tags[0]': 'a', 'tags[1]': 'b', n: '3' });
    assert.deepEqual(ctx.paths, { file: '/safe/x/y' });
    assert.deepEqual(ctx.destinations, []);
  });

  test('fails closed: wrong shapes and non-strings are <invalid>, external', () => {
    const invalid = [{ host: INVALID_HOST, external: true, network: 'unknown', allowed: false }];
    const url: ArgumentExtractor[] = [{ path: 'url', kind: 'url' }];
    assert.deepEqual(
      extractContext({ extractors: url }, { url: 'not a url' }, INTERNAL).destinations,
      invalid,
    );
    assert.deepEqual(
      extractContext({ extractors: url }, { url: 42 }, INTERNAL).destinations,
      invalid,
    );
    assert.deepEqual(
      extractContext({ extractors: url }, { url: { href: 'a.com' } }, INTERNAL).destinations,
      invalid,
    );
    assert.deepEqual(
      extractContext(
        { extractors: [{ path: 'to.address', kind: 'email' }] },
        { to: 'a@b.com' },
        INTERNAL,
      ).destinations,
      invalid,
    );
    assert.deepEqual(
      extractContext(
        { extractors: [{ path: 'to[0]', kind: 'email' }] },
        { to: 'a@b.com' },
        INTERNAL,
      ).destinations,
      invalid,
    );
    assert.deepEqual(
      extractContext({ extractors: [{ path: 'bad..path', kind: 'url' }] }, {}, INTERNAL)
        .destinations,
      invalid,
    );
  });

  test('absent and null values are no destination', () => {
    assert.deepEqual(hostsOf([{ path: 'url', kind: 'url' }], {}), []);
    assert.deepEqual(hostsOf([{ path: 'url', kind: 'url' }], { url: null }), []);
    assert.deepEqual(hostsOf([{ path: 'a.b', kind: 'url' }], { a: null }), []);
    assert.deepEqual(hostsOf([{ path: 'url', kind: 'url' }], null), []);
  });

  test('too many values: the call is refused, never an <invalid> that hides an internal destination', () => {
    const many = Array.from(
      { length: MAX_VALUES_PER_EXTRACTOR + 5 },
      (_, i) => `u${i}@example.org`,
    );
    const ctx = extractContext(
      { extractors: [{ path: 'to', kind: 'email' }] },
      { to: many },
      INTERNAL,
    );
    assert.deepEqual(
      ctx.destinations.map((d) => d.host),
      ['example.org'],
    );
    assert.match(
      ctx.problems.join(),
      /argument `to` has more than 1024 values, so not every destination can be read/u,
    );
  });

  test('arguments deeper than they may nest, or padded with empty containers, are refused', () => {
    const deep = (v: unknown, n: number): unknown => (n === 0 ? v : [deep(v, n - 1)]);
    const problems = (args: unknown) => extractContext({ extractors: [] }, args, INTERNAL).problems;
    assert.deepEqual(
      problems({ a: deep('http://10.0.0.1/', 15) }),
      [],
      'to depth 16 every value is read',
    );
    assert.deepEqual(hostsOf([], { a: deep('http://10.0.0.1/', 15) }), ['10.0.0.1']);
    assert.deepEqual(
      problems({ a: deep([], 15) }),
      [],
      'an empty container at the last level holds nothing',
    );
    assert.match(
      problems({ a: deep('x', 16) }).join(),
      /nest deeper than 16 levels or hold more than 16384 values/u,
    );
    assert.equal(
      problems({ pad: Array.from({ length: 20_000 }, () => ({})), url: 'http://10.0.0.1/' }).length,
      1,
    );
  });

  test('defaulted extractors also read default-named top-level arguments', () => {
    assert.deepEqual(
      hostsOf(
        [],
        {
          URL: 'https://a.com',
          Email: 'x@b.com',
          other: 'https://c.com',
          text: 'see https://d.com',
        },
        ['extractors'],
      ),
      ['a.com', 'b.com', 'c.com'],
      'a whole url is read wherever it is; prose is not',
    );
    assert.deepEqual(
      hostsOf([], { to: 'x@a.com' }),
      [],
      'operator extractors (none) are taken as given',
    );
    assert.deepEqual(
      hostsOf([{ path: 'url', kind: 'url' }], { url: 'https://a.com' }, ['extractors']),
      ['a.com'],
      'no double extraction',
    );
    assert.deepEqual(hostsOf([], { constructor: 'x', __proto__: 'y' }, ['extractors']), []);
  });

  test('never throws on arbitrary json arguments', () => {
    const extractors = fc.array(
      fc.record({
        path: fc.oneof(
          fc.constantFrom('to', 'url', 'a.b', 'a[*]', 'a[*].b', 'a[0]', 'headers.Host'),
          fc.string(),
        ),
        kind: fc.constantFrom('email', 'url', 'host', 'path', 'string') as fc.Arbitrary<
          ArgumentExtractor['kind']
        >,
      }),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(
        extractors,
        fc.jsonValue(),
        fc.boolean(),
        fc.array(fc.string(), { maxLength: 3 }),
        (ex, args, defaulted, internal) => {
          const ctx = extractContext(
            { extractors: ex, defaulted: defaulted ? ['extractors'] : [] },
            args,
            internal,
          );
          for (const d of ctx.destinations) assert.equal(typeof d.external, 'boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  test('never throws on deeply nested arguments', () => {
    let deep: unknown = 'a@b.com';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    assert.deepEqual(hostsOf([{ path: 'to', kind: 'email' }], { to: deep }), [INVALID_HOST]);
  });
});

describe('isExternal', () => {
  test('internal domains and their subdomains only', () => {
    assert.equal(isExternal('example.org', INTERNAL), false);
    assert.equal(isExternal('a.b.example.org', INTERNAL), false);
    assert.equal(isExternal('EXAMPLE.ORG.', INTERNAL), false);
    assert.equal(isExternal('badexample.org', INTERNAL), true);
    assert.equal(isExternal('example.org.evil.com', INTERNAL), true);
    assert.equal(isExternal('corp.example.org', ['*.corp.example.org', '.other.net']), false);
    assert.equal(isExternal('x.other.net', ['*.corp.example.org', '.other.net']), false);
  });

  test('empty or unusable entries never make everything internal', () => {
    for (const entries of [[''], ['.'], ['*'], ['*.'], [' ']])
      assert.equal(isExternal('evil.com', entries), true, JSON.stringify(entries));
  });

  test('ip literals: private and loopback ranges are internal, others external', () => {
    for (const h of ['10.0.0.1', '192.168.0.5', '127.0.0.1', '::1', 'fd00::1'])
      assert.equal(isExternal(h, []), false, h);
    assert.equal(isExternal('8.8.8.8', []), true);
    assert.equal(isExternal('8.8.8.8', ['8.8.8']), true, 'a partial ip is no domain');
  });

  test('localhost is internal; <invalid> and * are external', () => {
    assert.equal(isExternal('localhost', []), false);
    assert.equal(isExternal('app.localhost', []), false);
    assert.equal(isExternal(INVALID_HOST, ['example.org']), true);
    assert.equal(isExternal('*', ['example.org']), true);
  });
});

describe('defaultExtractors', () => {
  test('url and email names from the input schema', () => {
    const schema = {
      type: 'object',
      properties: {
        url: {},
        Endpoint: {},
        to: {},
        cc: {},
        bcc: {},
        recipients: {},
        email: {},
        uri: {},
        host: {},
        body: {},
        constructor: {},
      },
    };
    assert.deepEqual(defaultExtractors(schema), [
      { path: 'url', kind: 'url' },
      { path: 'Endpoint', kind: 'url' },
      { path: 'to', kind: 'email' },
      { path: 'cc', kind: 'email' },
      { path: 'bcc', kind: 'email' },
      { path: 'recipients', kind: 'email' },
      { path: 'email', kind: 'email' },
      { path: 'uri', kind: 'url' },
      { path: 'host', kind: 'host' },
    ]);
    assert.deepEqual(defaultExtractors({ type: 'object' }), []);
    assert.deepEqual(defaultExtractors(null), []);
  });
});

describe('bounds', () => {
  test('values cut off mid-path refuse the call (empty objects give no argument path, so only this bound sees them)', () => {
    const items = Array.from({ length: MAX_VALUES_PER_EXTRACTOR + 10 }, (_, i) =>
      i < MAX_VALUES_PER_EXTRACTOR + 5 ? {} : { to: 'x@[127.0.0.1]' },
    );
    const ctx = extractContext(
      { extractors: [{ path: 'items[*].to', kind: 'email' }] },
      { items },
      INTERNAL,
    );
    assert.deepEqual(ctx.destinations, []);
    assert.match(ctx.problems.join(), /argument `items\[\*\]\.to` has more than 1024 values/u);
  });
});

describe('destinations outside the default names (review of issue 12)', () => {
  const ctx = (args: unknown, defaulted: string[] = ['extractors']) =>
    extractContext({ extractors: [], defaulted, destinations: ['*'] }, args, INTERNAL);
  const net = (args: unknown, defaulted?: string[]) =>
    ctx(args, defaulted).destinations.map((d) => `${d.host} ${d.network}`);

  test('a string that is, as a whole, an ip literal is a destination under any key, operator extractors or not', () => {
    assert.deepEqual(net({ ip: '10.0.0.5' }), ['10.0.0.5 private']);
    assert.deepEqual(net({ address: '169.254.169.254:80' }), ['169.254.169.254 link_local']);
    assert.deepEqual(net({ server: { target: ['[::1]:8080'] } }), ['::1 loopback']);
    assert.deepEqual(net({ domain: 'fd00::5' }), ['fd00::5 private']);
    assert.deepEqual(
      net({ target: '8.8.8.8' }),
      ['8.8.8.8 public'],
      'a public one counts as external',
    );
    assert.deepEqual(net({ ip: '10.0.0.5' }, []), ['10.0.0.5 private'], 'whatever the extractors');
    assert.deepEqual(
      net({ version: '1.2', text: 'host 10.0.0.5 is down', id: '2130706433' }),
      ['* unknown'],
      'prose and plain numbers are not',
    );
    assert.equal(
      ctx({ server: '0177.0.0.1' }).problems.length,
      1,
      'an address in another spelling is refused',
    );
  });

  test('keys match without zero-width, format characters or whitespace anywhere in them', () => {
    for (const key of [
      'u\u200brl',
      'u\u200crl',
      'u\u200drl',
      'u\u2060rl',
      '\ufeffurl',
      'u\u00adrl',
      'u rl',
      'u\u3000rl',
    ]) {
      assert.deepEqual(
        net({ [key]: 'metadata.google.internal/computeMetadata/v1/' }),
        ['metadata.google.internal internal'],
        JSON.stringify(key),
      );
    }
  });

  test('a bare ipv6 literal in a host argument is that address', () => {
    assert.deepEqual(net({ host: '::1' }), ['::1 loopback']);
    assert.deepEqual(net({ hostname: 'fe80::1' }), ['fe80::1 link_local']);
    assert.deepEqual(ctx({ host: '::1' }).problems, []);
  });

  test('names a search domain completes, and kubernetes service names, are internal', () => {
    for (const host of [
      'kubernetes.default.svc',
      'db.ns.svc.cluster.local',
      'kubernetes.default',
      'intranet.corp',
      'nas.home',
      'router.lan',
      'wiki.private',
      'hr.intranet',
    ]) {
      assert.equal(isExternal(host, []), false, host);
    }
  });
});

describe('uriDestinations', () => {
  const rules = destinationRules(INTERNAL);
  const hosts = (uri: string) => uriDestinations(uri, rules);
  test('any scheme://authority/ resource uri reaches its host; file: and uris without an authority reach none', () => {
    for (const uri of [
      'ws://10.0.0.5/x',
      'wss://10.0.0.5:443/',
      'ftp://10.0.0.5/pub',
      'gopher://10.0.0.5/_x',
      'redis://10.0.0.5:6379',
      'http://10.0.0.5/',
    ]) {
      assert.deepEqual(
        hosts(uri).destinations.map((d) => d.host),
        ['10.0.0.5'],
        uri,
      );
    }
    for (const uri of [
      'gopher://metadata/',
      'inbox://10.0.0.5/x',
      'notes://[::1]/',
      'notes://localhost/x',
      'x-db://db.internal/t',
    ]) {
      assert.equal(hosts(uri).destinations[0]?.external, false, uri);
    }
    for (const uri of [
      'file:///etc/passwd',
      'file://server/share',
      'urn:isbn:1',
      'mailto:a@b.com',
      'docs://',
      'memo:note',
      'mail+inbox://messages/1',
      'notes://inbox',
    ]) {
      assert.deepEqual(hosts(uri), { destinations: [], problems: [] }, uri);
    }
    assert.equal(hosts('gopher://evil.com@10.0.0.5/').problems.length, 1);
  });
});
