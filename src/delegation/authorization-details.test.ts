import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MandateError } from '../core/errors.js';
import {
  detailsSubset,
  detailsToScopes,
  parseAuthorizationDetails,
  type ToolAccessDetail,
} from './authorization-details.js';

function rejects(input: unknown, reason: string): void {
  assert.throws(
    () => parseAuthorizationDetails(input),
    (err: unknown) => {
      assert.ok(err instanceof MandateError, `expected a MandateError, got ${String(err)}`);
      assert.equal(err.code, 'invalid_request');
      assert.deepEqual(err.details, { oauthError: 'invalid_authorization_details' });
      assert.ok(
        err.message.includes(reason),
        `message \`${err.message}\` does not name \`${reason}\``,
      );
      return true;
    },
  );
}

const detail = (tools: string[], extra: Partial<ToolAccessDetail> = {}): ToolAccessDetail => ({
  type: 'tool_access',
  tools,
  ...extra,
});

describe('parseAuthorizationDetails', () => {
  test('parses a json string or a decoded value', () => {
    const json =
      '[{"type":"tool_access","tools":["tool:github/*","tool:github/*"],"locations":["https://mcp.example.com/github"],"actions":["read","write"]}]';
    const expected = [
      detail(['tool:github/*'], {
        locations: ['https://mcp.example.com/github'],
        actions: ['read', 'write'],
      }),
    ];
    assert.deepEqual(parseAuthorizationDetails(json), expected);
    assert.deepEqual(parseAuthorizationDetails(JSON.parse(json)), expected);
    assert.deepEqual(parseAuthorizationDetails('[]'), []);
  });

  test('optional fields stay absent', () => {
    const [d] = parseAuthorizationDetails([{ type: 'tool_access', tools: ['a'] }]);
    assert.deepEqual(d, { type: 'tool_access', tools: ['a'] });
    assert.equal(Object.hasOwn(d ?? {}, 'locations'), false);
  });

  test('rejects what is not an array of objects', () => {
    rejects('not json', 'not valid json');
    rejects('{"type":"tool_access","tools":["a"]}', 'must be a json array');
    rejects({ type: 'tool_access', tools: ['a'] }, 'must be a json array');
    rejects(null, 'must be a json array');
    rejects(42, 'must be a json array');
    rejects(['x'], '`authorization_details[0]` must be an object');
    rejects(
      [{ type: 'tool_access', tools: ['a'] }, null],
      '`authorization_details[1]` must be an object',
    );
    rejects([[]], '`authorization_details[0]` must be an object');
  });

  test('requires a known type', () => {
    rejects([{ tools: ['a'] }], '`authorization_details[0].type` is required');
    rejects([{ type: 7, tools: ['a'] }], '`authorization_details[0].type` must be a string');
    rejects([{ type: 'payment_initiation', tools: ['a'] }], 'unknown type `payment_initiation`');
  });

  test('rejects unknown fields, including prototype keys', () => {
    rejects([{ type: 'tool_access', tools: ['a'], datatypes: ['x'] }], 'unknown field `datatypes`');
    rejects(
      '[{"type":"tool_access","tools":["a"],"__proto__":{"x":1}}]',
      'unknown field `__proto__`',
    );
  });

  test('rejects wrong field types', () => {
    rejects(
      [{ type: 'tool_access' }],
      '`authorization_details[0].tools` must be an array of strings',
    );
    rejects(
      [{ type: 'tool_access', tools: 'a' }],
      '`authorization_details[0].tools` must be an array of strings',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a', 1] }],
      '`authorization_details[0].tools` must be an array of strings',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], locations: 'https://x' }],
      '`authorization_details[0].locations` must be an array of strings',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], actions: [null] }],
      '`authorization_details[0].actions` must be an array of strings',
    );
  });

  test('rejects empty lists', () => {
    rejects(
      [{ type: 'tool_access', tools: [] }],
      '`authorization_details[0].tools` must not be empty',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], locations: [] }],
      'must not be empty; omit it to allow any',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], actions: [] }],
      'must not be empty; omit it to allow any',
    );
  });

  test('rejects invalid values', () => {
    rejects(
      [{ type: 'tool_access', tools: ['a b'] }],
      '`authorization_details[0].tools[0]` `a b` is not a valid tool name',
    );
    rejects([{ type: 'tool_access', tools: ['a*b'] }], '`*` is allowed only as the last character');
    rejects(
      [{ type: 'tool_access', tools: ['a'], locations: ['/relative'] }],
      'must be an absolute uri',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], locations: ['mcp.example.com'] }],
      'must be an absolute uri',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], locations: [' https://x'] }],
      'must be an absolute uri',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], locations: ['https://x/a b'] }],
      'must be an absolute uri',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], locations: ['https://x/#f'] }],
      'must not have a fragment',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], actions: ['read', '*'] }],
      'actions have no wildcards',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], actions: ['re ad'] }],
      '`authorization_details[0].actions[0]`',
    );
    rejects(
      [{ type: 'tool_access', tools: ['a'], actions: [''] }],
      '`authorization_details[0].actions[0]`',
    );
  });
});

