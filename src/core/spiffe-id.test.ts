/**
 * Tests for SPIFFE ID parsing against spiffe/spiffe standards/SPIFFE-ID.md (§2, §2.1, §2.2, §2.3)
 * and the accepted/rejected cases of go-spiffe's strict `spiffeid` package (v2 `id_test.go`).
 * Where go-spiffe's older URL-based tests accepted things the current spec forbids (`:`, `@`, sub-delims
 * and `[`/`]` in the path, `SPIFFE://`), the spec wins and the case is listed as rejected.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MandateError } from './errors.js';
import {
  MAX_SPIFFE_ID_BYTES,
  MAX_TRUST_DOMAIN_BYTES,
  isSpiffeId,
  parseSpiffeId,
  parseSpiffePath,
  parseTrustDomain,
  spiffeIdFrom,
  trustDomainId,
} from './spiffe-id.js';

const TD_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789.-_';
const PATH_CHARS = `${TD_CHARS}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;

/** Asserts `fn` throws a `MandateError` with code `invalid_spiffe_id` whose message contains `reason`. */
function assertInvalid(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MandateError, `expected a MandateError, got ${String(err)}`);
    assert.equal(err.code, 'invalid_spiffe_id');
    assert.ok(
      err.message.includes(reason),
      `message \`${err.message}\` does not name \`${reason}\``,
    );
    return true;
  });
}

function rejects(input: string, reason: string): void {
  assertInvalid(() => parseSpiffeId(input), reason);
  assert.equal(isSpiffeId(input), false);
}

function accepts(input: string, trustDomain: string, path: string): void {
  assert.deepEqual(parseSpiffeId(input), { trustDomain, path, id: input });
  assert.equal(isSpiffeId(input), true);
}

