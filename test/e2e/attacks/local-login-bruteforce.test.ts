// OWASP Agentic Top 10 2026: ASI03 Identity and Privilege Abuse, ASI09 Human-Agent Trust
// Exploitation. `POST /auth/local` turns the admin token into a human session that answers
// approvals: a guessing oracle with no limit. After 5 wrong tokens in a minute from one address,
// that address gets 429 with `Retry-After` (the right token included) until the window moves on;
// other addresses keep their own counts, and one's success resets nobody else's. A burst of
// concurrent guesses, forwarding headers and the 2^64 addresses of one IPv6 /64 give no more tries. Time is the
// injected ManualClock; requests are node:http from two loopback addresses (127.0.0.1, 127.0.0.2).
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { clientKey, FailureLimiter } from '../../../src/server/failure-limiter.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';

describe('ASI03/ASI09 attack: guessing the admin token at /auth/local', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ clock });
  });
  after(() => server.stop());

  function signIn(
    token: string,
    from: string,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    const url = new URL(server.url);
    const body = new URLSearchParams({ token }).toString();
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          localAddress: from,
          method: 'POST',
          path: '/auth/local',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            origin: server.url,
            'content-length': Buffer.byteLength(body),
            ...extra,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  test('5 wrong tokens a minute from one address, then 429 with Retry-After, even for the right token', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await signIn(`guess-${i}`, '127.0.0.1')).status, 401, `guess ${i}`);
    const refused = await signIn('guess-5', '127.0.0.1');
    assert.equal(refused.status, 429);
    const wait = Number(refused.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 60, String(refused.headers['retry-after']));
    assert.equal((JSON.parse(refused.body) as { code: string }).code, 'too_many_requests');
    assert.equal(
      (await signIn(server.adminToken, '127.0.0.1')).status,
      429,
      'a guess made while refused is never tested',
    );
  });

  test('another address has its own count, and its success resets nothing of the first', async () => {
    assert.equal((await signIn('wrong', '127.0.0.2')).status, 401);
    assert.equal((await signIn(server.adminToken, '127.0.0.2')).status, 303);
    assert.equal((await signIn(server.adminToken, '127.0.0.1')).status, 429);
  });

  test('once the minute has passed (the injected clock), the address may sign in again', async () => {
    clock.advance(59_000);
    assert.equal((await signIn(server.adminToken, '127.0.0.1')).status, 429);
    clock.advance(2_000);
    assert.equal((await signIn(server.adminToken, '127.0.0.1')).status, 303);
  });

  test('a burst of concurrent guesses is counted before any is tested: at most 5 are tried', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(`burst-${i}`, '127.0.0.3')),
    );
    const tried = answers.filter((a) => a.status === 401).length;
    assert.ok(tried <= 5, `${tried} guesses were tested`);
    assert.equal(answers.filter((a) => a.status === 429).length, 30 - tried);
  });

  test('X-Forwarded-For and Forwarded do not make a new address', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal(
        (
          await signIn(`xff-${i}`, '127.0.0.4', {
            'x-forwarded-for': `198.51.100.${i}`,
            forwarded: `for=198.51.100.${i}`,
          })
        ).status,
        401,
      );
    assert.equal(
      (
        await signIn('xff-5', '127.0.0.4', {
          'x-forwarded-for': '198.51.100.77',
          'x-real-ip': '198.51.100.77',
        })
      ).status,
      429,
    );
  });

  test('an IPv6 client is one client across its /64, and an IPv4-mapped address is its IPv4 address', () => {
    const limiter = new FailureLimiter({ clock, limit: 5, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) limiter.fail(clientKey(`2001:db8:1:2::${i + 1}`));
    assert.ok(
      limiter.retryAfter(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff')) > 0,
      'another address in the same /64',
    );
    assert.ok(
      limiter.retryAfter(clientKey('2001:0DB8:0001:0002:0:0:0:9')) > 0,
      'the same /64 spelled long and in upper case',
    );
    assert.equal(
      limiter.retryAfter(clientKey('2001:db8:1:3::1')),
      0,
      'another /64 is another client',
    );
    for (let i = 0; i < 5; i++) limiter.fail(clientKey('203.0.113.7'));
    assert.ok(limiter.retryAfter(clientKey('::ffff:203.0.113.7')) > 0, 'IPv4-mapped');
    assert.ok(limiter.retryAfter(clientKey('::ffff:cb00:7107')) > 0, 'IPv4-mapped in hex');
  });

  test('memory stays bounded whatever the number of addresses', () => {
    const limiter = new FailureLimiter({ clock, limit: 5, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    assert.ok(limiter.size <= 100, String(limiter.size));
    for (let i = 0; i < 5; i++) limiter.fail('203.0.113.9');
    assert.ok(limiter.retryAfter('203.0.113.9') > 0, 'the newest key is kept');
  });
});
