import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Human } from '../humans/human.js';
import { mayApprove, type ApprovalParties } from './approvers.js';

const human = (id: string, groups: string[] = [], admin = false): Human => ({
  id,
  groups,
  admin,
  method: admin ? 'local' : 'oidc',
});
const RULES = { approverGroups: ['security', 'oncall'], allowOwnerSelfApproval: false };
const FOR_ALICE: ApprovalParties = { resourceOwner: 'alice', agentOwner: 'olivia' };
const AS_ITSELF: ApprovalParties = { resourceOwner: null, agentOwner: 'olivia' };

describe('who may answer a per-call approval', () => {
  test('the admin always', () => {
    assert.deepEqual(mayApprove(human('admin', [], true), AS_ITSELF, RULES), {
      ok: true,
      as: 'admin',
    });
  });

  test('the human an on-behalf-of task acts for, even without a group, even owning the agent', () => {
    assert.deepEqual(mayApprove(human('alice'), FOR_ALICE, RULES), {
      ok: true,
      as: 'resource_owner',
    });
    assert.deepEqual(
      mayApprove(human('alice'), { resourceOwner: 'alice', agentOwner: 'alice' }, RULES),
      { ok: true, as: 'resource_owner' },
    );
    assert.equal(
      mayApprove(human('alice'), AS_ITSELF, RULES).ok,
      false,
      'not for a task that acts for no one',
    );
  });

  test('a member of an approver group, but not for their own agent unless allowOwnerSelfApproval', () => {
    assert.deepEqual(mayApprove(human('bob', ['oncall']), FOR_ALICE, RULES), {
      ok: true,
      as: 'approver_group',
    });
    const own = mayApprove(human('olivia', ['security']), FOR_ALICE, RULES);
    assert.equal(own.ok, false);
    assert.match(!own.ok ? own.reason : '', /owns the agent.*allowOwnerSelfApproval is off/);
    assert.deepEqual(
      mayApprove(human('olivia', ['security']), FOR_ALICE, {
        ...RULES,
        allowOwnerSelfApproval: true,
      }),
      { ok: true, as: 'agent_owner' },
    );
    assert.deepEqual(
      mayApprove(human('olivia'), AS_ITSELF, { ...RULES, allowOwnerSelfApproval: true }),
      { ok: true, as: 'agent_owner' },
      'the setting lets the owner approve even outside the groups',
    );
    assert.equal(mayApprove(human('olivia'), AS_ITSELF, RULES).ok, false);
  });

  test('anyone else is refused, and the reason says who may', () => {
    const r = mayApprove(human('carol', ['sales']), FOR_ALICE, RULES);
    assert.deepEqual(r, {
      ok: false,
      reason:
        '`carol` may not answer this approval: it is for the human the task acts for (`alice`) or a member of `security`, `oncall`',
    });
    const none = mayApprove(human('carol'), AS_ITSELF, {
      approverGroups: [],
      allowOwnerSelfApproval: false,
    });
    assert.deepEqual(none, {
      ok: false,
      reason:
        '`carol` may not answer this approval: no approver groups are configured and the task acts for no human',
    });
  });

  test('groups match exactly: no prefix, no case folding', () => {
    assert.equal(mayApprove(human('dan', ['Security']), FOR_ALICE, RULES).ok, false);
    assert.equal(mayApprove(human('dan', ['security-team']), FOR_ALICE, RULES).ok, false);
  });
});