/** Printable form of a code point for test names. */
function show(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** What the parser should report for `ch` placed in the trust domain, right before `/path`. */
function trustDomainReason(ch: string): string {
  if (ch >= 'A' && ch <= 'Z') return 'trust domain must be lowercase';
  if (ch === ':') return 'trust domain must not contain a port';
  if (ch === '@') return 'trust domain must not contain userinfo';
  if (ch === '%') return 'trust domain must not be percent-encoded';
  if (ch === '?') return 'spiffe id must not have a query';
  if (ch === '#') return 'spiffe id must not have a fragment';
  return 'trust domain contains the disallowed character';
}

/** What the parser should report for `ch` placed in a path segment. */
function pathReason(ch: string): string {
  if (ch === '%') return 'path must not be percent-encoded';
  if (ch === '?') return 'spiffe id must not have a query';
  if (ch === '#') return 'spiffe id must not have a fragment';
  return 'path contains the disallowed character';
}

describe('parseSpiffeId: accepted IDs', () => {
  const cases: Array<[string, string, string]> = [
    // SPIFFE-ID.md §2.2 examples
    ['spiffe://staging.example.com/payments/mysql', 'staging.example.com', '/payments/mysql'],
    ['spiffe://staging.example.com/payments/web-fe', 'staging.example.com', '/payments/web-fe'],
    [
      'spiffe://k8s-west.example.com/ns/staging/sa/default',
      'k8s-west.example.com',
      '/ns/staging/sa/default',
    ],
    [
      'spiffe://example.com/9eebccd2-12bf-40a6-b262-65fe0487d453',
      'example.com',
      '/9eebccd2-12bf-40a6-b262-65fe0487d453',
    ],
    // §2.1.1 example trust domain with an underscore
    [
      'spiffe://trust_domain_name.example.com/workload',
      'trust_domain_name.example.com',
      '/workload',
    ],
    // go-spiffe happy paths
    ['spiffe://domain.test/path/element', 'domain.test', '/path/element'],
    ['spiffe://trustdomain/path', 'trustdomain', '/path'],
    // the path is optional (§2: "an optional path")
    ['spiffe://trustdomain', 'trustdomain', ''],
    ['spiffe://domain.test', 'domain.test', ''],
    // §2.1: dotted-quad IPv4 is not excluded, and must not be treated differently
    ['spiffe://192.168.2.2/path', '192.168.2.2', '/path'],
    ['spiffe://10.0.0.1', '10.0.0.1', ''],
    // every trust-domain character class
    [
      'spiffe://abcdefghijklmnopqrstuvwxyz0123456789.-_',
      'abcdefghijklmnopqrstuvwxyz0123456789.-_',
      '',
    ],
    ['spiffe://a', 'a', ''],
    ['spiffe://0', '0', ''],
    ['spiffe://-', '-', ''],
    ['spiffe://_', '_', ''],
    ['spiffe://-leading.and.trailing-', '-leading.and.trailing-', ''],
    // the spec restricts characters only, so dot-only trust domains are valid (go-spiffe agrees)
    ['spiffe://.', '.', ''],
    ['spiffe://..', '..', ''],
    ['spiffe://a..b/c', 'a..b', '/c'],
    // every path character class; the path is case-sensitive (§2.4)
    [
      'spiffe://td/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_',
      'td',
      '/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_',
    ],
    ['spiffe://td/UPPER/Mixed/lower', 'td', '/UPPER/Mixed/lower'],
    ['spiffe://td/a', 'td', '/a'],
    ['spiffe://td/-', 'td', '/-'],
    ['spiffe://td/_', 'td', '/_'],
    // segments containing dots that are not exactly `.` or `..` (go-spiffe "reject dot segments")
    ['spiffe://trustdomain/.path', 'trustdomain', '/.path'],
    ['spiffe://trustdomain/..path', 'trustdomain', '/..path'],
    ['spiffe://trustdomain/...', 'trustdomain', '/...'],
    ['spiffe://trustdomain/.a', 'trustdomain', '/.a'],
    ['spiffe://trustdomain/a.', 'trustdomain', '/a.'],
    ['spiffe://trustdomain/a..', 'trustdomain', '/a..'],
    ['spiffe://trustdomain/..../x/...', 'trustdomain', '/..../x/...'],
    ['spiffe://trustdomain/path/.../other', 'trustdomain', '/path/.../other'],
    // a segment that looks like a scheme-less host is still just a segment
    ['spiffe://td/example.org', 'td', '/example.org'],
    ['spiffe://td/spiffe', 'td', '/spiffe'],
    // punycode is plain ASCII
    ['spiffe://xn--r8jz45g.jp/path', 'xn--r8jz45g.jp', '/path'],
  ];
  for (const [input, trustDomain, path] of cases) {
    test(`accepts \`${input}\``, () => accepts(input, trustDomain, path));
  }

  test('the path is case-sensitive: IDs differing only in path case are distinct', () => {
    const upper = parseSpiffeId('spiffe://td/Foo');
    const lower = parseSpiffeId('spiffe://td/foo');
    assert.equal(upper.path, '/Foo');
    assert.equal(lower.path, '/foo');
    assert.notEqual(upper.id, lower.id);
  });

  test('returns exactly trustDomain, path and id', () => {
    const id = parseSpiffeId('spiffe://example.org/a/b');
    assert.deepEqual(Object.keys(id).sort(), ['id', 'path', 'trustDomain']);
  });
});

describe('parseSpiffeId: scheme', () => {
  const cases: Array<[string, string]> = [
    ['http://domain.test/path/element', 'http scheme'],
    ['https://domain.test/path', 'https scheme'],
    ['SPIFFE://domain.test/path/element', 'uppercase scheme'],
    ['Spiffe://', 'mixed-case scheme, no trust domain (go-spiffe)'],
    ['spiFFe://domain.test', 'mixed-case scheme'],
    ['spiffe:/', 'single slash, nothing else (go-spiffe)'],
    ['spiffe:/path/element', 'single slash (go-spiffe missing_double_slash_2)'],
    ['spiffe:path/element', 'no slashes (go-spiffe missing_double_slash_1)'],
    ['s', 'just a letter (go-spiffe)'],
    ['spiffe', 'scheme name only'],
    ['spiffe:', 'scheme and colon only'],
    ['spiffe//domain.test', 'missing colon'],
    ['domain.test/path', 'missing scheme'],
    ['//domain.test/path', 'scheme-relative reference'],
    ['://domain.test', 'empty scheme (go-spiffe missing_scheme)'],
    ['192.168.2.2:6688', 'host and port only (go-spiffe invalid_uri)'],
    [' spiffe://domain.test', 'leading space'],
    ['\tspiffe://domain.test', 'leading tab'],
    ['urn:spiffe:domain.test', 'urn form'],
    ['spiffe:\\\\domain.test', 'backslashes'],
    ['spíffe://domain.test', 'non-ASCII look-alike scheme'],
    ['ｓpiffe://domain.test', 'fullwidth letter in the scheme'],
  ];
  for (const [input, why] of cases) {
    test(`rejects \`${input}\` (${why})`, () => rejects(input, 'scheme must be `spiffe://`'));
  }
});

describe('parseSpiffeId: trust domain', () => {
  const cases: Array<[string, string]> = [
    // §2: "include a non-zero trust domain name"
    ['spiffe://', 'trust domain is empty'],
    ['spiffe:///', 'trust domain is empty'],
    ['spiffe:///path/element', 'trust domain is empty'],
    ['spiffe:////', 'trust domain is empty'],
    // §2.1: lowercase only
    ['spiffe://DomAin.TesT', 'trust domain must be lowercase'],
    ['spiffe://Example.org/path', 'trust domain must be lowercase'],
    ['spiffe://EXAMPLE.ORG', 'trust domain must be lowercase'],
    ['spiffe://example.orG/path', 'trust domain must be lowercase'],
    // §2.1: no port, and no `:` delimiter at all
    ['spiffe://domain.test:8080/path/element', 'trust domain must not contain a port'],
    ['spiffe://domain.test:80', 'trust domain must not contain a port'],
    ['spiffe://domain.test:', 'trust domain must not contain a port'],
    ['spiffe://domain.test:/path/element', 'trust domain must not contain a port'],
    ['spiffe://:8080/path', 'trust domain must not contain a port'],
    // §2.1: no userinfo (checked before the `:` of `user:password`)
    ['spiffe://user:password@test.org/path/element', 'trust domain must not contain userinfo'],
    ['spiffe://user@test.org', 'trust domain must not contain userinfo'],
    ['spiffe://@test.org/path', 'trust domain must not contain userinfo'],
    ['spiffe://user@test.org:8080/path', 'trust domain must not contain userinfo'],
    // §2.1: no percent-encoding (go-spiffe "reject percent encoding")
    ['spiffe://%F0%9F%A4%AF/path', 'trust domain must not be percent-encoded'],
    ['spiffe://%62%61%64/path', 'trust domain must not be percent-encoded'],
    ['spiffe://ex%61mple.org', 'trust domain must not be percent-encoded'],
    ['spiffe://example.org%2Fpath', 'trust domain must not be percent-encoded'],
    // §2.1: IPv6 addresses are excluded
    ['spiffe://[::1]/path', 'trust domain must not be an ip literal'],
    ['spiffe://[2001:db8::1]', 'trust domain must not be an ip literal'],
    ['spiffe://[v1.fe]', 'trust domain must not be an ip literal'],
    // §2.1: only [a-z0-9.-_]
    ['spiffe://trust$domain', 'trust domain contains the disallowed character `$`'],
    ['spiffe://trust domain', 'trust domain contains the disallowed character ` `'],
    ['spiffe://trustdomain /path', 'trust domain contains the disallowed character ` `'],
    ['spiffe://trust+domain', 'trust domain contains the disallowed character `+`'],
    ['spiffe://trust~domain', 'trust domain contains the disallowed character `~`'],
    ['spiffe://trust!domain', 'trust domain contains the disallowed character `!`'],
    ['spiffe://trust,domain', 'trust domain contains the disallowed character `,`'],
    ['spiffe://trust;domain', 'trust domain contains the disallowed character `;`'],
    ['spiffe://trust=domain', 'trust domain contains the disallowed character `=`'],
    ['spiffe://trust*domain', 'trust domain contains the disallowed character `*`'],
    ['spiffe://trust]domain', 'trust domain contains the disallowed character `]`'],
    ['spiffe://trust\\domain/path', 'trust domain contains the disallowed character `\\`'],
    ['spiffe://exämple.org', 'trust domain contains the disallowed character `ä`'],
    ['spiffe://例え.jp/path', 'trust domain contains the disallowed character `例`'],
    ['spiffe://\u212aelvin.org', 'trust domain contains the disallowed character `\u212a`'], // KELVIN SIGN lowercases to `k`
    ['spiffe://\u0130stanbul.org', 'trust domain contains the disallowed character `\u0130`'], // dotted capital I
    ['spiffe://example\uff0eorg', 'trust domain contains the disallowed character `\uff0e`'], // fullwidth full stop
    ['spiffe://🤯.org', 'trust domain contains the disallowed character `🤯`'],
  ];
  for (const [input, reason] of cases) {
    test(`rejects \`${input}\``, () => rejects(input, reason));
  }

  // go-spiffe: "Go all the way through 255, which ensures we reject UTF-8 appropriately"
  for (let cp = 0; cp < 256; cp++) {
    if (cp === 0x2f) continue; // `/` ends the trust domain
    const ch = String.fromCodePoint(cp);
    const input = `spiffe://trustdomain${ch}/path`;
    if (TD_CHARS.includes(ch)) {
      test(`trust domain allows ${show(cp)}`, () => accepts(input, `trustdomain${ch}`, '/path'));
    } else {
      test(`trust domain rejects ${show(cp)}`, () => rejects(input, trustDomainReason(ch)));
    }
  }

  test(`accepts a trust domain of exactly ${MAX_TRUST_DOMAIN_BYTES} bytes`, () => {
    const td = `${'a'.repeat(MAX_TRUST_DOMAIN_BYTES - 4)}.org`;
    assert.equal(Buffer.byteLength(td), 255);
    accepts(`spiffe://${td}`, td, '');
    accepts(`spiffe://${td}/path`, td, '/path');
  });

  test(`rejects a trust domain of ${MAX_TRUST_DOMAIN_BYTES + 1} bytes`, () => {
    const td = 'a'.repeat(MAX_TRUST_DOMAIN_BYTES + 1);
    rejects(`spiffe://${td}`, 'trust domain exceeds 255 bytes');
    rejects(`spiffe://${td}/path`, 'trust domain exceeds 255 bytes');
  });

  test('the trust-domain limit is in bytes, and a long trust domain with an invalid character is still rejected', () => {
    rejects(`spiffe://${'a'.repeat(254)}é`, 'trust domain exceeds 255 bytes');
    rejects(`spiffe://${'a'.repeat(253)}é`, 'trust domain contains the disallowed character `é`');
  });
});

describe('parseSpiffeId: path', () => {
  const cases: Array<[string, string]> = [
    // §2.2: no empty segments
    ['spiffe://trustdomain//', 'path has an empty segment'],
    ['spiffe://trustdomain//path', 'path has an empty segment'],
    ['spiffe://domain.test//path/element', 'path has an empty segment'],
    ['spiffe://trustdomain/a//b', 'path has an empty segment'],
    ['spiffe://trustdomain/a///b', 'path has an empty segment'],
    // §2.2: no trailing `/`
    ['spiffe://trustdomain/', 'path must not end with `/`'],
    ['spiffe://trustdomain/path/', 'path must not end with `/`'],
    ['spiffe://trustdomain/a/b/c/', 'path must not end with `/`'],
    // §2.2: no relative path modifiers
    ['spiffe://trustdomain/.', 'path segment `.` is not allowed'],
    ['spiffe://trustdomain/./path', 'path segment `.` is not allowed'],
    ['spiffe://trustdomain/path/./other', 'path segment `.` is not allowed'],
    ['spiffe://trustdomain/path/.', 'path segment `.` is not allowed'],
    ['spiffe://trustdomain/..', 'path segment `..` is not allowed'],
    ['spiffe://trustdomain/../path', 'path segment `..` is not allowed'],
    ['spiffe://trustdomain/path/../other', 'path segment `..` is not allowed'],
    ['spiffe://trustdomain/path/..', 'path segment `..` is not allowed'],
    // §2.2: no percent-encoding (go-spiffe "reject percent encoding" and malformed escapes)
    ['spiffe://trustdomain/%F0%9F%A4%AF', 'path must not be percent-encoded'],
    ['spiffe://trustdomain/%62%61%64', 'path must not be percent-encoded'],
    ['spiffe://domain.test/path/elem%5uent', 'path must not be percent-encoded'],
    ['spiffe://domain.test/path/element%5', 'path must not be percent-encoded'],
    ['spiffe://domain.test/a%2Fb', 'path must not be percent-encoded'],
    ['spiffe://domain.test/%2e%2e/etc', 'path must not be percent-encoded'],
    ['spiffe://domain.test/%', 'path must not be percent-encoded'],
    // §2: no query
    ['spiffe://domain.test/path/element?query=1', 'spiffe id must not have a query'],
    ['spiffe://domain.test/path?', 'spiffe id must not have a query'],
    ['spiffe://domain.test/?', 'spiffe id must not have a query'],
    ['spiffe://domain.test?query=1', 'spiffe id must not have a query'],
    ['spiffe://domain.test?', 'spiffe id must not have a query'],
    ['spiffe://domain.test/path/element?#fragment-1', 'spiffe id must not have a query'],
    // §2: no fragment
    ['spiffe://domain.test/path/element#fragment-1', 'spiffe id must not have a fragment'],
    ['spiffe://domain.test/path#', 'spiffe id must not have a fragment'],
    ['spiffe://domain.test#frag', 'spiffe id must not have a fragment'],
    ['spiffe://domain.test#', 'spiffe id must not have a fragment'],
    ['spiffe://domain.test/a#b?c', 'spiffe id must not have a fragment'],
    // §2.2: only [a-zA-Z0-9.-_]; go-spiffe's old permissive cases are rejected by the spec
    ['spiffe://trustdomain/path$', 'path contains the disallowed character `$`'],
    ['spiffe://domain.test/pa:th/element:', 'path contains the disallowed character `:`'],
    ['spiffe://domain.test/pa@th/element', 'path contains the disallowed character `@`'],
    ["spiffe://domain.test/p!a$t&h'/(e)l*e+m,e;n=t", 'path contains the disallowed character `!`'],
    ['spiffe://domain.test/path/elem[ent', 'path contains the disallowed character `[`'],
    ['spiffe://domain.test/path/elem]ent', 'path contains the disallowed character `]`'],
    [
      'spiffe://domain.test/spiffe://domain.test/path/element',
      'path contains the disallowed character `:`',
    ],
    ['spiffe://domain.test/a b', 'path contains the disallowed character ` `'],
    ['spiffe://domain.test/a+b', 'path contains the disallowed character `+`'],
    ['spiffe://domain.test/a~b', 'path contains the disallowed character `~`'],
    ['spiffe://domain.test/a\\b', 'path contains the disallowed character `\\`'],
    ['spiffe://domain.test/a\\..\\b', 'path contains the disallowed character `\\`'],
    // §2.3: RFC 3986 permits only ASCII
    ['spiffe://domain.test/café', 'path contains the disallowed character `é`'],
    ['spiffe://domain.test/路径', 'path contains the disallowed character `路`'],
    ['spiffe://domain.test/🤯', 'path contains the disallowed character `🤯`'],
    ['spiffe://domain.test/\u212a', 'path contains the disallowed character `\u212a`'],
    ['spiffe://domain.test/a\uff0fb', 'path contains the disallowed character `\uff0f`'], // fullwidth solidus
    ['spiffe://domain.test/\u2024\u2024', 'path contains the disallowed character `\u2024`'], // one dot leader
  ];
  for (const [input, reason] of cases) {
    test(`rejects \`${input}\``, () => rejects(input, reason));
  }

  for (let cp = 0; cp < 256; cp++) {
    if (cp === 0x2f) continue; // `/` is the segment delimiter
    const ch = String.fromCodePoint(cp);
    const input = `spiffe://trustdomain/path${ch}`;
    if (PATH_CHARS.includes(ch)) {
      test(`path allows ${show(cp)}`, () => accepts(input, 'trustdomain', `/path${ch}`));
    } else {
      test(`path rejects ${show(cp)}`, () => rejects(input, pathReason(ch)));
    }
  }

  test('rejects lone surrogates in the path and trust domain', () => {
    rejects('spiffe://domain.test/a\ud800', 'path contains the disallowed character');
    rejects('spiffe://domain.test/\udc00b', 'path contains the disallowed character');
    rejects('spiffe://doma\ud800in.test', 'trust domain contains the disallowed character');
  });
});

describe('parseSpiffeId: total length (§2.3)', () => {
  const prefix = 'spiffe://example.org/';

  test(`accepts exactly ${MAX_SPIFFE_ID_BYTES} bytes`, () => {
    const id = prefix + 'a'.repeat(MAX_SPIFFE_ID_BYTES - prefix.length);
    assert.equal(Buffer.byteLength(id), 2048);
    accepts(id, 'example.org', id.slice('spiffe://example.org'.length));
  });

  test(`accepts exactly ${MAX_SPIFFE_ID_BYTES} bytes split into many segments`, () => {
    let path = '';
    // leave room for a final `/x`
    while (`spiffe://example.org${path}/ab/x`.length <= MAX_SPIFFE_ID_BYTES) path += '/ab';
    path += '/' + 'x'.repeat(MAX_SPIFFE_ID_BYTES - `spiffe://example.org${path}/`.length);
    const id = `spiffe://example.org${path}`;
    assert.equal(Buffer.byteLength(id), 2048);
    accepts(id, 'example.org', path);
  });

  test(`accepts ${MAX_SPIFFE_ID_BYTES} bytes with a ${MAX_TRUST_DOMAIN_BYTES}-byte trust domain`, () => {
    const td = 't'.repeat(MAX_TRUST_DOMAIN_BYTES);
    const head = `spiffe://${td}/`;
    const id = head + 'p'.repeat(MAX_SPIFFE_ID_BYTES - head.length);
    assert.equal(Buffer.byteLength(id), 2048);
    accepts(id, td, id.slice(`spiffe://${td}`.length));
  });

  test(`rejects ${MAX_SPIFFE_ID_BYTES + 1} bytes`, () => {
    const id = prefix + 'a'.repeat(MAX_SPIFFE_ID_BYTES + 1 - prefix.length);
    assert.equal(Buffer.byteLength(id), 2049);
    rejects(id, 'exceeds 2048 bytes');
  });

  test('rejects far longer input', () => {
    rejects(prefix + 'a'.repeat(100_000), 'exceeds 2048 bytes');
  });

  test('counts bytes, not UTF-16 code units', () => {
    const id = `${prefix}${'a'.repeat(MAX_SPIFFE_ID_BYTES - prefix.length - 1)}é`;
    assert.equal(id.length, 2048);
    assert.equal(Buffer.byteLength(id), 2049);
    rejects(id, 'exceeds 2048 bytes');
  });
});

describe('parseSpiffeId: non-string and empty input', () => {
  test('rejects the empty string', () => rejects('', 'spiffe id is empty'));
  for (const value of [undefined, null, 42, {}, ['spiffe://td']]) {
    test(`rejects ${JSON.stringify(value) ?? 'undefined'} as not a string`, () => {
      assertInvalid(() => parseSpiffeId(value as unknown as string), 'spiffe id must be a string');
      assert.equal(isSpiffeId(value as unknown as string), false);
    });
  }
});

describe('error messages', () => {
  function messageOf(fn: () => unknown): string {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof MandateError, 'not a MandateError');
      return err.message;
    }
    assert.fail('expected a throw');
  }

  test('name the input in backticks, lowercase, on one line', () => {
    const message = messageOf(() => parseSpiffeId('spiffe://Example.org/x'));
    assert.equal(
      message,
      'invalid spiffe id `spiffe://Example.org/x`: trust domain must be lowercase',
    );
  });

  test('escape control characters so the message stays on one line', () => {
    const message = messageOf(() => parseSpiffeId('spiffe://td/a\nb'));
    assert.ok(!message.includes('\n'), message);
    assert.ok(message.includes('path contains the disallowed character `\\u{a}`'), message);
    const bidi = messageOf(() => parseSpiffeId('spiffe://td/a\u202eb'));
    assert.ok(!bidi.includes('\u202e'), bidi);
  });

  test('truncate very long input but keep the reason', () => {
    const message = messageOf(() => parseSpiffeId(`spiffe://td/${'a'.repeat(3000)}`));
    assert.ok(message.length < 200, message);
    assert.ok(message.endsWith('exceeds 2048 bytes'), message);
  });

  test('a trust-domain error from parseTrustDomain names the trust domain, not a spiffe id', () => {
    const message = messageOf(() => parseTrustDomain('Example.org'));
    assert.equal(message, 'invalid trust domain `Example.org`: trust domain must be lowercase');
  });
});

