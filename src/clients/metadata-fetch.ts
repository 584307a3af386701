import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { after, type Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { normalizeHost } from '../core/host.js';
import { ipNetwork } from '../core/network.js';
import { quote } from '../delegation/text.js';
import { classify, isAllowed, type DestinationRules } from '../policy/destinations/classify.js';
import type { HostLookup } from '../policy/destinations/resolve.js';

/**
 * Fetching a client ID metadata document: one https GET that Mandate makes on a stranger's say-so
 * (anyone can send an authorization request naming any URL), so it is held to the gateway's
 * internal-network rules and bounded in every way. The host must not be, or resolve to, an
 * internal address unless `allowedInternalDestinations` allows it: checked on the addresses the
 * connection is made to, so a name cannot resolve one way for the check and another for the
 * connection. At most `maxBytes` are read (the rest is cut), the whole exchange has `timeoutMs`
 * on the injected clock, redirects are not followed, and each fetch is its own connection.
 */

export interface MetadataFetchOptions {
  /** What is internal and what the operator allowed (`internalDomains`, `allowedInternalDestinations`). */
  rules: DestinationRules;
  /** Resolves a host name to its addresses. */
  lookup: HostLookup;
  clock: Clock;
  /** Default 5,000 ms. */
  timeoutMs?: number;
  /** Default 64 KiB. */
  maxBytes?: number;
  /** Extra trusted CA certificates (PEM), besides the public roots (`clientMetadataCa`). */
  ca?: string;
}

export interface FetchedDocument {
  /** The body, at most `maxBytes`. */
  body: Buffer;
  headers: IncomingHttpHeaders;
}

export const MAX_DOCUMENT_BYTES = 64 * 1024;
export const DOCUMENT_TIMEOUT_MS = 5_000;

/** The GET a `client_id` URL names; throws `invalid_client` saying why it cannot be read. */
export function fetchMetadataDocument(url: URL, o: MetadataFetchOptions): Promise<FetchedDocument> {
  const maxBytes = o.maxBytes ?? MAX_DOCUMENT_BYTES;
  const timeoutMs = o.timeoutMs ?? DOCUMENT_TIMEOUT_MS;
  const refuse = (why: string) =>
    new MandateError('invalid_client', `client metadata document ${quote(url.href)} ${why}`);
  const host = normalizeHost(url.hostname.replace(/^\[|\]$/gu, ''));
  if (host === undefined) return Promise.reject(refuse('has no valid host'));
  const place = classify(host, 'url', o.rules);
  if (place.network !== 'public' && !place.allowed)
    return Promise.reject(refuse(`is on an internal host (${inside(host, place.network)})`));
  // A name the operator allowed is allowed whatever it resolves to; any other name must resolve outside.
  let refused: string | undefined;
  const lookup: LookupFunction = (hostname, options, callback) => {
    o.lookup(hostname).then(
      (addresses) => {
        const bad = place.allowed
          ? undefined
          : addresses.find((a) => ipNetwork(a) !== 'public' && !isAllowed(a, o.rules.allowed));
        if (bad !== undefined) {
          refused = `resolves to an internal address (${inside(bad, ipNetwork(bad) ?? 'unknown')})`;
          return callback(new Error(refused), '', 0);
        }
        const family = (options as { family?: number }).family;
        const usable = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((a) => a.family !== 0 && (!family || a.family === family));
        const [first] = usable;
        if (!first) return callback(new Error(`no address for ${hostname}`), '', 0);
        if ((options as { all?: boolean }).all)
          return (callback as (e: null, a: typeof usable) => void)(null, usable);
        return callback(null, first.address, first.family);
      },
      (err: Error) => callback(err, '', 0),
    );
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: MandateError | null, doc?: FetchedDocument) => {
      if (settled) return;
      settled = true;
      cancel();
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(doc!);
    };
    const req = request(
      {
        host,
        port: url.port === '' ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'mandate' },
        // One connection per fetch: every fetch looks the name up and checks the addresses again.
        agent: false,
        lookup,
        ...(isIP(host) === 0 ? { servername: host } : {}),
        ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400)
          return finish(
            refuse(
              `answered ${status} with a redirect${typeof res.headers.location === 'string' ? ` to ${quote(res.headers.location)}` : ''}; redirects are not followed`,
            ),
          );
        if (status !== 200) return finish(refuse(`answered ${status}, not 200`));
        const encoding = res.headers['content-encoding'];
        if (encoding !== undefined && encoding !== 'identity')
          return finish(refuse(`came ${quote(String(encoding))}-encoded; serve it unencoded`));
        const declared = Number(res.headers['content-length']);
        if (declared > maxBytes) return finish(refuse(`is larger than ${maxBytes} bytes`));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // Cut as soon as it is too long: nothing past the bound is read or kept.
          if (size > maxBytes) return finish(refuse(`is larger than ${maxBytes} bytes`));
          chunks.push(chunk);
        });
        res.on('end', () => finish(null, { body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', () => finish(refuse('could not be read to its end')));
      },
    );
    const cancel = after(o.clock, timeoutMs, () =>
      finish(refuse(`did not arrive within ${timeoutMs} ms`)),
    );
    req.on('error', (err: Error & { code?: string }) =>
      finish(
        refuse(
          refused ??
            (err.code?.startsWith('ERR_TLS') || /certificate/iu.test(err.message)
              ? `could not be fetched: its tls certificate is not trusted (${err.code ?? err.message})`
              : `could not be fetched (${err.code ?? err.message})`),
        ),
      ),
    );
    req.end();
  });
}

function inside(host: string, network: string): string {
  return `\`${host.slice(0, 80)}\` is ${network}; allow it with \`allowedInternalDestinations\``;
}
