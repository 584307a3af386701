/**
 * A strict reader of `WWW-Authenticate` (RFC 9110 §11.6.1: challenges of `auth-scheme` followed
 * by a token68 or comma-separated `name=token|quoted-string` params). Written for these tests,
 * independent of Mandate's code: it throws on anything that does not follow the grammar and on a
 * parameter given twice in one challenge (an injected one).
 */

export interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let s = header;
  const skipWs = () => {
    s = s.replace(/^[ \t]+/, '');
  };
  const take = (re: RegExp): string | undefined => {
    const m = re.exec(s);
    if (!m) return undefined;
    s = s.slice(m[0].length);
    return m[0];
  };
  const quoted = (): string => {
    if (s[0] !== '"') throw new Error(`expected a quoted-string at \`${s.slice(0, 40)}\``);
    let value = '';
    let i = 1;
    for (; i < s.length && s[i] !== '"'; i++) {
      let c = s[i]!;
      if (c === '\\') c = s[++i] ?? '';
      if (!/^[\t\x20-\x7E\x80-\xFF]$/.test(c))
        throw new Error(`character U+${c.codePointAt(0)?.toString(16)} in a quoted-string`);
      value += c;
    }
    if (s[i] !== '"') throw new Error('unterminated quoted-string');
    s = s.slice(i + 1);
    return value;
  };
  skipWs();
  while (s.length > 0) {
    const scheme = take(TOKEN);
    if (!scheme) throw new Error(`expected an auth-scheme at \`${s.slice(0, 40)}\``);
    const params = new Map<string, string>();
    out.push({ scheme, params });
    skipWs();
    // Params until a `, <token>` that starts the next challenge (a token not followed by `=`).
    let next = false;
    for (;;) {
      const save = s;
      const name = take(TOKEN);
      if (!name) break;
      skipWs();
      if (s[0] !== '=') {
        if (params.size === 0)
          throw new Error(`\`${scheme}\` is followed by \`${name}\`, not a parameter`);
        s = save;
        next = true;
        break;
      }
      s = s.slice(1);
      skipWs();
      const value = s[0] === '"' ? quoted() : take(TOKEN);
      if (value === undefined) throw new Error(`param \`${name}\` has no value`);
      const key = name.toLowerCase();
      if (params.has(key)) throw new Error(`param \`${key}\` given twice in one challenge`);
      params.set(key, value);
      skipWs();
      if (s[0] !== ',') break;
      s = s.slice(1);
      skipWs();
    }
    if (next || s.length === 0) continue;
    if (s[0] !== ',') throw new Error(`unexpected \`${s.slice(0, 40)}\` after a challenge`);
    s = s.slice(1);
    skipWs();
  }
  return out;
}