describe('parseTrustDomain', () => {
  for (const name of [
    'example.org',
    'trust_domain_name.example.com',
    '192.168.1.1',
    'a',
    '-',
    '.',
    'abcdefghijklmnopqrstuvwxyz0123456789.-_',
  ]) {
    test(`accepts \`${name}\` unchanged`, () => assert.equal(parseTrustDomain(name), name));
  }

  test(`accepts exactly ${MAX_TRUST_DOMAIN_BYTES} bytes`, () => {
    const name = 'a'.repeat(MAX_TRUST_DOMAIN_BYTES);
    assert.equal(parseTrustDomain(name), name);
  });

  const cases: Array<[string, string]> = [
    ['', 'trust domain is empty'],
    ['a'.repeat(MAX_TRUST_DOMAIN_BYTES + 1), 'trust domain exceeds 255 bytes'],
    ['Example.org', 'trust domain must be lowercase'],
    ['DomAin.TesT', 'trust domain must be lowercase'],
    ['example.org:8080', 'trust domain must not contain a port'],
    ['example.org:', 'trust domain must not contain a port'],
    ['user@example.org', 'trust domain must not contain userinfo'],
    ['user:pass@example.org', 'trust domain must not contain userinfo'],
    ['ex%61mple.org', 'trust domain must not be percent-encoded'],
    ['[::1]', 'trust domain must not be an ip literal'],
    ['spiffe://example.org', 'trust domain must not include a scheme'],
    ['spiffe://example.org/path', 'trust domain must not include a scheme'],
    ['example.org/path', 'trust domain contains the disallowed character `/`'],
    ['example.org?q', 'trust domain contains the disallowed character `?`'],
    ['example.org#f', 'trust domain contains the disallowed character `#`'],
    ['exa mple.org', 'trust domain contains the disallowed character ` `'],
    ['exämple.org', 'trust domain contains the disallowed character `ä`'],
    [' example.org', 'trust domain contains the disallowed character ` `'],
  ];
  for (const [name, reason] of cases) {
    test(`rejects \`${name.length > 40 ? `${name.slice(0, 20)}…(${name.length})` : name}\``, () => {
      assertInvalid(() => parseTrustDomain(name), reason);
    });
  }
});

