/**
 * Duplicate member names in JSON text. `JSON.parse` keeps the last of two equal keys silently,
 * other parsers keep the first, so `{"to": "a@ok.example", "to": "b@evil.example"}` is one
 * call to policy and another to the tool. RFC 8259 §4 leaves such text's meaning open and
 * I-JSON (RFC 7493 §2.3) forbids it; Mandate refuses it before anything reads it. Keys are
 * compared after unescaping (`"to"` and `"\u0074o"` are one key).
 */

export interface DuplicateKey {
  /** The key, unescaped. */
  key: string;
  /** Where the object holding it is: `$`, `$.params.arguments`, `$.items[2]`. */
  path: string;
}

/**
 * Why JSON text has more than one reading, as a one-line message for a 400, or null.
 *
 * @example jsonReadingProblem('{"to":1,"to":2}') // 'the json body has the key `to` twice in `$`; …'
 */
export function jsonReadingProblem(text: string): string | null {
  const dup = findDuplicateKey(text);
  return dup
    ? `the json body has the key \`${dup.key.slice(0, 80)}\` twice in \`${dup.path.slice(0, 200)}\`; a body with duplicate keys has more than one reading`
    : null;
}

/**
 * The first duplicate key in `text`, or null when there is none or `text` is not JSON (the
 * parser that runs next reports that). Any depth: the stack is explicit and a frame's path is
 * only spelled out for the duplicate found, so deep nesting costs linear time and is never a way
 * past the check.
 *
 * @example findDuplicateKey('{"a":1,"b":{"c":1,"c":2}}') // { key: 'c', path: '$.b' }
 */
export function findDuplicateKey(text: string): DuplicateKey | null {
  // Frames: an object's seen keys and the key being read, or an array's next index; each knows its parent's.
  type Frame =
    | { keys: Set<string>; key: string | null; parent: Step | null }
    | { index: number; parent: Step | null };
  // Where a frame sits in its parent: the parent and the key or index it was under then.
  type Step = { frame: Frame; at: string | number | null };
  const stack: Frame[] = [];
  let i = 0;
  const here = (): Step | null => {
    const top = stack[stack.length - 1];
    return top ? { frame: top, at: 'keys' in top ? top.key : top.index } : null;
  };
  const pathOf = (frame: Frame): string => {
    const parts: string[] = [];
    for (let s = frame.parent; s !== null; s = s.frame.parent) {
      parts.push(
        typeof s.at === 'number'
          ? `[${s.at}]`
          : /^[A-Za-z_$][\w$]*$/u.test(s.at ?? '')
            ? `.${s.at}`
            : `[${JSON.stringify(s.at)}]`,
      );
      if (parts.length > 64) {
        parts.push('…');
        break;
      }
    }
    return `$${parts.reverse().join('')}`;
  };
  const readString = (): string | null => {
    // i is at the opening quote
    let out = '';
    for (i++; i < text.length; i++) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[++i];
      if (e === 'u') {
        const hex = text.slice(i + 1, i + 5);
        if (!/^[0-9A-Fa-f]{4}$/u.test(hex)) return null;
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else {
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e === undefined || !(e in simple)) return null;
        out += simple[e];
      }
    }
    return null;
  };
  while (i < text.length) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (c === '{' || c === '[') {
      const parent = here();
      stack.push(c === '{' ? { keys: new Set(), key: null, parent } : { index: 0, parent });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === '"') {
      const s = readString();
      if (s === null) return null;
      // A string in an object where a key is expected is a key: the next non-space is `:`.
      let j = i;
      while (j < text.length && /\s/u.test(text[j]!)) j++;
      if (top && 'keys' in top && text[j] === ':') {
        if (top.keys.has(s)) return { key: s, path: pathOf(top) };
        top.keys.add(s);
        top.key = s;
        i = j + 1;
      }
    } else if (c === ',') {
      if (top && 'index' in top) top.index++;
      i++;
    } else i++;
  }
  return null;
}
