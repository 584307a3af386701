import { isIP } from 'node:net';

/**
 * Which network an IP address lies in, for deciding whether a call reaches inside the operator's
 * networks. Pure arithmetic over the address's value, so every spelling that names the same
 * address (and every IPv6 form that carries an IPv4 address) lands in the same network. Input is
 * the normal form of `core/host.ts` `normalizeHost`: IPv4 dotted decimal, IPv6 without brackets.
 */

/** The networks of `context.destination.network`; `unknown` is a destination that is no host. */
export const NETWORKS = [
  'public',
  'internal',
  'loopback',
  'link_local',
  'private',
  'unspecified',
  'multicast',
  'unknown',
] as const;
export type Network = (typeof NETWORKS)[number];

type Range4 = readonly [base: number, bits: number, network: Network];

const v4 = (dotted: string): number =>
  dotted.split('.').reduce((n, part) => n * 256 + Number(part), 0);

// Checked in order; the first that holds wins.
const IPV4_RANGES: readonly Range4[] = [
  [v4('0.0.0.0'), 8, 'unspecified'], // "this network"; 0.0.0.0 reaches the local host on common stacks
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('10.0.0.0'), 8, 'private'], // RFC 1918
  [v4('172.16.0.0'), 12, 'private'], // RFC 1918
  [v4('192.168.0.0'), 16, 'private'], // RFC 1918
  [v4('100.64.0.0'), 10, 'private'], // RFC 6598 carrier-grade NAT; one cloud's metadata is 100.100.100.200
  [v4('169.254.0.0'), 16, 'link_local'], // RFC 3927; cloud metadata at 169.254.169.254
  [v4('192.0.0.0'), 24, 'private'], // RFC 6890 IETF protocol assignments
  [v4('198.18.0.0'), 15, 'private'], // RFC 2544 benchmarking, used inside networks
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('255.255.255.255'), 32, 'multicast'], // limited broadcast: one-to-many, never one public host
  [v4('240.0.0.0'), 4, 'private'], // reserved, not routed on the internet
];

function inRange(value: number, base: number, bits: number): boolean {
  const size = 2 ** (32 - bits);
  return value >= base && value < base + size;
}

/** The network of an IPv4 address given as its 32-bit value. */
function networkOf4(value: number): Network {
  for (const [base, bits, network] of IPV4_RANGES) if (inRange(value, base, bits)) return network;
  return 'public';
}

/** The 8 groups of an IPv6 address (any valid spelling, dotted IPv4 tail included), or undefined. */
export function ipv6Groups(ip: string): number[] | undefined {
  if (isIP(ip) !== 6) return undefined;
  // A zone (`fe80::1%eth0`) names the interface, not the address.
  let text = ip.toLowerCase().replace(/%.*$/su, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/u.exec(text);
  if (dotted) {
    const n = v4(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const groups =
    halves.length === 2
      ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
      : head;
  return groups.length === 8 ? groups : undefined;
}

const u32 = (hi: number, lo: number): number => hi * 0x10000 + lo;

/**
 * The IPv4 address an IPv6 address carries, as a 32-bit value, or undefined: IPv4-mapped
 * (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96 except :: and ::1),
 * NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo
 * (2001::/32, whose client address is stored inverted). A stack that routes these reaches the
 * IPv4 address, so they are classified as it.
 */
function embeddedIpv4(g: number[]): number | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, , g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zero = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g5 === 0xffff) return u32(g6, g7); // mapped
  if (zero(0, 4) && g4 === 0xffff && g5 === 0) return u32(g6, g7); // translated (SIIT)
  if (zero(0, 6) && (g6 !== 0 || g7 > 1)) return u32(g6, g7); // compatible (deprecated)
  if (g0 === 0x64 && g1 === 0xff9b && zero(2, 6)) return u32(g6, g7); // NAT64 well-known prefix
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return u32(g6, g7); // NAT64 local-use /48
  if (g0 === 0x2002) return u32(g1, g2); // 6to4
  if (g0 === 0x2001 && g1 === 0) return (u32(g6, g7) ^ 0xffffffff) >>> 0; // Teredo client
  return undefined;
}

function networkOf6(g: number[]): Network {
  const [g0 = 0] = g;
  if (g.slice(0, 7).every((x) => x === 0) && (g[7] === 0 || g[7] === 1))
    return g[7] === 0 ? 'unspecified' : 'loopback';
  const carried = embeddedIpv4(g);
  if (carried !== undefined) return networkOf4(carried);
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if ((g0 & 0xffc0) === 0xfe80) return 'link_local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local
  if (g0 === 0x100 && g.slice(1, 4).every((x) => x === 0)) return 'private'; // discard-only 100::/64
  return 'public';
}

/**
 * The IPv4 address (dotted) that an IPv6 address carries and routes to (see `embeddedIpv4`), or
 * undefined.
 *
 * @example carriedIpv4('::ffff:7f00:1') // '127.0.0.1'
 */
export function carriedIpv4(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  const n =
    g && !(g.slice(0, 7).every((x) => x === 0) && (g[7] ?? 0) <= 1) ? embeddedIpv4(g) : undefined;
  return n === undefined
    ? undefined
    : [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/**
 * The network of an IP literal (any form `node:net` `isIP` accepts, without brackets or zone),
 * or undefined for anything else. An IPv6 zone (`%eth0`) is ignored.
 *
 * @example ipNetwork('169.254.169.254') // 'link_local'
 * @example ipNetwork('64:ff9b::a9fe:a9fe') // 'link_local' (NAT64 of 169.254.169.254)
 * @example ipNetwork('8.8.8.8') // 'public'
 */
export function ipNetwork(ip: string): Network | undefined {
  const family = isIP(ip);
  if (family === 4) return networkOf4(v4(ip));
  if (family !== 6) return undefined;
  const g = ipv6Groups(ip);
  return g ? networkOf6(g) : undefined;
}