describe('parseSpiffePath', () => {
  for (const path of ['', '/a', '/a/b', '/A.b-c_d', '/...', '/.a']) {
    test(`accepts \`${path}\` unchanged`, () => assert.equal(parseSpiffePath(path), path));
  }
  const cases: Array<[string, string]> = [
    ['a', 'path must start with `/`'],
    ['a/b', 'path must start with `/`'],
    ['/', 'path must not end with `/`'],
    ['/a/', 'path must not end with `/`'],
    ['//', 'path has an empty segment'],
    ['//a', 'path has an empty segment'],
    ['/.', 'path segment `.` is not allowed'],
    ['/..', 'path segment `..` is not allowed'],
    ['/a%20b', 'path must not be percent-encoded'],
    ['/a?b', 'spiffe id must not have a query'],
    ['/a#b', 'spiffe id must not have a fragment'],
    ['/a:b', 'path contains the disallowed character `:`'],
  ];
  for (const [path, reason] of cases) {
    test(`rejects \`${path}\``, () => assertInvalid(() => parseSpiffePath(path), reason));
  }
  test('names the full id when given one', () => {
    assertInvalid(
      () => parseSpiffePath('/a/', 'spiffe://td/a/'),
      'invalid spiffe id `spiffe://td/a/`',
    );
  });
});

