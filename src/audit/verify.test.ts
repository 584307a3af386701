import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { AuditCheckpointRecord, AuditEventRecord } from '../core/store/index.js';
import type { CryptoKey } from '../core/webcrypto.js';
import { GENESIS_HASH, chainNext, hashAuditEvent, type UnhashedAuditEvent } from './chain.js';
import { CHECKPOINT_TYP, type CheckpointPayload } from './checkpoint.js';
import { verifyAuditLog, type VerificationKey } from './verify.js';

const TD = 'example.org';
type EventInput = Omit<UnhashedAuditEvent, 'seq' | 'prevHash'>;
type Signer = VerificationKey & { privateKey: CryptoKey };

async function newSigner(): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { kid: await calculateJwkThumbprint(jwk), alg: 'ES256', jwk, privateKey };
}

function buildChain(inputs: EventInput[]): AuditEventRecord[] {
  let head: AuditEventRecord | undefined;
  return inputs.map((input) => (head = chainNext(head, input)));
}

const sample = (n: number): AuditEventRecord[] =>
  buildChain(
    Array.from({ length: n }, (_, i) => ({
      time: 1_700_000_000_000 + i,
      actor: 'admin',
      action: 'agent.register',
      target: `agent-${i}`,
      outcome: 'success',
      requestId: i % 2 ? `req-${i}` : null,
      details: { i },
    })),
  );

/** A checkpoint over `event`, signed the way audit/checkpoint.ts signs one. */
async function seal(
  event: AuditEventRecord,
  signer: Signer,
  trustDomain = TD,
): Promise<AuditCheckpointRecord> {
  const payload: CheckpointPayload = {
    seq: event.seq,
    hash: event.hash,
    time: event.time,
    trust_domain: trustDomain,
  };
  const signature = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: CHECKPOINT_TYP })
    .sign(signer.privateKey);
  return { seq: event.seq, hash: event.hash, time: payload.time, signature };
}

// Mutations, as an attacker with write access to the table would make them. Seqs are 1-based.
const rehash = (e: UnhashedAuditEvent & { hash?: string }): AuditEventRecord => {
  const { hash: _old, ...unhashed } = e;
  return { ...unhashed, hash: hashAuditEvent(unhashed) };
};
const flip = (hex: string): string => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
const EDITS = {
  time: (e: AuditEventRecord) => ({ ...e, time: e.time + 1 }),
  actor: (e: AuditEventRecord) => ({ ...e, actor: `${e.actor}x` }),
  action: (e: AuditEventRecord) => ({ ...e, action: `${e.action}x` }),
  target: (e: AuditEventRecord) => ({ ...e, target: `${e.target}x` }),
  outcome: (e: AuditEventRecord) =>
    ({ ...e, outcome: e.outcome === 'success' ? 'denied' : 'success' }) as AuditEventRecord,
  requestId: (e: AuditEventRecord) => ({ ...e, requestId: e.requestId === null ? 'forged' : null }),
  details: (e: AuditEventRecord) => ({ ...e, details: { wrapped: e.details } }),
  prevHash: (e: AuditEventRecord) => ({ ...e, prevHash: flip(e.prevHash) }),
  hash: (e: AuditEventRecord) => ({ ...e, hash: flip(e.hash) }),
};
type Field = keyof typeof EDITS;
const edit = (es: AuditEventRecord[], k: number, field: Field = 'actor') =>
  es.map((e) => (e.seq === k ? EDITS[field](e) : e));
const remove = (es: AuditEventRecord[], k: number) => es.filter((e) => e.seq !== k);
const swap = (es: AuditEventRecord[], i: number, j: number) =>
  es.map((e) =>
    e.seq === i ? { ...es[j - 1]!, seq: i } : e.seq === j ? { ...es[i - 1]!, seq: j } : e,
  );
