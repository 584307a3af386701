/**
 * Decision point (issue 4): decisions per second and latency with 20, 1,000 and 10,000
 * policies, in process. Reference in the same run: the raw cedar-wasm `statefulIsAuthorized`
 * call on the same pre-parsed schema and policy set with the Cedar request built once, so the
 * ratio is what Mandate adds (request building, ordering, the approval rule).
 * Over HTTP (POST /v1/authorize) is not measured yet.
 * Run: node --import tsx bench/decision.bench.ts
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { CedarWasmEngine, loadDefaultPolicies } from '../src/policy/engines/wasm.js';
import { toCedar } from '../src/policy/request.js';
import { callRequest } from '../src/policy/testing.js';
import { machine, measure, row, TABLE_HEAD, writeSection, type Sample } from './lib.js';

const pack = loadDefaultPolicies();
const basePolicies = pack.policies.reduce((n, p) => n + (p.text.match(/@id\(/g)?.length ?? 0), 0);

/** The default pack plus generated scope grants, `total` policies in all. */
function policySet(total: number) {
  const extra = Array.from({ length: Math.max(0, total - basePolicies) }, (_, i) => `@id("bench.p${i}")\npermit (principal, action == Mandate::Action::"call_tool", resource) when { context.scopes.contains("tool:bench/t${i}") };\n`).join('\n');
  return { schema: pack.schema, policies: [...pack.policies, { file: 'bench.cedar', text: extra }] };
}

async function main(): Promise<void> {
  const samples: Sample[] = [];
  const req = callRequest();
  const call = toCedar(req);
  for (const [total, n] of [[20, 2000], [1000, 300], [10_000, 40]] as const) {
    const set = policySet(total);
    const engine = new CedarWasmEngine(set);
    const id = `bench-${total}`;
    cedar.preparseSchema(`${id}-schema`, set.schema.text);
    cedar.preparsePolicySet(id, { staticPolicies: set.policies.map((p) => p.text).join('\n') });
    const raw = () => cedar.statefulIsAuthorized({ ...call, preparsedSchemaName: `${id}-schema`, preparsedPolicySetId: id, validateRequest: true });
    if (engine.authorize(req).outcome !== 'allow' || raw().type !== 'success') throw new Error('the bench request must be allowed');
    await measure('warm-up', 20, 1, async () => engine.authorize(req));
    const reference = await measure(`reference: raw cedar-wasm statefulIsAuthorized, ${total} policies`, n, 1, async () => raw());
    samples.push(reference);
    const mine = await measure(`DecisionPoint.authorize (cedar-wasm engine), ${total} policies`, n, 1, async () => engine.authorize(req));
    (mine as Sample & { ref?: Sample }).ref = reference;
    samples.push(mine);
  }
  const lines = [
    '## Decision point (issue 4)',
    '',
    `Machine: ${machine()}. ${new Date().toISOString().slice(0, 10)}. \`node --import tsx bench/decision.bench.ts\`. One allowed \`call_tool\` request; the default pack plus generated scope-grant policies.`,
    '',
    ...TABLE_HEAD,
    ...samples.map((s) => row(s, (s as Sample & { ref?: Sample }).ref)),
    '',
    'Cost grows linearly with the policy count, as DESIGN.md measured: every policy is evaluated on every request. Indexing policies by scope and the compiled JS engine (DESIGN.md, performance design) are the next steps; HTTP is not measured yet.',
  ];
  writeSection('decision', lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