describe('spiffeIdFrom', () => {
  test('builds an ID with no path', () => {
    assert.deepEqual(spiffeIdFrom('domain.test'), {
      trustDomain: 'domain.test',
      path: '',
      id: 'spiffe://domain.test',
    });
  });

  test('builds an ID from segments', () => {
    assert.deepEqual(spiffeIdFrom('domain.test', 'path', 'element'), {
      trustDomain: 'domain.test',
      path: '/path/element',
      id: 'spiffe://domain.test/path/element',
    });
    assert.equal(
      spiffeIdFrom('td', 'ns', 'staging', 'sa', 'default').id,
      'spiffe://td/ns/staging/sa/default',
    );
    assert.equal(spiffeIdFrom('td', 'Foo', '...', '.a').id, 'spiffe://td/Foo/.../.a');
  });

  const cases: Array<[string, string[], string]> = [
    ['', ['a'], 'trust domain is empty'],
    ['Domain.test', ['a'], 'trust domain must be lowercase'],
    ['domain.test:80', ['a'], 'trust domain must not contain a port'],
    ['user@domain.test', [], 'trust domain must not contain userinfo'],
    ['spiffe://domain.test', ['path'], 'trust domain must not include a scheme'],
    ['spiffe://', ['path', 'element'], 'trust domain must not include a scheme'],
    ['domain.test/a', [], 'trust domain contains the disallowed character `/`'],
    // go-spiffe FromSegments: an empty segment or one containing `/` is rejected, not joined
    ['domain.test', [''], 'path has an empty segment'],
    ['domain.test', ['a', ''], 'path has an empty segment'],
    ['domain.test', ['', 'a'], 'path has an empty segment'],
    ['domain.test', ['/'], 'path segment `/` must not contain `/`'],
    ['domain.test', ['/foo'], 'path segment `/foo` must not contain `/`'],
    ['domain.test', ['a/b'], 'path segment `a/b` must not contain `/`'],
    ['domain.test', ['.'], 'path segment `.` is not allowed'],
    ['domain.test', ['a', '..'], 'path segment `..` is not allowed'],
    ['domain.test', ['$'], 'path contains the disallowed character `$`'],
    ['domain.test', ['a%2Fb'], 'path must not be percent-encoded'],
    ['domain.test', ['a?b'], 'spiffe id must not have a query'],
    ['domain.test', ['a#b'], 'spiffe id must not have a fragment'],
    ['domain.test', ['a'.repeat(MAX_SPIFFE_ID_BYTES)], 'exceeds 2048 bytes'],
  ];
  for (const [td, segments, reason] of cases) {
    const shown = JSON.stringify(segments.map((s) => (s.length > 20 ? `${s.slice(0, 10)}…` : s)));
    test(`rejects (\`${td}\`, ${shown})`, () =>
      assertInvalid(() => spiffeIdFrom(td, ...segments), reason));
  }
});

