import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../protocol/principal.js';
import { chainFromToken, toCedar, type TokenFacts } from './request.js';
import { ALPHA, BETA, callRequest, tool } from './testing.js';

test('toCedar builds the principal, action, resource, entities and context the schema describes', () => {
  const call = toCedar(
    callRequest({
      tool: tool({
        name: 'mail/send',
        server: 'mail',
        serverLabels: ['smtp'],
        sideEffect: 'write',
        destinations: ['smtp.example.org'],
      }),
      arguments: { to: 'bob@example.com', retries: 2 },
      destination: { host: 'example.com', external: true },
      principal: {
        ...callRequest().principal,
        chain: {
          depth: 1,
          actors: [ALPHA, BETA],
          currentActor: ALPHA,
          onBehalfOf: 'alice@example.org',
        },
      },
    }),
  );
  assert.deepEqual(call.principal, { type: 'Mandate::Agent', id: ALPHA });
  assert.deepEqual(call.action, { type: 'Mandate::Action', id: 'call_tool' });
  assert.deepEqual(call.resource, { type: 'Mandate::Tool', id: 'mail/send' });
  const byType = Object.fromEntries(
    call.entities.map((e) => [(e.uid as { type: string }).type, e]),
  );
  assert.deepEqual(byType['Mandate::Arguments']!.tags, { to: 'bob@example.com', retries: '2' });
  assert.deepEqual(byType['Mandate::Tool']!.parents, [{ type: 'Mandate::ToolServer', id: 'mail' }]);
  assert.deepEqual(byType['Mandate::ToolServer']!.attrs, { labels: ['smtp'] });
  assert.equal(byType['Mandate::Tool']!.attrs.scope, 'tool:mail/send');
  assert.ok((byType['Mandate::Tool']!.attrs.grant_scopes as string[]).includes('tool:mail/*'));
  assert.deepEqual(call.context.chain, {
    depth: 1,
    actors: [ALPHA, BETA],
    current_actor: ALPHA,
    on_behalf_of: 'alice@example.org',
  });
  assert.deepEqual(call.context.destination, {
    host: 'example.com',
    external: true,
    network: 'public',
    allowed: false,
  });
  assert.deepEqual(call.context.destinations, [
    { host: 'example.com', external: true, network: 'public', allowed: false },
  ]);
  assert.deepEqual(call.context.unallowed_networks, ['public']);
  assert.deepEqual(
    [call.context.classification, call.context.classification_rank],
    ['internal', 1],
  );
  assert.deepEqual(call.context.now, {
    __extn: { fn: 'datetime', arg: '2025-06-02T10:00:00.000Z' },
  });
  assert.deepEqual(call.context.arguments, {
    __entity: { type: 'Mandate::Arguments', id: 'arguments' },
  });
});

test('toCedar: no destination is host "" and not external; no on-behalf-of leaves the attribute out', () => {
  const call = toCedar(callRequest());
  assert.deepEqual(call.context.destination, {
    host: '',
    external: false,
    network: '',
    allowed: false,
  });
  assert.deepEqual(call.context.destinations, []);
  assert.equal('on_behalf_of' in (call.context.chain as object), false);
});

test('toCedar models an unknown tool with the most restrictive attributes', () => {
  const call = toCedar(callRequest({ tool: { cataloged: false, name: 'x/y', server: 'x' } }));
  const t = call.entities.find((e) => (e.uid as { type: string }).type === 'Mandate::Tool')!;
  assert.deepEqual(
    [
      t.attrs.cataloged,
      t.attrs.side_effect,
      t.attrs.classification,
      t.attrs.classification_rank,
      t.attrs.destinations,
    ],
    [false, 'destructive', 'restricted', 3, []],
  );
  assert.equal(call.context.classification, 'restricted');
});

test('chainFromToken: the root agent joins the actors; an on-behalf-of subject becomes onBehalfOf', () => {
  // A verified SDK principal carries every field the chain needs.
  const fromPrincipal = (p: Principal): TokenFacts => p;
  void fromPrincipal;
  assert.deepEqual(
    chainFromToken({ subject: ALPHA, actors: [BETA], actor: BETA, depth: 1, onBehalfOf: null }),
    {
      depth: 1,
      actors: [BETA, ALPHA],
      currentActor: BETA,
      onBehalfOf: null,
    },
  );
  assert.deepEqual(
    chainFromToken({ subject: ALPHA, actors: [], actor: ALPHA, depth: 0, onBehalfOf: null }).actors,
    [ALPHA],
  );
  assert.deepEqual(
    chainFromToken({
      subject: 'alice@example.org',
      actors: [ALPHA],
      actor: ALPHA,
      depth: 0,
      onBehalfOf: 'alice@example.org',
    }),
    {
      depth: 0,
      actors: [ALPHA],
      currentActor: ALPHA,
      onBehalfOf: 'alice@example.org',
    },
  );
});
