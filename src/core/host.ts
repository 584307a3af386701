import { isIP } from 'node:net';

/**
 * Host names and IP literals as Mandate compares them: one normal form, and which IP ranges are
 * private. Pure string work; nothing here resolves DNS, so a public name that resolves to a
 * private address is not seen as private (see docs/policy.md).
 */

/** Characters that end a host in a URL authority; a bare host containing one is not a host. */
const NOT_IN_HOST = /[\s/\\@?#\p{Cc}]/u;

/**
 * The normal form of a host name or IP literal, or undefined when `input` is not one.
 * Lowercase, IDNA (punycode) ASCII, without a port, without IPv6 brackets, without a trailing
 * dot; IPv4 in dotted decimal (WHATWG URL rules, so `0x7f.1` and `2130706433` become
 * `127.0.0.1`); IPv6 compressed (`::ffff:10.0.0.1` becomes `::ffff:a00:1`).
 *
 * @example normalizeHost('API.Example.com.:443') // 'api.example.com'
 * @example normalizeHost('[::1]') // '::1'
 */
export function normalizeHost(input: string): string | undefined {
  const trimmed = input.trim();
  if (trimmed === '' || NOT_IN_HOST.test(trimmed)) return undefined;
  // A bare IPv6 literal has colons that would read as a port.
  const authority = isIP(trimmed) === 6 ? `[${trimmed}]` : trimmed;
  let hostname: string;
  try {
    hostname = new URL(`http://${authority}/`).hostname;
  } catch {
    return undefined;
  }
  if (hostname.startsWith('[')) return hostname.slice(1, -1);
  const host = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  // WHATWG URL keeps empty labels (`a..b`); no DNS name has one.
  return host.split('.').includes('') ? undefined : host;
}

/** The 8 groups of an IPv6 address in normal form (compressed, lowercase, no zone). */
function ipv6Groups(ip: string): number[] | undefined {
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const groups =
    halves.length === 2
      ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
      : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

function ipv4Private(ip: string): boolean {
  const [a = -1, b = -1] = ip.split('.').map(Number);
  return (
    a === 10 || // RFC 1918
    (a === 172 && b >= 16 && b <= 31) || // RFC 1918
    (a === 192 && b === 168) || // RFC 1918
    a === 127 || // loopback
    (a === 169 && b === 254) || // link-local
    a === 0 // "this network"; 0.0.0.0 reaches the local host on common stacks
  );
}

/**
 * True when `host` (normal form) is an IP literal in a private, loopback or link-local range:
 * IPv4 10/8, 172.16/12, 192.168/16, 127/8, 169.254/16, 0/8; IPv6 ::1, ::, fc00::/7, fe80::/10,
 * and IPv4-mapped (::ffff:0:0/96) addresses in the IPv4 ranges. Names are never private here.
 *
 * @example isPrivateIp('10.1.2.3') // true
 * @example isPrivateIp('8.8.8.8') // false
 */
export function isPrivateIp(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return ipv4Private(host);
  if (family !== 6) return false;
  const g = ipv6Groups(host);
  if (!g) return false;
  const [g0 = 0, , , , g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  if (g.slice(0, 7).every((x) => x === 0) && (g7 === 0 || g7 === 1)) return true; // :: and ::1
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique local
  if ((g0 & 0xffc0) === 0xfe80) return true; // link-local
  if (g.slice(0, 4).every((x) => x === 0) && g4 === 0 && g5 === 0xffff) {
    return ipv4Private(`${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`);
  }
  return false;
}

/** True when `host` is an IPv4 or IPv6 literal (without brackets). */
export function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0;
}
