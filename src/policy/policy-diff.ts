import { splitPolicies } from './policy-source.js';

/**
 * What changed between two policy sets: a line diff per file (with two lines of context, in the
 * shape of `diff -u`) and which policies, by `@id`, were added, removed or changed.
 */

export interface PolicyFileText {
  name: string;
  text: string;
}

export interface FileDiff {
  name: string;
  status: 'added' | 'removed' | 'changed';
  /** `--- a/<name>` / `+++ b/<name>` headers and `@@` hunks; lines start with ` `, `-` or `+`. */
  diff: string;
}

export interface PolicySetDiff {
  files: FileDiff[];
  policies: { added: string[]; removed: string[]; changed: string[] };
}

const CONTEXT = 2;
const ID = /@id\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/;

/** Policy id → its text without comments and with whitespace collapsed (so reformatting is no change). */
function policiesById(files: readonly PolicyFileText[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    splitPolicies(f.text).forEach((chunk, i) => {
      const body = chunk.text
        .replace(/\/\/[^\n]*/g, '')
        .replace(/\s+/g, ' ')
        .trim();
      out.set(ID.exec(body)?.[1] ?? `${f.name}#${i}`, body);
    });
  }
  return out;
}

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

/** Longest-common-subsequence edit script; policy files are small, so O(n·m) is fine. */
function editScript(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: ' ', line: a[i]!, a: i++, b: j++ });
    else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!))
      ops.push({ kind: '+', line: b[j]!, a: i, b: j++ });
    else ops.push({ kind: '-', line: a[i]!, a: i++, b: j });
  }
  return ops;
}

/** A unified diff of two texts; empty when they are equal. */
export function unifiedDiff(name: string, before: string | null, after: string | null): string {
  const a = before === null ? [] : before.split('\n');
  const b = after === null ? [] : after.split('\n');
  const ops = editScript(a, b);
  const changed = ops.map((op, k) => (op.kind !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const start = Math.max(0, k - CONTEXT);
    const end = Math.min(ops.length - 1, k + CONTEXT);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }
  const out = [
    `--- ${before === null ? '/dev/null' : `a/${name}`}`,
    `+++ ${after === null ? '/dev/null' : `b/${name}`}`,
  ];
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end + 1);
    const aLen = slice.filter((o) => o.kind !== '+').length;
    const bLen = slice.filter((o) => o.kind !== '-').length;
    out.push(
      `@@ -${slice[0]!.a + (aLen ? 1 : 0)},${aLen} +${slice[0]!.b + (bLen ? 1 : 0)},${bLen} @@`,
    );
    for (const o of slice) out.push(`${o.kind}${o.line}`);
  }
  return out.join('\n');
}

/** The difference from policy set `from` to policy set `to`. */
export function diffPolicySets(
  from: readonly PolicyFileText[],
  to: readonly PolicyFileText[],
): PolicySetDiff {
  const before = new Map(from.map((f) => [f.name, f.text]));
  const after = new Map(to.map((f) => [f.name, f.text]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const files: FileDiff[] = [];
  for (const name of names) {
    const a = before.get(name) ?? null;
    const b = after.get(name) ?? null;
    if (a === b) continue;
    files.push({
      name,
      status: a === null ? 'added' : b === null ? 'removed' : 'changed',
      diff: unifiedDiff(name, a, b),
    });
  }
  const pa = policiesById(from);
  const pb = policiesById(to);
  return {
    files,
    policies: {
      added: [...pb.keys()].filter((id) => !pa.has(id)).sort(),
      removed: [...pa.keys()].filter((id) => !pb.has(id)).sort(),
      changed: [...pb.keys()].filter((id) => pa.has(id) && pa.get(id) !== pb.get(id)).sort(),
    },
  };
}
