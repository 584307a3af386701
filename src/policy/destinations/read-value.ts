import { isIP } from 'node:net';
import { posix } from 'node:path';
import { normalizeHost } from '../../core/host.js';
import { readAddressList } from './email-address.js';
import { INVALID_HOST, type Via } from './classify.js';
import { readStrictUrl, strictHost, type UrlReading } from './strict-url.js';

/**
 * One argument value read as what its extractor says it is. A value that is not what it should
 * be (a number where a URL was expected, a relative URL, a `file:` URL) names an unknown
 * destination, `<invalid>`; a value that could be read more than one way is a problem, and the
 * call is refused with it.
 */

export type Reading = { hosts: { host: string; via: Via }[] } | { problem: string };

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** The hosts a URL reaches (`mailto:`: the recipients' domains); `<invalid>` for one without a host. */
export function readUrl(value: string): Reading {
  if (/^[\s\p{Cc}\p{Cf}]|[\s\p{Cc}\p{Cf}]$/u.test(value))
    return { problem: 'it has whitespace or control characters around it' };
  if (/^mailto:/iu.test(value)) {
    const to = decode(value.slice('mailto:'.length).split('?')[0] ?? '');
    if (to === undefined)
      return { problem: 'its `mailto:` recipients are not valid percent-encoding' };
    const list = readAddressList(to);
    return 'problem' in list ? list : { hosts: list.hosts.map((host) => ({ host, via: 'email' })) };
  }
  const reading = readStrictUrl(value) ?? completedUrl(value);
  if (reading === null) return { hosts: [{ host: INVALID_HOST, via: 'url' }] };
  return 'problem' in reading ? reading : { hosts: [{ host: reading.host, via: 'url' }] };
}

// What a lenient client takes for a host when no `scheme://` comes first: a bracketed address, or a name with a dot or a port.
const BARE_AUTHORITY =
  /^(?:\[[^\]]*\](?::\d{1,5})?|[A-Za-z0-9._-]+:\d{1,5}|[A-Za-z0-9_-]*\.[A-Za-z0-9._-]*)$/u;

/**
 * A URL value without `scheme://` that a lenient client completes to `http://…` (curl, and the
 * "add https:// when it is missing" helpers tools carry): scheme-relative `//host/…`, and
 * `host.name/…`, `host:port`, `[v6]/…`. Read as that URL, so `169.254.169.254/latest` is the
 * metadata address and `127.1/` is refused as any non-canonical address is; null for anything
 * else (`/path`, `docs/intro`, `urn:x`), which stays `<invalid>`. A name without a dot or a port
 * (`metadata/v1`) reads as a relative path here: docs/policy.md says so.
 */
function completedUrl(value: string): UrlReading | null {
  if (value.startsWith('//')) return readStrictUrl(`http:${value}`);
  const authority = value.split(/[/?#]/u, 1)[0] ?? '';
  if (!BARE_AUTHORITY.test(authority) || authority.startsWith('.')) return null;
  const reading = readStrictUrl(`http://${value}`);
  if (reading === null || !('problem' in reading)) return reading;
  // A name that is no host (`v1.2/api`) is a relative path; an address in another spelling is not.
  return /^[\d.]+$|^0x|[[:]/iu.test(authority) ? reading : null;
}

/** The domains an address list reaches. */
export function readEmail(value: string): Reading {
  const list = readAddressList(value);
  return 'problem' in list ? list : { hosts: list.hosts.map((host) => ({ host, via: 'email' })) };
}

/** A bare host, with an optional port (`evil.com:8443`, `[::1]:80`), or a bare IPv6 address (`::1`: that address, never `:` and port 1). */
export function readHost(value: string): Reading {
  if (isIP(value) === 6) {
    const host = value.includes('%') ? undefined : normalizeHost(value);
    return host === undefined
      ? { problem: `the host \`${value.slice(0, 80)}\` has a zone or is not an ipv6 address` }
      : { hosts: [{ host, via: 'host' }] };
  }
  const port = /:\d{1,5}$/u.exec(value);
  const bare =
    port && (value.startsWith('[') || value.indexOf(':') === port.index)
      ? value.slice(0, port.index)
      : value;
  const reading = strictHost(bare);
  return 'problem' in reading ? reading : { hosts: [{ host: reading.host, via: 'host' }] };
}

/**
 * A file path as the tool will open it: a relative path resolved against the tool's declared
 * root, so `secret/plans.txt` under root `/srv` is `/srv/secret/plans.txt`. `..` segments,
 * backslashes, control characters and encoded dots, slashes or NULs are refused: a tool may
 * resolve or decode them differently.
 *
 * @example readPath('secret/plans.txt', '/srv') // { path: '/srv/secret/plans.txt' }
 */
export function readPath(
  value: string,
  root: string | undefined,
): { path: string } | { problem: string } {
  if ([...value].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return { problem: 'it has a backslash or a control character' };
  if (/%(2e|2f|5c|00)/iu.test(value)) return { problem: 'it has an encoded `.`, `/`, `\\` or NUL' };
  if (value.split('/').includes('..')) return { problem: 'it has a `..` segment' };
  if (value === '') return { problem: 'it is empty' };
  const absolute = value.startsWith('/') || root === undefined ? value : posix.join(root, value);
  return { path: posix.normalize(absolute) };
}

/**
 * True when a string is, as a whole, an IP literal: four dotted decimal numbers (in any spelling
 * of them, so `0177.0.0.1` is refused rather than skipped), a bracketed IPv6 address, either with
 * a `:port`, or a bare IPv6 address. Read as a host wherever it appears, whatever its key:
 * `{ server: "10.0.0.5" }` reaches 10.0.0.5 to any tool that connects to it.
 */
export function looksLikeIpLiteral(value: string): boolean {
  return (
    /^\d{1,4}(?:\.\d{1,4}){3}(?::\d{1,5})?$|^\[[0-9A-Za-z:.%]*:[0-9A-Za-z:.%]*\](?::\d{1,5})?$/u.test(
      value,
    ) || isIP(value) === 6
  );
}

/** True when a string is, as a whole, an absolute URL: read as one wherever it appears. */
export function looksLikeUrl(value: string): boolean {
  return /^[\s\p{Cc}\p{Cf}]*(?:[a-z][a-z0-9+.-]*:\/\/|(?:https?|wss?|ftp):)/iu.test(value);
}
