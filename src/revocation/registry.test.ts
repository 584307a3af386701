import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import type { RevocationEventInput } from '../core/store/index.js';
import { agentStatusEvent, EXPIRY_GRACE_MS, MAX_TOKEN_LIFETIME_MS } from './events.js';
import { RevocationRegistry, type RevocableToken } from './registry.js';

const clock = new ManualClock(Date.UTC(2026, 0, 1));
const iatNow = () => Math.floor(clock.now() / 1000);
const token = (over: Partial<RevocableToken> = {}): RevocableToken => ({
  jti: 'c',
  task_id: 't',
  ancestors: ['r', 'p'],
  agents: ['spiffe://td/agent/a', 'spiffe://td/agent/b'],
  iat: iatNow(),
  kid: 'k1',
  ...over,
});
const ev = (
  kind: RevocationEventInput['kind'],
  subject: string,
  ttlMs: number | null = 60_000,
): RevocationEventInput => ({
  kind,
  subject,
  at: clock.now(),
  expiresAt: ttlMs === null ? null : clock.now() + ttlMs,
  cause: 'test',
});

test('a revoked ancestor, task, grant, key or agent revokes the token; nothing else does', () => {
  const r = new RevocationRegistry(clock);
  assert.equal(r.check(token()), null);
  r.apply(ev('token', 'p'));
  assert.match(r.check(token()) ?? '', /ancestor/);
  assert.equal(r.check(token({ ancestors: ['r'] })), null, 'a sibling branch is untouched');
  r.apply(ev('token', 'c2'));
  assert.equal(r.check(token({ jti: 'c2', ancestors: [] })), 'token revoked');
  r.apply(ev('task', 't2'));
  assert.match(r.check(token({ ancestors: [], task_id: 't2' })) ?? '', /task ended/);
  r.apply(ev('grant', 'g'));
  assert.match(r.check(token({ ancestors: [], grant_id: 'g' })) ?? '', /grant/);
  r.apply(ev('key', 'k2'));
  assert.match(r.check(token({ ancestors: [], kid: 'k2' })) ?? '', /signing key `k2` was revoked/);
  assert.equal(
    r.check(token({ ancestors: [], kid: undefined })),
    null,
    'a token without a kid is not matched by a key',
  );
  r.apply(ev('approval', 'apr_1'));
  assert.equal(r.checkApproval('apr_1'), 'approval revoked');
  assert.equal(r.checkApproval('apr_2'), null);
  assert.equal(
    r.check(token({ ancestors: [], jti: 'apr_1' })),
    null,
    'ids of one kind never match another kind',
  );
});

test('suspending an agent kills its tokens, and resuming it does not revive them', () => {
  const r = new RevocationRegistry(clock);
  const before = token({ ancestors: [] });
  const b = 'spiffe://td/agent/b';
  r.apply(
    agentStatusEvent({ spiffeId: b, status: 'suspended', updatedAt: clock.now() }, 'agent.suspend'),
  );
  assert.match(r.check(before) ?? '', /not active/);
  clock.advance(5_000);
  r.apply(
    agentStatusEvent({ spiffeId: b, status: 'active', updatedAt: clock.now() }, 'agent.resume'),
  );
  assert.match(r.check(before) ?? '', /suspended after this token was issued/);
  assert.equal(
    r.check(token({ ancestors: [], iat: iatNow() })),
    null,
    'tokens issued after the resume work',
  );
  r.apply(
    agentStatusEvent({ spiffeId: b, status: 'retired', updatedAt: clock.now() }, 'agent.retire'),
  );
  assert.match(r.check(token({ ancestors: [], iat: iatNow() + 10 })) ?? '', /not active/);
});

test('compact drops entries once what they revoke has expired; suspensions stay', () => {
  const r = new RevocationRegistry(clock);
  r.apply(ev('token', 'x', 1_000));
  r.apply(ev('task', 't', 10_000));
  r.apply(
    agentStatusEvent(
      { spiffeId: 'spiffe://td/agent/s', status: 'suspended', updatedAt: clock.now() },
      'agent.suspend',
    ),
  );
  r.apply(
    agentStatusEvent(
      { spiffeId: 'spiffe://td/agent/r', status: 'active', updatedAt: clock.now() },
      'agent.resume',
    ),
  );
  clock.advance(2_000);
  assert.equal(r.compact(), 0, 'a verifier may still accept the token within its clock tolerance');
  clock.advance(EXPIRY_GRACE_MS);
  assert.equal(r.compact(), 1);
  assert.deepEqual(r.state().tokens, []);
  clock.advance(10_000);
  assert.equal(r.compact(), 1);
  clock.advance(MAX_TOKEN_LIFETIME_MS);
  assert.equal(r.compact(), 1, "a resumed agent's cutoff goes once every older token has expired");
  assert.equal(r.size, 1, 'a suspended agent stays');
  assert.equal(r.state().agents[0]?.[0], 'spiffe://td/agent/s');
});

test('the same id revoked twice keeps the later expiry; state round-trips through load', () => {
  const r = new RevocationRegistry(clock);
  r.apply(ev('token', 'x', 5_000));
  r.apply(ev('token', 'x', 1_000));
  r.apply(ev('key', 'k', null));
  assert.deepEqual(r.state().tokens, [['x', clock.now() + 5_000]]);
  const copy = new RevocationRegistry(clock);
  copy.load(r.state());
  assert.deepEqual(copy.state(), r.state());
  clock.advance(6_000 + EXPIRY_GRACE_MS);
  assert.deepEqual(r.state().tokens, [], 'state leaves out what is moot even before compaction');
  assert.deepEqual(r.state().keys, [['k', null]]);
});
