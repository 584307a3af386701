/**
 * Policy and schema texts with where they came from, and the mapping from Cedar's source
 * locations (UTF-8 byte offsets) to the line and column a person sees in the file.
 */

/** A `.cedar` or `.cedarschema` text and the file it came from (shown in errors). */
export interface PolicySource {
  file: string;
  text: string;
}

/** 1-based line and column; the column counts Unicode code points. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** One policy of a file: its text (with the comments before it) and where it starts. */
export interface PolicyChunk {
  text: string;
  /** UTF-8 byte offset of `text` in the file: add it to a location inside `text`. */
  byteOffset: number;
  /** Position of the policy's first token (an annotation or `permit`/`forbid`). */
  position: SourcePosition;
}

/** The position of a UTF-8 byte offset into `text`, as Cedar reports source locations. */
export function positionAt(text: string, byteOffset: number): SourcePosition {
  const prefix = Buffer.from(text, 'utf8').subarray(0, Math.max(0, byteOffset)).toString('utf8');
  const lineStart = prefix.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = prefix.indexOf('\n'); i !== -1; i = prefix.indexOf('\n', i + 1)) line++;
  return { line, column: Array.from(prefix.slice(lineStart)).length + 1 };
}

/** Like `positionAt`, for an offset counted in UTF-16 units (a JS string index). */
function positionAtIndex(text: string, index: number): SourcePosition {
  return positionAt(text, Buffer.byteLength(text.slice(0, index), 'utf8'));
}

/**
 * Splits the text of a policy file that Cedar has already parsed into its policies, in order.
 * Cedar's own split (`policySetTextToParts`) sorts by generated id and drops the offsets, so
 * errors could not be placed in the file; this follows Cedar's lexical rules instead: a policy
 * ends at a `;` outside a string literal and outside a `//` comment (Cedar has no other comment
 * form, and `;` cannot occur anywhere else in a policy).
 */
export function splitPolicies(text: string): PolicyChunk[] {
  const chunks: PolicyChunk[] = [];
  let chunkStart = 0;
  let firstToken = -1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    if (firstToken === -1 && !/\s/.test(ch)) firstToken = i;
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    i++;
    if (ch === ';') {
      chunks.push({
        text: text.slice(chunkStart, i),
        byteOffset: Buffer.byteLength(text.slice(0, chunkStart), 'utf8'),
        position: positionAtIndex(text, firstToken),
      });
      chunkStart = i;
      firstToken = -1;
    }
  }
  return chunks;
}

/**
 * Bounds on what Cedar's recursive-descent parser is given, per policy. Each bracket level, each
 * nested `if` and each link of an arithmetic or boolean chain is a level of recursion inside
 * cedar-wasm; past a few dozen to a few hundred (measured with cedar-wasm 4.13 on Node 20) the
 * stack overflows inside wasm, and the instance that every decision uses is left broken. These
 * limits sit well under what was measured to be safe, far above what a policy needs.
 */
export const MAX_NESTING = 50;
export const MAX_CONDITIONALS = 50;
export const MAX_ARITHMETIC = 50;
export const MAX_BOOLEAN = 100;
/** `.` accesses and method calls in one postfix chain (`a.b.c`, `x.contains(1).contains(2)`): each is a level of the tree too. */
export const MAX_CHAIN = 50;

/** The first place where a text goes past one of the bounds above, with what it went past; undefined when it stays within them. */
export function tooComplex(
  text: string,
): { position: SourcePosition; message: string } | undefined {
  let depth = 0;
  let conditionals = 0;
  let arithmetic = 0;
  let boolean = 0;
  // The length of the postfix chain being read at each bracket depth: a call's arguments start their own.
  const chains: number[] = [0];
  const over = (i: number, message: string) => ({ position: positionAtIndex(text, i), message });
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    // Postfix chains: a `.` lengthens the chain at this bracket depth, an operator or separator
    // ends it; brackets do not (`x.contains(1).contains(2)` is one chain), and a bracket opened
    // starts its own. Identifiers, keywords and spaces do not end one either, which only over-counts.
    if (ch === '.') {
      chains[depth] = (chains[depth] ?? 0) + 1;
      if (chains[depth]! > MAX_CHAIN)
        return over(i, `\`.\` accesses and method calls chain more than ${MAX_CHAIN} times`);
    } else if (ch === '(' || ch === '[' || ch === '{') chains[depth + 1] = 0;
    else if (!/[\sA-Za-z0-9_)\]}]/.test(ch)) chains[depth] = 0;
    if (ch === ';') {
      // The counts are per policy.
      depth = conditionals = arithmetic = boolean = 0;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      if (++depth > MAX_NESTING) return over(i, `brackets nest deeper than ${MAX_NESTING} levels`);
    } else if (ch === ')' || ch === ']' || ch === '}') {
      depth = Math.max(0, depth - 1);
    } else if (ch === '+' || ch === '-' || ch === '*') {
      if (++arithmetic > MAX_ARITHMETIC)
        return over(i, `a policy holds more than ${MAX_ARITHMETIC} arithmetic operators`);
    } else if ((ch === '&' && text[i + 1] === '&') || (ch === '|' && text[i + 1] === '|')) {
      if (++boolean > MAX_BOOLEAN)
        return over(i, `a policy holds more than ${MAX_BOOLEAN} \`&&\` / \`||\` operators`);
      i++;
    } else if (
      ch === 'i' &&
      text.startsWith('if', i) &&
      !/[A-Za-z0-9_]/.test(text[i - 1] ?? ' ') &&
      !/[A-Za-z0-9_]/.test(text[i + 2] ?? ' ')
    ) {
      if (++conditionals > MAX_CONDITIONALS)
        return over(i, `a policy holds more than ${MAX_CONDITIONALS} \`if\` expressions`);
    } else if (/[A-Za-z0-9_]/.test(ch)) {
      // Skip the rest of an identifier, so that `if` is only found as a word.
      while (i + 1 < text.length && /[A-Za-z0-9_]/.test(text[i + 1]!)) i++;
    }
    i++;
  }
  return undefined;
}