describe('detailsSubset', () => {
  const parent = [
    detail(['tool:github/*'], { locations: ['https://mcp/github'], actions: ['read', 'write'] }),
    detail(['tool:slack/post']),
  ];

  test('covered tools, locations and actions', () => {
    assert.equal(detailsSubset([], parent), true);
    assert.equal(detailsSubset([], []), true);
    assert.equal(detailsSubset([detail(['a'])], []), false);
    assert.equal(detailsSubset(parent, parent), true);
    assert.equal(
      detailsSubset(
        [detail(['tool:github/list'], { locations: ['https://mcp/github'], actions: ['read'] })],
        parent,
      ),
      true,
    );
    assert.equal(
      detailsSubset(
        [
          detail(['tool:github/*', 'tool:github/list'], {
            locations: ['https://mcp/github'],
            actions: ['write'],
          }),
        ],
        parent,
      ),
      true,
    );
  });

  test('a parent without locations or actions allows any', () => {
    assert.equal(
      detailsSubset(
        [detail(['tool:slack/post'], { locations: ['https://anywhere'], actions: ['x'] })],
        parent,
      ),
      true,
    );
  });

  test('a child without locations or actions is wider than a parent with them', () => {
    assert.equal(
      detailsSubset([detail(['tool:github/list'], { actions: ['read'] })], parent),
      false,
    );
    assert.equal(
      detailsSubset([detail(['tool:github/list'], { locations: ['https://mcp/github'] })], parent),
      false,
    );
  });

  test('widened tools, locations or actions', () => {
    assert.equal(
      detailsSubset(
        [detail(['tool:*'], { locations: ['https://mcp/github'], actions: ['read'] })],
        parent,
      ),
      false,
    );
    assert.equal(
      detailsSubset(
        [detail(['tool:github/list'], { locations: ['https://mcp/github/'], actions: ['read'] })],
        parent,
      ),
      false,
    );
    assert.equal(
      detailsSubset(
        [detail(['tool:github/list'], { locations: ['https://mcp/github'], actions: ['delete'] })],
        parent,
      ),
      false,
    );
    assert.equal(detailsSubset([detail(['tool:slack/read'])], parent), false);
  });

  test('one parent detail must cover the whole child detail', () => {
    // Each tool is covered by some parent detail, but no single one covers both.
    assert.equal(
      detailsSubset(
        [detail(['tool:github/list', 'tool:slack/post'])],
        [detail(['tool:github/list']), detail(['tool:slack/post'])],
      ),
      false,
    );
    assert.equal(
      detailsSubset(
        [detail(['tool:github/list']), detail(['tool:slack/post'])],
        [detail(['tool:github/list']), detail(['tool:slack/post'])],
      ),
      true,
    );
  });
});

describe('detailsToScopes', () => {
  test('the tools of all details, deduplicated', () => {
    assert.deepEqual(detailsToScopes(parent()), ['tool:github/*', 'tool:slack/post']);
    assert.deepEqual(detailsToScopes([]), []);
    function parent(): ToolAccessDetail[] {
      return [detail(['tool:github/*', 'tool:slack/post']), detail(['tool:slack/post'])];
    }
  });
});
