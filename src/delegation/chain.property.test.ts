/**
 * Property tests for delegation chains (issue 3): over random delegation trees built by calling
 * `delegate` on random existing nodes, no child ever holds a scope or detail its parent lacks, a
 * later expiry, or a depth over a limit on its path; a widening request is always refused; and
 * revoking any node invalidates exactly its subtree.
 *
 * The expectations are computed by oracles written independently of the code under test: scope
 * coverage by set membership of witness names, depth limits from the list of every limit on the
 * path, ancestry and subtrees from parent pointers recorded while building the tree.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detailsSubset, type ToolAccessDetail } from './authorization-details.js';
import {
  actorsOf,
  delegate,
  type ActClaim,
  type ChainLink,
  type DelegationResult,
} from './chain.js';
import { isSubset } from './scope.js';

const SCOPES = [
  '*',
  'tool:*',
  'tool:git*',
  'tool:github/*',
  'tool:github/admin/*',
  'tool:github/create_issue',
  'tool:github/list',
  'tool:slack/*',
  'tool:slack/post',
  'read',
];
const AGENTS = ['a', 'b', 'c', 'd', 'e'].map((n) => `spiffe://example.org/agent/${n}`);
const LOCATIONS = ['https://mcp.example.org/github', 'https://mcp.example.org/slack'];
const ACTIONS = ['read', 'write', 'delete'];
const T0 = 1_700_000_000;

// ---------------------------------------------------------------- oracles

/** Is the concrete name `name` among the names the token `g` stands for? */
function member(name: string, g: string): boolean {
  return g.endsWith('*') ? name.startsWith(g.slice(0, -1)) : name === g;
}

/**
 * Names that together stand for the token `r`: itself, or for `q*` both `q` and a name under `q`
 * that no alphabet token mentions (`~` appears in none), so `r ⊆ ⋃ granted` holds exactly when
 * every witness is a member of some granted token.
 */
function witnesses(r: string): string[] {
  return r.endsWith('*') ? [r.slice(0, -1), `${r.slice(0, -1)}~~`] : [r];
}

function oracleCovered(requested: string, granted: readonly string[]): boolean {
  return witnesses(requested).every((w) => granted.some((g) => member(w, g)));
}

function oracleDetailCovered(
  child: ToolAccessDetail,
  parents: readonly ToolAccessDetail[],
): boolean {
  const within = (c: string[] | undefined, p: string[] | undefined): boolean =>
    p === undefined || (c !== undefined && c.every((x) => p.includes(x)));
  return parents.some(
    (p) =>
      child.tools.every((t) => oracleCovered(t, p.tools)) &&
      within(child.locations, p.locations) &&
      within(child.actions, p.actions),
  );
}

// ---------------------------------------------------------------- trees

interface Node {
  link: ChainLink & { act?: ActClaim };
  /** Index of the parent node, recorded when the node was built; undefined for the root. */
  parent: number | undefined;
  /** Every depth limit on the path: the root's, then each delegate's. */
  limits: number[];
}

const arbDetail: fc.Arbitrary<ToolAccessDetail> = fc
  .record({
    tools: fc.subarray(SCOPES, { minLength: 1, maxLength: 3 }),
    locations: fc.option(fc.subarray(LOCATIONS, { minLength: 1 }), { nil: undefined }),
    actions: fc.option(fc.subarray(ACTIONS, { minLength: 1 }), { nil: undefined }),
  })
  .map(({ tools, locations, actions }) => ({
    type: 'tool_access' as const,
    tools,
    ...(locations ? { locations } : {}),
    ...(actions ? { actions } : {}),
  }));

const arbRoot = fc.record({
  scopes: fc.subarray(SCOPES),
  details: fc.array(arbDetail, { maxLength: 3 }),
  ttl: fc.integer({ min: 1, max: 3600 }),
  maxDepth: fc.integer({ min: 0, max: 5 }),
  actor: fc.constantFrom(...AGENTS),
  onBehalfOfHuman: fc.boolean(),
});

const arbStep = fc.record({
  parent: fc.nat(),
  delegate: fc.constantFrom(...AGENTS),
  delegateMaxDepth: fc.integer({ min: 0, max: 6 }),
  // Requests mostly pick from the parent (so trees grow deep) and sometimes add arbitrary tokens.
  scopes: fc.option(
    fc.record({
      keep: fc.array(fc.boolean(), { minLength: SCOPES.length, maxLength: SCOPES.length }),
      extra: fc.subarray(SCOPES, { maxLength: 2 }),
    }),
    { nil: undefined },
  ),
  extraScopes: fc.boolean(),
  details: fc.option(
    fc.record({
      keep: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      extra: fc.array(arbDetail, { maxLength: 1 }),
    }),
    { nil: undefined },
  ),
  extraDetails: fc.boolean(),
  ttlSeconds: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }),
  maxTtlSeconds: fc.integer({ min: 1, max: 3600 }),
  elapsed: fc.integer({ min: 0, max: 900 }),
});

