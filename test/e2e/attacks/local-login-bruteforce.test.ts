// OWASP Agentic Top 10 2026: ASI03 Identity and Privilege Abuse, ASI09 Human-Agent Trust
// Exploitation. `POST /auth/local` turns the admin token into a human session that answers
// approvals: a guessing oracle with no limit. After 5 wrong tokens in a minute from one address,
// that address gets 429 with `Retry-After` (the right token included) until the window moves on;
// other addresses keep their own counts, and one's success resets nobody else's. Time is the
// injected ManualClock; requests are node:http from two loopback addresses (127.0.0.1, 127.0.0.2).
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { FailureLimiter } from '../../../src/server/failure-limiter.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';

describe('ASI03/ASI09 attack: guessing the admin token at /auth/local', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ clock });
  });
  after(() => server.stop());

  function signIn(token: string, from: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    const url = new URL(server.url);
    const body = new URLSearchParams({ token }).toString();
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, localAddress: from, method: 'POST', path: '/auth/local', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  test('5 wrong tokens a minute from one address, then 429 with Retry-After, even for the right token', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await signIn(`guess-${i}`, '127.0.0.1')).status, 401, `guess ${i}`);
    const refused = await signIn('guess-5', '127.0.0.1');
    assert.equal(refused.status, 429);
    const wait = Number(refused.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 60, String(refused.headers['retry-after']));
    assert.equal((JSON.parse(refused.body) as { code: string }).code, 'too_many_requests');
    assert.equal((await signIn(server.adminToken, '127.0.0.1')).status, 429, 'a guess made while refused is never tested');
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

  test('memory stays bounded whatever the number of addresses', () => {
    const limiter = new FailureLimiter({ clock, limit: 5, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    assert.ok(limiter.size <= 100, String(limiter.size));
    for (let i = 0; i < 5; i++) limiter.fail('203.0.113.9');
    assert.ok(limiter.retryAfter('203.0.113.9') > 0, 'the newest key is kept');
  });
});