describe('trustDomainId', () => {
  test('is the ID of the trust domain itself, with no path (§3.1)', () => {
    assert.equal(trustDomainId('domain.test'), 'spiffe://domain.test');
    assert.deepEqual(parseSpiffeId(trustDomainId('domain.test')), {
      trustDomain: 'domain.test',
      path: '',
      id: 'spiffe://domain.test',
    });
  });

  test(`accepts a ${MAX_TRUST_DOMAIN_BYTES}-byte trust domain`, () => {
    const td = 'z'.repeat(MAX_TRUST_DOMAIN_BYTES);
    assert.equal(trustDomainId(td), `spiffe://${td}`);
  });

  const cases: Array<[string, string]> = [
    ['', 'trust domain is empty'],
    ['DOMAIN.test', 'trust domain must be lowercase'],
    ['domain.test:443', 'trust domain must not contain a port'],
    ['u@domain.test', 'trust domain must not contain userinfo'],
    ['d%6fmain.test', 'trust domain must not be percent-encoded'],
    ['spiffe://domain.test', 'trust domain must not include a scheme'],
    ['domain.test/path', 'trust domain contains the disallowed character `/`'],
    ['a'.repeat(MAX_TRUST_DOMAIN_BYTES + 1), 'trust domain exceeds 255 bytes'],
  ];
  for (const [td, reason] of cases) {
    test(`rejects \`${td.length > 40 ? `${td.slice(0, 20)}…` : td}\``, () =>
      assertInvalid(() => trustDomainId(td), reason));
  }
});