type Step = typeof arbStep extends fc.Arbitrary<infer S> ? S : never;
type Root = typeof arbRoot extends fc.Arbitrary<infer R> ? R : never;

function rootNode(r: Root): Node {
  const subject = r.onBehalfOfHuman ? 'user:alice' : r.actor;
  const actors = r.onBehalfOfHuman ? [r.actor] : [];
  return {
    link: {
      jti: 'n0',
      subject,
      actors,
      ...(r.onBehalfOfHuman ? { act: { sub: r.actor } } : {}),
      scopes: r.scopes,
      details: r.details,
      expiresAt: T0 + r.ttl,
      depth: 0,
      ancestors: [],
      maxDepth: r.maxDepth,
    },
    parent: undefined,
    limits: [r.maxDepth],
  };
}

function requestedScopes(step: Step, parent: ChainLink): string[] | undefined {
  if (step.scopes === undefined) return undefined;
  const kept = parent.scopes.filter((_, i) => step.scopes?.keep[i]);
  return step.extraScopes ? [...kept, ...step.scopes.extra] : kept;
}

function requestedDetails(step: Step, parent: ChainLink): ToolAccessDetail[] | undefined {
  if (step.details === undefined) return undefined;
  const kept = parent.details.filter((_, i) => step.details?.keep[i]);
  return step.extraDetails ? [...kept, ...step.details.extra] : kept;
}

type Expected = { ok: true } | { ok: false; reason: string; error: string };

/** What the rules say should happen, computed without the code under test. */
function expected(
  parent: Node,
  step: Step,
  now: number,
  scopes: string[] | undefined,
  details: ToolAccessDetail[] | undefined,
): Expected {
  const p = parent.link;
  if (p.expiresAt <= now) return { ok: false, reason: 'expired_parent', error: 'invalid_request' };
  if (step.delegate === (p.actors[0] ?? p.subject))
    return { ok: false, reason: 'self_delegation', error: 'invalid_request' };
  if (p.depth + 1 > Math.min(...parent.limits, step.delegateMaxDepth))
    return { ok: false, reason: 'too_deep', error: 'invalid_request' };
  if (scopes?.some((s) => !oracleCovered(s, p.scopes)))
    return { ok: false, reason: 'widened_scope', error: 'invalid_scope' };
  if (details?.some((d) => !oracleDetailCovered(d, p.details)))
    return { ok: false, reason: 'widened_details', error: 'invalid_request' };
  return { ok: true };
}

/** Grows a tree from `root`, checking every hop, and returns its nodes. */
function grow(root: Root, steps: Step[]): Node[] {
  const nodes: Node[] = [rootNode(root)];
  for (const step of steps) {
    const parentIndex = step.parent % nodes.length;
    const parent = nodes[parentIndex] as Node;
    const p = parent.link;
    const now = T0 + step.elapsed;
    const scopes = requestedScopes(step, p);
    const details = requestedDetails(step, p);
    const result: DelegationResult = delegate(p, {
      delegate: step.delegate,
      delegateMaxDepth: step.delegateMaxDepth,
      ...(scopes !== undefined ? { scopes } : {}),
      ...(details !== undefined ? { details } : {}),
      ...(step.ttlSeconds !== undefined ? { ttlSeconds: step.ttlSeconds } : {}),
      now,
      maxTtlSeconds: step.maxTtlSeconds,
    });

    const want = expected(parent, step, now, scopes, details);
    if (!result.ok) {
      assert.deepEqual({ ok: false, reason: result.reason, error: result.error }, want);
      continue;
    }
    assert.deepEqual(want, { ok: true });

    const child = result.child;
    const limits = [...parent.limits, step.delegateMaxDepth];
    // Scopes and details only narrow.
    assert.ok(isSubset(child.scopes, p.scopes), 'child scope not covered by the parent');
    assert.ok(
      child.scopes.every((s) => oracleCovered(s, p.scopes)),
      'child scope outside the parent (oracle)',
    );
    assert.ok(detailsSubset(child.details, p.details), 'child details not covered by the parent');
    assert.ok(
      child.details.every((d) => oracleDetailCovered(d, p.details)),
      'child details outside the parent (oracle)',
    );
    // Expiry only shortens, and never past the server maximum.
    assert.ok(child.expiresAt <= p.expiresAt, 'child outlives its parent');
    assert.ok(child.expiresAt <= now + step.maxTtlSeconds, 'child lives longer than the maximum');
    assert.ok(child.expiresAt > now, 'child born expired');
    // Depth grows by one and stays within every limit on the path.
    assert.equal(child.depth, p.depth + 1);
    for (const limit of limits)
      assert.ok(child.depth <= limit, `depth ${child.depth} over a limit of ${limit}`);
    assert.equal(child.maxDepth, Math.min(...limits));
    // The chain records where it came from.
    assert.equal(child.subject, p.subject);
    assert.deepEqual(child.ancestors, [...p.ancestors, p.jti]);
    assert.deepEqual(child.actors, [step.delegate, ...p.actors]);
    assert.deepEqual(actorsOf(child.act), child.actors);

    nodes.push({ link: { ...child, jti: `n${nodes.length}` }, parent: parentIndex, limits });
  }
  return nodes;
}

