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