describe('isSpiffeId', () => {
  test('is true for valid IDs', () => {
    for (const id of [
      'spiffe://td',
      'spiffe://td/a',
      'spiffe://td/a/B/.../.c',
      'spiffe://1.2.3.4/x',
    ])
      assert.equal(isSpiffeId(id), true, id);
  });
  test('is false, and never throws, for invalid input', () => {
    for (const id of [
      '',
      'spiffe://',
      'SPIFFE://td',
      'spiffe://td/',
      'spiffe://td/./a',
      'spiffe://TD',
      'spiffe://td:1',
      'spiffe://td/a?b',
    ]) {
      assert.equal(isSpiffeId(id), false, id);
    }
  });
});

describe('properties', () => {
  const tdChar = fc.constantFrom(...TD_CHARS);
  const pathChar = fc.constantFrom(...PATH_CHARS);
  const trustDomain = fc.string({ unit: tdChar, minLength: 1, maxLength: 64 });
  const longTrustDomain = fc.string({
    unit: tdChar,
    minLength: 1,
    maxLength: MAX_TRUST_DOMAIN_BYTES,
  });
  const segment = fc
    .string({ unit: pathChar, minLength: 1, maxLength: 24 })
    .filter((s) => s !== '.' && s !== '..');
  const segments = fc.array(segment, { maxLength: 8 });
  const validParts = fc.tuple(trustDomain, segments);
  const join = (td: string, segs: string[]): string =>
    `spiffe://${td}${segs.map((s) => `/${s}`).join('')}`;
  const validId = validParts.map(([td, segs]) => join(td, segs));
  /** A character that is invalid anywhere in an ID: not a path character and not `/`. */
  const disallowed = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 1 })
    .filter((ch) => ch !== '/' && !PATH_CHARS.includes(ch));

  test('IDs built from valid trust-domain characters and valid segments parse and round-trip', () => {
    fc.assert(
      fc.property(validParts, ([td, segs]) => {
        const s = join(td, segs);
        const parsed = parseSpiffeId(s);
        assert.equal(parsed.id, s);
        assert.equal(parsed.trustDomain, td);
        assert.equal(parsed.path, segs.map((x) => `/${x}`).join(''));
        assert.equal(isSpiffeId(s), true);
        assert.deepEqual(spiffeIdFrom(td, ...segs), parsed);
        assert.equal(parseTrustDomain(td), td);
        assert.equal(trustDomainId(td), `spiffe://${td}`);
      }),
      { numRuns: 500 },
    );
  });

  test('trust domains up to 255 bytes round-trip', () => {
    fc.assert(
      fc.property(longTrustDomain, segments, (td, segs) => {
        const s = join(td, segs);
        assert.equal(parseSpiffeId(s).id, s);
      }),
      { numRuns: 200 },
    );
  });

  test('inserting any disallowed character anywhere into a valid ID makes it fail', () => {
    fc.assert(
      fc.property(validId, disallowed, fc.nat(), (id, ch, at) => {
        const i = at % (id.length + 1);
        const bad = id.slice(0, i) + ch + id.slice(i);
        assertInvalid(() => parseSpiffeId(bad), 'invalid spiffe id');
        assert.equal(isSpiffeId(bad), false);
      }),
      { numRuns: 1000 },
    );
  });

  test('inserting an uppercase letter into the trust domain makes it fail', () => {
    const upper = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    fc.assert(
      fc.property(trustDomain, segments, upper, fc.nat(), (td, segs, ch, at) => {
        const i = at % (td.length + 1);
        const bad = join(td.slice(0, i) + ch + td.slice(i), segs);
        assertInvalid(() => parseSpiffeId(bad), 'trust domain must be lowercase');
      }),
    );
  });

  test('inserting `.` or `..` as a segment makes it fail', () => {
    fc.assert(
      fc.property(
        trustDomain,
        segments,
        fc.constantFrom('.', '..'),
        fc.nat(),
        (td, segs, dot, at) => {
          const copy = [...segs];
          copy.splice(at % (copy.length + 1), 0, dot);
          assertInvalid(
            () => parseSpiffeId(join(td, copy)),
            `path segment \`${dot}\` is not allowed`,
          );
        },
      ),
    );
  });

  test('appending `/` or inserting an empty segment makes it fail', () => {
    fc.assert(
      fc.property(validId, (id) => {
        assertInvalid(() => parseSpiffeId(`${id}/`), 'path must not end with `/`');
        assertInvalid(() => parseSpiffeId(`${id}//x`), 'path has an empty segment');
      }),
    );
  });

  test('the 2048-byte limit holds at every length near it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MAX_SPIFFE_ID_BYTES - 16, max: MAX_SPIFFE_ID_BYTES + 16 }),
        (n) => {
          const head = 'spiffe://example.org/';
          const id = head + 'a'.repeat(n - head.length);
          assert.equal(isSpiffeId(id), n <= MAX_SPIFFE_ID_BYTES);
        },
      ),
    );
  });

  test('arbitrary input either parses to itself or throws invalid_spiffe_id', () => {
    const input = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 64 }),
      fc.string({ unit: 'binary', maxLength: 64 }).map((s) => `spiffe://${s}`),
      fc
        .string({ unit: fc.constantFrom(...`${PATH_CHARS}/:@%?#[]`), maxLength: 64 })
        .map((s) => `spiffe://${s}`),
    );
    fc.assert(
      fc.property(input, (s) => {
        let parsed;
        try {
          parsed = parseSpiffeId(s);
        } catch (err) {
          assert.ok(err instanceof MandateError, 'not a MandateError');
          assert.equal(err.code, 'invalid_spiffe_id');
          assert.ok(!err.message.includes('\n'), 'message spans lines');
          return;
        }
        assert.equal(parsed.id, s);
        assert.equal(`spiffe://${parsed.trustDomain}${parsed.path}`, s);
        assert.match(parsed.trustDomain, /^[a-z0-9._-]+$/);
        assert.match(parsed.path, /^(\/[a-zA-Z0-9._-]+)*$/);
      }),
      { numRuns: 1000 },
    );
  });
});
