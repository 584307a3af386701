import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { RevocationRegistry, type RevocableToken } from './registry.js';

const clock = new ManualClock(Date.UTC(2026, 0, 1));
const iatNow = () => Math.floor(clock.now() / 1000);
const token = (over: Partial<RevocableToken> = {}): RevocableToken => ({ jti: 'c', task_id: 't', ancestors: ['r', 'p'], agents: ['spiffe://td/agent/a', 'spiffe://td/agent/b'], iat: iatNow(), ...over });

test('a revoked ancestor, task, grant or agent revokes the token; nothing else does', () => {
  const r = new RevocationRegistry(clock);
  assert.equal(r.check(token()), null);
  r.revokeTokens(['p'], clock.now() + 60_000);
  assert.match(r.check(token()) ?? '', /ancestor/);
  assert.equal(r.check(token({ ancestors: ['r'] })), null, 'a sibling branch is untouched');
  r.endTask('t2', clock.now() + 60_000);
  assert.match(r.check(token({ ancestors: [], task_id: 't2' })) ?? '', /task ended/);
  r.revokeGrant('g');
  assert.match(r.check(token({ ancestors: [], grant_id: 'g' })) ?? '', /grant/);
});

test('suspending an agent kills its tokens, and resuming it does not revive them', () => {
  const r = new RevocationRegistry(clock);
  const before = token({ ancestors: [] });
  r.setAgentActive('spiffe://td/agent/b', false, clock.now());
  assert.match(r.check(before) ?? '', /not active/);
  clock.advance(5_000);
  r.setAgentActive('spiffe://td/agent/b', true, clock.now());
  assert.match(r.check(before) ?? '', /suspended after this token was issued/);
  assert.equal(r.check(token({ ancestors: [], iat: iatNow() })), null, 'tokens issued after the resume work');
});

test('compact drops entries once what they revoke has expired', () => {
  const r = new RevocationRegistry(clock);
  r.revokeTokens(['x'], clock.now() + 1_000);
  r.endTask('t', clock.now() + 10_000);
  clock.advance(2_000);
  assert.equal(r.compact(), 1);
  clock.advance(10_000);
  assert.equal(r.compact(), 1);
  assert.equal(r.size, 0);
});
