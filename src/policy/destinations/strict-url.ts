import { isIP } from 'node:net';
import { normalizeHost } from '../../core/host.js';

/**
 * URLs with one reading only. Parsers disagree on odd URLs: `http://169.254.169.254\@evil.com/`
 * is `169.254.169.254` to a WHATWG parser and `evil.com` to many server-side ones; `0127.0.0.1`
 * is 87.0.0.1 to one and 127.0.0.1 to another. A destination is only sound if Mandate and the
 * tool read the URL the same way, so a URL argument must match a strict RFC 3986 grammar, and
 * anything outside it is refused with the reason instead of being read one way.
 */

/** The host of a URL, or why the URL cannot be read one way only. */
export type UrlReading = { host: string } | { problem: string };

// RFC 3986 §3.1
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/u;
// RFC 3986 §2.2-2.3, unreserved and reserved characters: what may appear outside the authority.
const URL_CHAR = /[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/u;
// A strict reg-name: letters, digits, `-`, `.`, `_`; sub-delims and `~` read differently across parsers.
const REG_NAME = /^[A-Za-z0-9._-]+$/u;

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (c === '\\') return 'a backslash';
  if (/\s/u.test(c)) return 'whitespace';
  if (code < 0x20 || code === 0x7f) return 'a control character';
  if (code > 0x7e)
    return `the non-ascii character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `the character \`${c}\``;
}

/**
 * A canonical IPv4 literal is four decimal numbers 0-255 without leading zeros. Any other numeric
 * host (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) is an address to some parsers and a name or
 * another address to others.
 */
function numericProblem(host: string, normal: string): string | null {
  if (isIP(normal) !== 4) return null;
  const written = host.toLowerCase().replace(/\.$/u, '');
  return written === normal
    ? null
    : `the host \`${host.slice(0, 80)}\` is an ip address in a non-canonical form (write it as ${normal})`;
}

/**
 * The host a host string names, normalized (`core/host.ts`), or why it has no single reading. Used
 * for URL hosts, `host` arguments and email domains alike.
 *
 * @example strictHost('API.example.org.') // { host: 'api.example.org' }
 * @example strictHost('0x7f.1') // { problem: '… non-canonical form (write it as 127.0.0.1)' }
 */
export function strictHost(raw: string): UrlReading {
  if (raw === '') return { problem: 'the host is empty' };
  if (raw.startsWith('[') || raw.endsWith(']')) {
    const inner = raw.slice(1, -1);
    if (!raw.startsWith('[') || !raw.endsWith(']'))
      return { problem: `the host \`${raw.slice(0, 80)}\` has an unbalanced bracket` };
    if (inner.includes('%'))
      return { problem: `the host \`${raw.slice(0, 80)}\` has a zone or percent-encoding` };
    if (isIP(inner) !== 6)
      return { problem: `the host \`${raw.slice(0, 80)}\` is not an ipv6 address` };
    const host = normalizeHost(inner);
    return host === undefined
      ? { problem: `the host \`${raw.slice(0, 80)}\` is not an ipv6 address` }
      : { host };
  }
  if (raw.includes('%'))
    return { problem: `the host \`${raw.slice(0, 80)}\` has percent-encoding` };
  if (!REG_NAME.test(raw)) {
    const bad = [...raw].find((c) => !/[A-Za-z0-9._-]/u.test(c)) ?? '';
    return {
      problem: `the host \`${raw.slice(0, 80)}\` has ${describeChar(bad)} (a host is letters, digits, \`-\`, \`.\` and \`_\`; write an idn in punycode)`,
    };
  }
  const host = normalizeHost(raw);
  if (host === undefined)
    return { problem: `the host \`${raw.slice(0, 80)}\` is not a host name or ip address` };
  const numeric = numericProblem(raw, host);
  return numeric ? { problem: numeric } : { host };
}

/** The position and kind of the first character RFC 3986 does not allow, or null. */
function badCharacter(value: string): string | null {
  let i = 0;
  for (const c of value) {
    if (!URL_CHAR.test(c)) return `${describeChar(c)} at position ${i}`;
    i += c.length;
  }
  const escape = /%(?![0-9A-Fa-f]{2})/u.exec(value);
  return escape ? `a \`%\` that starts no escape at position ${escape.index}` : null;
}

/**
 * Reads a URL with an authority (`scheme://host[:port]/...`) under a strict RFC 3986 grammar:
 * no backslash, control character or whitespace anywhere, no userinfo (`user@`), a port of
 * digits only, a host that is a strict reg-name, a canonical IPv4 address or a bracketed IPv6
 * address without a zone. WHATWG `new URL` is then a second reading that must agree on the host.
 * `null` for a value that is no URL with an authority (a relative reference, `file:`, `data:`,
 * `mailto:`): the caller decides what those reach.
 *
 * @example readStrictUrl('https://API.github.com:443/x') // { host: 'api.github.com' }
 * @example readStrictUrl('http://169.254.169.254\\@evil.com/') // { problem: 'a backslash at position 22' }
 */
export function readStrictUrl(value: string): UrlReading | null {
  const scheme = SCHEME.exec(value);
  if (!scheme) return null;
  const rest = value.slice(scheme[0].length);
  const special = /^(https?|wss?|ftp)$/iu.test(scheme[1]!);
  const bad = badCharacter(value);
  if (!rest.startsWith('//')) {
    // WHATWG reads `http:evil.com` and `http:\\evil.com` as having the host evil.com; RFC 3986 as a path.
    if (special)
      return {
        problem:
          bad ??
          `a ${scheme[1]!.toLowerCase()} url must start with \`${scheme[1]!.toLowerCase()}://\``,
      };
    return null;
  }
  if (bad) return { problem: bad };
  const end = rest.slice(2).search(/[/?#]/u);
  const authority = end === -1 ? rest.slice(2) : rest.slice(2, 2 + end);
  if (authority.includes('@')) return { problem: 'it has userinfo (`user@`) before the host' };
  const port = /:(\d*)$/u.exec(authority);
  const hostPart = port && !authority.endsWith(']') ? authority.slice(0, port.index) : authority;
  if (
    port &&
    !authority.endsWith(']') &&
    (port[1] === '' || port[1]!.length > 5 || Number(port[1]) > 65535)
  )
    return { problem: `the port \`${port[1]}\` is not a number from 0 to 65535` };
  if (hostPart === '')
    return scheme[1]!.toLowerCase() === 'file' ? null : { problem: 'it has no host' };
  const reading = strictHost(hostPart);
  if ('problem' in reading) return reading;
  let whatwg: URL;
  try {
    whatwg = new URL(value);
  } catch {
    return { problem: 'it does not parse as a url' };
  }
  const second = whatwg.hostname.startsWith('[') ? whatwg.hostname.slice(1, -1) : whatwg.hostname;
  // Non-special schemes keep the host as written; compare normal forms.
  if (normalizeHost(second) !== reading.host)
    return {
      problem: `it reads as host \`${reading.host}\` here and \`${second.slice(0, 80)}\` to a url parser`,
    };
  return reading;
}