const arbTree = fc.tuple(arbRoot, fc.array(arbStep, { minLength: 1, maxLength: 40 }));

/** The jtis from the root down to `i`'s parent, by following recorded parent pointers. */
function pathTo(nodes: Node[], i: number): string[] {
  const path: string[] = [];
  for (let at = nodes[i]?.parent; at !== undefined; at = nodes[at]?.parent)
    path.unshift((nodes[at] as Node).link.jti);
  return path;
}

/** Indexes of `i` and every node below it, by walking recorded children. */
function subtree(nodes: Node[], i: number): Set<number> {
  const out = new Set<number>();
  const todo = [i];
  while (todo.length > 0) {
    const at = todo.pop() as number;
    out.add(at);
    nodes.forEach((n, j) => {
      if (n.parent === at) todo.push(j);
    });
  }
  return out;
}

describe('delegation trees (property)', () => {
  test('every hop narrows and every refusal matches the rules', () => {
    fc.assert(
      fc.property(arbTree, ([root, steps]) => {
        const nodes = grow(root, steps);
        for (const [i, node] of nodes.entries()) {
          assert.deepEqual(node.link.ancestors, pathTo(nodes, i));
          // Transitively: nothing in the tree exceeds the root.
          assert.ok(isSubset(node.link.scopes, root.scopes));
          assert.ok(node.link.expiresAt <= T0 + root.ttl);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('trees do grow: some runs reach depth 3', () => {
    let deepest = 0;
    fc.assert(
      fc.property(arbTree, ([root, steps]) => {
        for (const n of grow(root, steps)) deepest = Math.max(deepest, n.link.depth);
      }),
      { numRuns: 200 },
    );
    assert.ok(deepest >= 3, `deepest tree reached depth ${deepest}`);
  });

  test('a request that widens is always refused', () => {
    const arbWidening = fc.oneof(
      fc.constantFrom(...SCOPES),
      fc.stringMatching(/^[a-z:/]{1,10}\*?$/),
    );
    fc.assert(
      fc.property(
        arbTree,
        fc.nat(),
        arbWidening,
        fc.constantFrom(...AGENTS),
        (tree, pick, extra, delegateId) => {
          const nodes = grow(...tree);
          const parent = (nodes[pick % nodes.length] as Node).link;
          fc.pre(!oracleCovered(extra, parent.scopes));
          const result = delegate(parent, {
            delegate: delegateId,
            delegateMaxDepth: 10,
            scopes: [...parent.scopes, extra],
            now: T0,
            maxTtlSeconds: 3600,
          });
          assert.equal(result.ok, false);
          if (!result.ok)
            assert.ok(
              ['widened_scope', 'expired_parent', 'self_delegation', 'too_deep'].includes(
                result.reason,
              ),
            );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('revoking a node invalidates exactly its subtree', () => {
    fc.assert(
      fc.property(arbTree, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), (tree, picks) => {
        const nodes = grow(...tree);
        const chosen = picks.map((p) => p % nodes.length);
        const revoked = new Set(chosen.map((i) => (nodes[i] as Node).link.jti));
        const expectedRevoked = new Set(chosen.flatMap((i) => [...subtree(nodes, i)]));
        for (const [i, node] of nodes.entries()) {
          const { jti, ancestors } = node.link;
          const isRevoked = revoked.has(jti) || ancestors.some((a) => revoked.has(a));
          assert.equal(isRevoked, expectedRevoked.has(i), `node ${jti}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