/** Shifts events at seq >= k up by one and puts a forged event at k linked to k-1. */
function insertForged(
  es: AuditEventRecord[],
  k: number,
  recomputeHash: boolean,
): AuditEventRecord[] {
  const forged = {
    ...es[k - 1]!,
    seq: k,
    actor: 'mallory',
    prevHash: es[k - 2]?.hash ?? GENESIS_HASH,
  };
  const shifted = es.map((e) => (e.seq >= k ? { ...e, seq: e.seq + 1 } : e));
  return [
    ...shifted.slice(0, k - 1),
    recomputeHash ? rehash(forged) : { ...forged, hash: 'f'.repeat(64) },
    ...shifted.slice(k - 1),
  ];
}
/** Recomputes every link and hash from `from` on, so the chain alone looks intact. */
function rechain(es: AuditEventRecord[], from: number): AuditEventRecord[] {
  const out = es.slice(0, from - 1);
  for (const e of es.slice(from - 1))
    out.push(rehash({ ...e, prevHash: out[out.length - 1]?.hash ?? GENESIS_HASH }));
  return out;
}

describe('verifyAuditLog', () => {
  let signer: Signer;
  let stranger: Signer;
  let keys: VerificationKey[];
  const events = sample(12);
  let checkpoints: AuditCheckpointRecord[]; // at 6 and at the head, 12
  const verify = (es: AuditEventRecord[], cps = checkpoints, ks = keys) =>
    verifyAuditLog(es, cps, ks, TD);
  const assertBadAt = async (
    es: AuditEventRecord[],
    seq: number,
    reason: RegExp,
    cps = checkpoints,
  ) => {
    const r = await verify(es, cps);
    assert.equal(r.ok, false);
    assert.equal(r.firstBadSeq, seq, `reason: ${String(r.reason)}`);
    assert.match(r.reason ?? '', reason);
  };

  before(async () => {
    [signer, stranger] = await Promise.all([newSigner(), newSigner()]);
    keys = [{ kid: signer.kid, alg: signer.alg, jwk: signer.jwk }];
    checkpoints = [await seal(events[5]!, signer), await seal(events[11]!, signer)];
  });

  it('accepts an untouched log, from an async iterable too', async () => {
    const expected = {
      ok: true,
      eventsChecked: 12,
      checkpointsChecked: 2,
      firstBadSeq: null,
      reason: null,
      unsealedEvents: 0,
    };
    assert.deepEqual(await verify(events), expected);
    assert.deepEqual(
      await verifyAuditLog(
        (async function* () {
          yield* events;
        })(),
        checkpoints,
        keys,
        TD,
      ),
      expected,
    );
    assert.deepEqual(await verify([], []), {
      ...expected,
      eventsChecked: 0,
      checkpointsChecked: 0,
    });
  });

  it('counts events after the last checkpoint as unsealed', async () => {
    assert.equal((await verify(events, checkpoints.slice(0, 1))).unsealedEvents, 6);
    assert.equal((await verify(events, [])).unsealedEvents, 12);
  });

  it('reports an edited event at its seq, whatever field changed', async () => {
    for (const field of Object.keys(EDITS) as Field[])
      await assertBadAt(edit(events, 4, field), 4, /modified|does not link/);
  });

  it('reports a deleted event at the gap', () => assertBadAt(remove(events, 4), 4, /missing/));

  it('reports a forged event with a garbage hash at its own seq', () =>
    assertBadAt(insertForged(events, 4, false), 4, /modified/));

  it('reports a forged event with a recomputed hash at the next seq, the displaced original', async () => {
    // The forged event links to 3 and matches its hash; the original event 4, now at 5, still
    // links to 3's hash rather than the forged one's.
    await assertBadAt(insertForged(events, 4, true), 5, /does not link/);
  });

  it('reports two swapped events at the lower seq', () =>
    assertBadAt(swap(events, 4, 9), 4, /does not link/));

  it('catches a consistently recomputed chain at the first checkpoint at or after the edit', async () => {
    await assertBadAt(rechain(edit(events, 4), 4), 6, /rewritten/);
    await assertBadAt(rechain(edit(events, 8), 8), 12, /rewritten/);
    // Without checkpoints a full rewrite is undetectable: that is what checkpoints are for.
    assert.equal((await verify(rechain(edit(events, 4), 4), [])).ok, true);
  });

  it('reports a tail deleted after a checkpoint at the first missing seq', async () => {
    await assertBadAt(events.slice(0, 8), 9, /deleted/);
    await assertBadAt(events.slice(0, 6), 7, /deleted/);
    // An unsealed tail can be cut without a trace.
    assert.equal((await verify(events.slice(0, 8), checkpoints.slice(0, 1))).ok, true);
  });

  it('rejects a checkpoint signed by an unknown key', async () => {
    await assertBadAt(events, 6, /unknown key/, [
      await seal(events[5]!, stranger),
      checkpoints[1]!,
    ]);
  });

  it('rejects a checkpoint with a bad signature', async () => {
    const [h, p, s] = checkpoints[0]!.signature.split('.') as [string, string, string];
    const mid = Math.floor(s.length / 2);
    const badSig = `${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`;
    await assertBadAt(events, 6, /invalid signature/, [
      { ...checkpoints[0]!, signature: `${h}.${p}.${badSig}` },
      checkpoints[1]!,
    ]);
  });

  it('rejects a checkpoint whose row disagrees with what was signed, or for another trust domain', async () => {
    await assertBadAt(events, 6, /does not match its signed content/, [
      { ...checkpoints[0]!, hash: events[6]!.hash },
      checkpoints[1]!,
    ]);
    await assertBadAt(events, 6, /does not match its signed content/, [
      await seal(events[5]!, signer, 'other.org'),
      checkpoints[1]!,
    ]);
  });

  it('fails at exactly the lowest mutated seq for any single edit, delete or swap (property)', async () => {
    const input = fc.record({
      time: fc.integer({ min: 0, max: 2 ** 42 }),
      actor: fc.string(),
      action: fc.constantFrom('agent.register', 'key.rotate', 'agent.attest'),
      target: fc.string(),
      outcome: fc.constantFrom('success' as const, 'failure' as const, 'denied' as const),
      requestId: fc.option(fc.uuid(), { nil: null }),
      details: fc.dictionary(
        fc.string(),
        fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
      ),
    });
    const mutation = (n: number) =>
      fc.oneof(
        fc.record({
          kind: fc.constant('edit' as const),
          at: fc.integer({ min: 1, max: n }),
          field: fc.constantFrom(...(Object.keys(EDITS) as Field[])),
        }),
        fc.record({ kind: fc.constant('delete' as const), at: fc.integer({ min: 1, max: n }) }),
        fc.record({
          kind: fc.constant('swap' as const),
          at: fc.integer({ min: 1, max: n - 1 }),
          offset: fc.integer({ min: 1, max: n - 1 }),
        }),
      );
    const scenario = fc
      .array(input, { minLength: 2, maxLength: 25 })
      .chain((inputs) => fc.tuple(fc.constant(buildChain(inputs)), mutation(inputs.length)));
    await fc.assert(
      fc.asyncProperty(scenario, async ([chain, m]) => {
        // What holds exactly: events before the mutation are untouched, so nothing below it can
        // fail (no false alarm earlier); and the event at the mutated seq itself breaks: an edit
        // its hash or link, a delete leaves a gap there, a swap gives the lower seq the wrong
        // link. The one mutation no event shows, deleting the head, the checkpoint sealing the
        // head reports at lastSeq + 1, the deleted seq. So firstBadSeq equals the lowest mutated seq.
        const j = m.kind === 'swap' ? Math.min(m.at + m.offset, chain.length) : 0; // > m.at
        const mutated =
          m.kind === 'edit'
            ? edit(chain, m.at, m.field)
            : m.kind === 'delete'
              ? remove(chain, m.at)
              : swap(chain, m.at, j);
        const r = await verifyAuditLog(
          mutated,
          [await seal(chain[chain.length - 1]!, signer)],
          keys,
          TD,
        );
        assert.equal(r.ok, false);
        assert.equal(r.firstBadSeq, m.at, `${m.kind} at ${m.at}: ${String(r.reason)}`);
      }),
      { numRuns: 200 },
    );
  });
});
