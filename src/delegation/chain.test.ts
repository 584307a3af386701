import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MandateError } from '../core/errors.js';
import type { ToolAccessDetail } from './authorization-details.js';
import {
  actorsOf,
  delegate,
  nestAct,
  type ActClaim,
  type ChainLink,
  type DelegationRequest,
} from './chain.js';

const A = 'spiffe://example.org/agent/a';
const B = 'spiffe://example.org/agent/b';
const C = 'spiffe://example.org/agent/c';
const NOW = 1_700_000_000;

const github: ToolAccessDetail = {
  type: 'tool_access',
  tools: ['tool:github/*'],
  locations: ['https://mcp/github'],
  actions: ['read', 'write'],
};

function root(over: Partial<ChainLink & { act?: ActClaim }> = {}): ChainLink & { act?: ActClaim } {
  return {
    jti: 'root',
    subject: 'user:alice',
    actors: [A],
    act: { sub: A },
    scopes: ['tool:github/*', 'tool:slack/post'],
    details: [github],
    expiresAt: NOW + 600,
    depth: 0,
    ancestors: [],
    maxDepth: 3,
    ...over,
  };
}

function request(over: Partial<DelegationRequest> = {}): DelegationRequest {
  return { delegate: B, delegateMaxDepth: 5, now: NOW, maxTtlSeconds: 300, ...over };
}

function refused(
  result: ReturnType<typeof delegate>,
  error: string,
  reason: string,
  text: string,
): void {
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.error, error);
  assert.equal(result.reason, reason);
  assert.ok(
    result.message.includes(text),
    `message \`${result.message}\` does not name \`${text}\``,
  );
}

describe('nestAct and actorsOf', () => {
  test('the outermost act is the current actor (RFC 8693 §4.1)', () => {
    const act = nestAct('s16', nestAct('s77'));
    assert.deepEqual(act, { sub: 's16', act: { sub: 's77' } });
    assert.deepEqual(actorsOf(act), ['s16', 's77']);
    assert.deepEqual(actorsOf(undefined), []);
    assert.deepEqual(nestAct('x'), { sub: 'x' });
  });
});

