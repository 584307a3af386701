import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isIpLiteral, isPrivateIp, normalizeHost } from './host.js';

describe('normalizeHost', () => {
  test('lowercases, drops the port, a trailing dot and ipv6 brackets', () => {
    assert.equal(normalizeHost('API.Example.com.:443'), 'api.example.com');
    assert.equal(normalizeHost('[::1]:8080'), '::1');
    assert.equal(normalizeHost('[::1]'), '::1');
    assert.equal(normalizeHost('::1'), '::1');
    assert.equal(normalizeHost(' example.org '), 'example.org');
  });

  test('normalizes ip and idn forms the way URL parsers do', () => {
    assert.equal(normalizeHost('0x7f.1'), '127.0.0.1');
    assert.equal(normalizeHost('2130706433'), '127.0.0.1');
    assert.equal(normalizeHost('::ffff:10.0.0.1'), '::ffff:a00:1');
    assert.equal(normalizeHost('bücher.de'), 'xn--bcher-kva.de');
    assert.equal(normalizeHost('ex%41mple.com'), 'example.com');
  });

  test('refuses what is not a host', () => {
    for (const bad of [
      '',
      ' ',
      'a b.com',
      'evil.com/x',
      'user@host',
      'a?b',
      'a#b',
      'a\\b',
      'a\u0000b',
      'a:b:c',
      'example.com:99999',
      '.',
      'a..b',
      'fe80::1%eth0',
    ]) {
      assert.equal(normalizeHost(bad), undefined, bad);
    }
  });
});

describe('isPrivateIp', () => {
  test('private, loopback and link-local ipv4', () => {
    for (const ip of [
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '127.8.8.8',
      '169.254.169.254',
      '0.0.0.0',
    ])
      assert.ok(isPrivateIp(ip), ip);
    for (const ip of [
      '172.15.0.1',
      '172.32.0.1',
      '192.169.0.1',
      '8.8.8.8',
      '100.64.0.1',
      '11.0.0.1',
    ])
      assert.ok(!isPrivateIp(ip), ip);
  });

  test('loopback, unique-local, link-local and mapped ipv6', () => {
    for (const ip of [
      '::1',
      '::',
      'fc00::1',
      'fdab:1::2',
      'fe80::1',
      'febf::1',
      '::ffff:a00:1',
      '::ffff:7f00:1',
    ])
      assert.ok(isPrivateIp(ip), ip);
    for (const ip of ['2001:db8::1', 'fec0::1', '::2', '::ffff:808:808', '64:ff9b::a00:1'])
      assert.ok(!isPrivateIp(ip), ip);
  });

  test('names are never private', () => {
    assert.ok(!isPrivateIp('localhost'));
    assert.ok(!isIpLiteral('localhost'));
    assert.ok(isIpLiteral('::1') && isIpLiteral('1.2.3.4'));
  });
});
