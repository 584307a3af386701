// Issue 3, property-based (fast-check) against ONE real server: random delegation trees built
// through the real token endpoint. Every child is checked on issue (scope ⊆ parent, exp ≤
// parent, depth = parent + 1 within the chain's limit, `act` nesting, ancestors); then revoking
// any node through `/oauth/revoke` makes exactly its subtree inactive at introspection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  claimsOf,
  delegateParams,
  exchange,
  isActive,
  registerAgent,
  revoke,
  startTask,
  tokenOk,
  type TaskClaims,
} from './helpers.js';

const SCOPES = ['tool:a', 'tool:b', 'tool:c', 'tool:d'];
const AGENTS = ['p0', 'p1', 'p2', 'p3'];

interface NodeSpec {
  /** Picks the parent among the nodes already built. */
  parent: number;
  /** Picks the delegate among the agents other than the parent's holder. */
  delegate: number;
  /** Bit mask over the parent's scopes; 0 asks for no `scope` (all of the parent's). */
  scopes: number;
  /** Requested lifetime, possibly longer than the parent's remaining life. */
  ttl: number | null;
  /** Whether the delegate asks (instead of the parent's holder). */
  byDelegate: boolean;
}

interface TreeSpec {
  agents: number;
  root: number;
  rootTtl: number | null;
  nodes: NodeSpec[];
  revoke: number;
}

const treeSpec: fc.Arbitrary<TreeSpec> = fc.record({
  agents: fc.integer({ min: 3, max: 4 }),
  root: fc.nat(),
  rootTtl: fc.option(fc.integer({ min: 60, max: 900 }), { nil: null }),
  nodes: fc.array(
    fc.record({
      parent: fc.nat(),
      delegate: fc.nat(),
      scopes: fc.nat({ max: 15 }),
      ttl: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: null }),
      byDelegate: fc.boolean(),
    }),
    { minLength: 2, maxLength: 7 },
  ),
  revoke: fc.nat(),
});

interface Built {
  token: string;
  claims: TaskClaims;
  holder: string;
  parent: number | null;
}

describe('random delegation trees (fast-check, one real server)', () => {
  let server: TestServer;
  const ids = new Map<string, string>();
  const agent = (name: string) => ({ name, id: ids.get(name)! });

  before(async () => {
    server = await startTestServer();
    for (const name of AGENTS)
      ids.set(name, await registerAgent(server, name, { scopes: SCOPES, maxDepth: 8 }));
    await addTrustRule(server, '*', '*');
  });
  after(() => server.stop());

  async function build(spec: TreeSpec): Promise<Built[]> {
    const agents = AGENTS.slice(0, spec.agents);
    const rootHolder = agents[spec.root % agents.length]!;
    const root = await startTask(server, agent(rootHolder), [
      ['scope', SCOPES.join(' ')],
      ...(spec.rootTtl ? [['expires_in', String(spec.rootTtl)] as [string, string]] : []),
    ]);
    const nodes: Built[] = [
      {
        token: root.access_token,
        claims: claimsOf(root.access_token),
        holder: rootHolder,
        parent: null,
      },
    ];
    for (const n of spec.nodes) {
      const parentIndex = n.parent % nodes.length;
      const parent = nodes[parentIndex]!;
      const candidates = agents.filter((a) => a !== parent.holder);
      const delegate = candidates[n.delegate % candidates.length]!;
      const parentScopes = parent.claims.scope.split(' ');
      const requested = parentScopes.filter((_, i) => n.scopes & (1 << i));
      const extra: [string, string][] = [
        ...(requested.length ? [['scope', requested.join(' ')] as [string, string]] : []),
        ...(n.ttl ? [['expires_in', String(n.ttl)] as [string, string]] : []),
      ];
      const caller = agent(n.byDelegate ? delegate : parent.holder);
      const res = tokenOk(
        await exchange(server, caller, await delegateParams(server, parent.token, delegate, extra)),
      );
      const c = claimsOf(res.access_token);
      const p = parent.claims;

      // The attenuation invariants, on every issued child.
      const childScopes = c.scope.split(' ');
      assert.ok(
        childScopes.every((s) => parentScopes.includes(s)),
        `child scope ${c.scope} ⊄ parent scope ${p.scope}`,
      );
      assert.deepEqual(childScopes.sort(), (requested.length ? requested : parentScopes).sort());
      assert.ok(c.exp <= p.exp, `child exp ${c.exp} is after parent exp ${p.exp}`);
      assert.equal(c.depth, p.depth + 1);
      assert.ok(
        c.depth <= c.max_depth && c.max_depth <= p.max_depth,
        `depth ${c.depth} over the limit ${c.max_depth}`,
      );
      assert.deepEqual(c.ancestors, [...p.ancestors, p.jti]);
      assert.equal(c.sub, p.sub);
      assert.equal(c.task_id, p.task_id);
      assert.deepEqual(
        c.act,
        p.act ? { sub: ids.get(delegate), act: p.act } : { sub: ids.get(delegate) },
      );
      assert.equal(c.client_id, caller.id);
      nodes.push({ token: res.access_token, claims: c, holder: delegate, parent: parentIndex });
    }
    return nodes;
  }

  function inSubtree(nodes: Built[], i: number, root: number): boolean {
    for (let at: number | null = i; at !== null; at = nodes[at]!.parent)
      if (at === root) return true;
    return false;
  }

  it('issues only attenuated children, and revoking a node makes exactly its subtree inactive', async () => {
    await fc.assert(
      fc.asyncProperty(treeSpec, async (spec) => {
        const nodes = await build(spec);
        for (const n of nodes) assert.equal(await isActive(server, n.token), true);
        const target = spec.revoke % nodes.length;
        await revoke(server, nodes[target]!.token);
        for (let i = 0; i < nodes.length; i++) {
          const expected = !inSubtree(nodes, i, target);
          assert.equal(
            await isActive(server, nodes[i]!.token),
            expected,
            `node ${i} (parent ${String(nodes[i]!.parent)}) after revoking node ${target}: active should be ${expected}`,
          );
        }
      }),
      { numRuns: 5 },
    );
  });
});