describe('delegate', () => {
  test('a hop keeps the subject, nests act, narrows and records ancestors', () => {
    const r = delegate(
      root(),
      request({
        scopes: ['tool:github/create_issue'],
        details: [
          {
            type: 'tool_access',
            tools: ['tool:github/create_issue'],
            locations: ['https://mcp/github'],
            actions: ['write'],
          },
        ],
        ttlSeconds: 120,
      }),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.child, {
      subject: 'user:alice',
      actors: [B, A],
      act: { sub: B, act: { sub: A } },
      scopes: ['tool:github/create_issue'],
      details: [
        {
          type: 'tool_access',
          tools: ['tool:github/create_issue'],
          locations: ['https://mcp/github'],
          actions: ['write'],
        },
      ],
      expiresAt: NOW + 120,
      depth: 1,
      ancestors: ['root'],
      maxDepth: 3,
    });
  });

  test('an unspecified request inherits all of the parent, copied', () => {
    const parent = root();
    const r = delegate(parent, request());
    assert.ok(r.ok);
    assert.deepEqual(r.child.scopes, parent.scopes);
    assert.deepEqual(r.child.details, parent.details);
    assert.notEqual(r.child.details[0], parent.details[0]);
    assert.notEqual(r.child.scopes, parent.scopes);
  });

  test('a second hop nests again and extends ancestors', () => {
    const first = delegate(root(), request());
    assert.ok(first.ok);
    const second = delegate({ ...first.child, jti: 'child' }, request({ delegate: C }));
    assert.ok(second.ok);
    assert.deepEqual(second.child.act, { sub: C, act: { sub: B, act: { sub: A } } });
    assert.deepEqual(second.child.actors, [C, B, A]);
    assert.deepEqual(second.child.ancestors, ['root', 'child']);
    assert.equal(second.child.depth, 2);
  });

  test('builds act from actors when the parent carries none', () => {
    const r = delegate(root({ act: undefined, actors: [A, C] }), request());
    assert.ok(r.ok);
    assert.deepEqual(r.child.act, { sub: B, act: { sub: A, act: { sub: C } } });
  });

  test('an agent task without act: the subject is the current actor', () => {
    const parent = root({ subject: A, actors: [], act: undefined });
    refused(delegate(parent, request({ delegate: A })), 'invalid_request', 'self_delegation', A);
    const r = delegate(parent, request());
    assert.ok(r.ok);
    assert.deepEqual(r.child.act, { sub: B });
    assert.deepEqual(r.child.actors, [B]);
  });

  describe('expiry', () => {
    test('is the earliest of parent exp, now + requested ttl, now + max ttl', () => {
      const at = (
        ttlSeconds: number | undefined,
        parentExp: number,
        maxTtlSeconds = 300,
      ): number => {
        const r = delegate(root({ expiresAt: parentExp }), request({ ttlSeconds, maxTtlSeconds }));
        assert.ok(r.ok);
        return r.child.expiresAt;
      };
      assert.equal(at(undefined, NOW + 600), NOW + 300);
      assert.equal(at(60, NOW + 600), NOW + 60);
      assert.equal(at(10_000, NOW + 600), NOW + 300);
      assert.equal(at(10_000, NOW + 600, 100_000), NOW + 600);
      assert.equal(at(60, NOW + 30), NOW + 30);
    });

    test('expired_parent when the parent expires at or before now', () => {
      refused(
        delegate(root({ expiresAt: NOW }), request()),
        'invalid_request',
        'expired_parent',
        'the parent token `root` expired at',
      );
      refused(
        delegate(root({ expiresAt: NOW - 1 }), request()),
        'invalid_request',
        'expired_parent',
        `${NOW - 1}`,
      );
      assert.ok(delegate(root({ expiresAt: NOW + 1 }), request()).ok);
    });
  });

  test('self_delegation when the delegate is the current actor', () => {
    refused(
      delegate(root(), request({ delegate: A })),
      'invalid_request',
      'self_delegation',
      `\`${A}\` is the current actor`,
    );
    // An earlier actor is not the current one.
    assert.ok(
      delegate(root({ actors: [B, A], act: { sub: B, act: { sub: A } } }), request({ delegate: A }))
        .ok,
    );
  });

  describe('depth', () => {
    test('too_deep past the parent chain limit', () => {
      refused(
        delegate(root({ depth: 3, maxDepth: 3 }), request()),
        'invalid_request',
        'too_deep',
        "depth 4, over the chain's limit of 3",
      );
      const r = delegate(root({ depth: 2, maxDepth: 3 }), request());
      assert.ok(r.ok);
      assert.equal(r.child.depth, 3);
    });

    test("too_deep past the delegate's own limit, which then binds the rest of the chain", () => {
      refused(
        delegate(root(), request({ delegateMaxDepth: 0 })),
        'invalid_request',
        'too_deep',
        'limit of 0',
      );
      const r = delegate(root({ maxDepth: 9 }), request({ delegateMaxDepth: 1 }));
      assert.ok(r.ok);
      assert.equal(r.child.maxDepth, 1);
      refused(
        delegate({ ...r.child, jti: 'c' }, request({ delegate: C, delegateMaxDepth: 9 })),
        'invalid_request',
        'too_deep',
        'limit of 1',
      );
    });

    test('the limit never grows', () => {
      const r = delegate(root({ maxDepth: 2 }), request({ delegateMaxDepth: 100 }));
      assert.ok(r.ok);
      assert.equal(r.child.maxDepth, 2);
    });
  });

  describe('scopes', () => {
    test('widened_scope names every item the parent lacks', () => {
      refused(
        delegate(root(), request({ scopes: ['tool:github/list', 'tool:slack/read', 'tool:*'] })),
        'invalid_scope',
        'widened_scope',
        '`tool:* tool:slack/read`',
      );
    });

    test('wildcard edges', () => {
      const parent = root({ scopes: ['tool:github/*', 'tool:slack/post'] });
      assert.ok(delegate(parent, request({ scopes: ['tool:github/*'] })).ok);
      assert.ok(delegate(parent, request({ scopes: ['tool:github/admin/*'] })).ok);
      refused(
        delegate(parent, request({ scopes: ['tool:github*'] })),
        'invalid_scope',
        'widened_scope',
        'tool:github*',
      );
      refused(
        delegate(parent, request({ scopes: ['tool:slack/*'] })),
        'invalid_scope',
        'widened_scope',
        'tool:slack/*',
      );
      refused(
        delegate(parent, request({ scopes: ['*'] })),
        'invalid_scope',
        'widened_scope',
        '`*`',
      );
      refused(
        delegate(root({ scopes: [] }), request({ scopes: ['a'] })),
        'invalid_scope',
        'widened_scope',
        '`a`',
      );
    });

    test('an empty request yields no scopes', () => {
      const r = delegate(root(), request({ scopes: [] }));
      assert.ok(r.ok);
      assert.deepEqual(r.child.scopes, []);
    });
  });

  describe('authorization details', () => {
    test('widened_details for a detail the parent does not cover', () => {
      refused(
        delegate(
          root(),
          request({ details: [{ type: 'tool_access', tools: ['tool:github/list'] }] }),
        ),
        'invalid_request',
        'widened_details',
        'authorization_details',
      );
      refused(
        delegate(root(), request({ details: [{ ...github, actions: ['delete'] }] })),
        'invalid_request',
        'widened_details',
        'not covered',
      );
      refused(
        delegate(root({ details: [] }), request({ details: [github] })),
        'invalid_request',
        'widened_details',
        'not covered',
      );
    });

    test('an empty request yields no details', () => {
      const r = delegate(root(), request({ details: [] }));
      assert.ok(r.ok);
      assert.deepEqual(r.child.details, []);
    });
  });

  test('refusals are checked in a fixed order', () => {
    const everything = request({
      delegate: A,
      delegateMaxDepth: 0,
      scopes: ['x'],
      details: [{ type: 'tool_access', tools: ['x'] }],
    });
    refused(
      delegate(root({ expiresAt: NOW }), everything),
      'invalid_request',
      'expired_parent',
      'expired',
    );
    refused(delegate(root(), everything), 'invalid_request', 'self_delegation', 'itself');
    refused(
      delegate(root(), { ...everything, delegate: B }),
      'invalid_request',
      'too_deep',
      'depth',
    );
    refused(
      delegate(root(), { ...everything, delegate: B, delegateMaxDepth: 5 }),
      'invalid_scope',
      'widened_scope',
      'scope',
    );
    refused(
      delegate(root(), { ...everything, delegate: B, delegateMaxDepth: 5, scopes: [] }),
      'invalid_request',
      'widened_details',
      'details',
    );
  });

  describe('malformed input throws instead of deciding', () => {
    const throws = (fn: () => unknown, code: string): void => {
      assert.throws(fn, (err: unknown) => err instanceof MandateError && err.code === code);
    };

    test('requested ttl', () => {
      for (const ttlSeconds of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
        throws(() => delegate(root(), request({ ttlSeconds })), 'invalid_request');
    });

    test('server-side numbers', () => {
      throws(() => delegate(root(), request({ now: Number.NaN })), 'internal');
      throws(() => delegate(root({ expiresAt: Number.NaN }), request()), 'internal');
      throws(() => delegate(root({ maxDepth: Number.NaN }), request()), 'internal');
      throws(() => delegate(root({ depth: -1 }), request()), 'internal');
      throws(() => delegate(root(), request({ delegateMaxDepth: Number.NaN })), 'internal');
      throws(() => delegate(root(), request({ maxTtlSeconds: 0 })), 'internal');
    });

    test('a delegate that is not a SPIFFE ID', () => {
      throws(() => delegate(root(), request({ delegate: 'agent-b' })), 'invalid_spiffe_id');
    });

    test('a parent whose act disagrees with its actors', () => {
      throws(() => delegate(root({ act: { sub: C } }), request()), 'internal');
    });
  });
});
