import { isIP } from 'node:net';
import { normalizeHost } from '../../core/host.js';
import { strictHost, type UrlReading } from './strict-url.js';

/**
 * Email addresses with one reading only. Mail software disagrees on odd addresses: `x@evil@host`
 * is delivered to `host` by one and to `evil` by another; `x%evil.com@relay` is relayed on to
 * evil.com by servers that still honour the percent hack; `%40` may be decoded into an `@` on the
 * way. So an address must be a plain RFC 5321 mailbox: a dot-atom local part without `%`, `!`
 * or quotes, one `@`, and a host name or a bracketed address literal.
 */

// RFC 5322 atext without `%` and `!` (source-routing forms) and without `@`, `"`, `\`.
const LOCAL_PART = /^[A-Za-z0-9#$&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9#$&'*+/=?^_`{|}~-]+)*$/u;

/** Splits an address list on `,` and `;` outside quotes and angle brackets. */
function splitAddresses(list: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === '"' && list[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '<') angle = true;
    else if (!quoted && ch === '>') angle = false;
    else if (!quoted && !angle && (ch === ',' || ch === ';')) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  out.push(list.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** The mailbox of `Name <a@b>` or `a@b`, or why it has none. */
function mailbox(address: string): { mailbox: string } | { problem: string } {
  const open = address.indexOf('<');
  if (open === -1) return { mailbox: address };
  const close = address.indexOf('>', open);
  if (close === -1 || close !== address.length - 1 || address.indexOf('<', open + 1) !== -1)
    return { problem: 'its angle brackets do not hold one mailbox' };
  const display = address.slice(0, open);
  // A display name with an address in it (`"a@good.org" <b@evil.com>`) shows a human one mailbox and sends to another.
  if (display.includes('@')) return { problem: 'its display name holds an `@`' };
  return { mailbox: address.slice(open + 1, close).trim() };
}

/**
 * The domain one address reaches, normalized, or why it has no single reading.
 *
 * @example readAddress('Bob <bob@Partner.example>') // { host: 'partner.example' }
 * @example readAddress('x@evil@host.example') // { problem: '… more than one `@`' }
 */
export function readAddress(address: string): UrlReading {
  const box = mailbox(address);
  if ('problem' in box) return box;
  const addr = box.mailbox;
  const ats = addr.split('@').length - 1;
  if (ats !== 1) return { problem: ats === 0 ? 'it has no `@`' : 'it has more than one `@`' };
  const at = addr.indexOf('@');
  const local = addr.slice(0, at);
  const domain = addr.slice(at + 1);
  if (!LOCAL_PART.test(local))
    return {
      problem: `its local part \`${local.slice(0, 64)}\` is not a plain dot-atom (no quotes, \`%\`, \`!\`, spaces or escapes)`,
    };
  if (domain.startsWith('[') && domain.endsWith(']')) {
    const literal = domain.slice(1, -1).replace(/^ipv6:/iu, '');
    if (isIP(literal) === 0 || literal.includes('%'))
      return { problem: `its address literal \`${domain.slice(0, 80)}\` is not an ip address` };
    const host = normalizeHost(literal);
    return host === undefined
      ? { problem: `its address literal \`${domain.slice(0, 80)}\` is not an ip address` }
      : { host };
  }
  return strictHost(domain);
}

/**
 * The domains an address list reaches (`a@x.org, Bob <b@y.org>`), or the first reason one of
 * them has no single reading. A list with no address is a problem too.
 */
export function readAddressList(list: string): { hosts: string[] } | { problem: string } {
  const addresses = splitAddresses(list);
  if (addresses.length === 0) return { problem: 'it holds no address' };
  const hosts: string[] = [];
  for (const a of addresses) {
    const r = readAddress(a);
    if ('problem' in r) return { problem: `the address \`${a.slice(0, 120)}\`: ${r.problem}` };
    hosts.push(r.host);
  }
  return { hosts };
}
