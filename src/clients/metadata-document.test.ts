import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startHttpsServer, type TestHttpsServer } from '../../test/fakes/https-server.js';
import { ManualClock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { destinationRules, type DestinationRules } from '../policy/destinations/classify.js';
import type { HostLookup } from '../policy/destinations/resolve.js';
import { MetadataDocuments } from './metadata-document.js';
import { fetchMetadataDocument } from './metadata-fetch.js';

/**
 * Client ID metadata documents fetched from a real HTTPS server on loopback (a test CA, and
 * 127.0.0.1 allowed as an internal destination, as a deployment would allow a private host):
 * the network rules, the bounds, the document rules and the cache.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: TestHttpsServer;
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();
let arrived: (() => void) | undefined;

before(async () => {
  server = await startHttpsServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    arrived?.();
    const h = routes.get(path);
    if (h) h(req, res);
    else res.writeHead(404).end();
  });
});
after(() => server.close());
beforeEach(() => {
  routes.clear();
  hits.clear();
});

const ALLOW_LOOPBACK = destinationRules(['example.org'], ['127.0.0.1']);
const NOTHING_ALLOWED = destinationRules(['example.org'], []);

function documents(
  o: {
    rules?: DestinationRules;
    lookup?: HostLookup;
    ca?: string | null;
    clock?: ManualClock;
  } = {},
) {
  const clock = o.clock ?? new ManualClock();
  const docs = new MetadataDocuments({
    clock,
    fetch: (url) =>
      fetchMetadataDocument(url, {
        rules: o.rules ?? ALLOW_LOOPBACK,
        lookup: o.lookup ?? (async () => ['127.0.0.1']),
        clock,
        ...(o.ca === null ? {} : { ca: o.ca ?? server.ca }),
      }),
  });
  return { docs, clock };
}

/** Serves `body` (a document, or text) at `path` with `headers`. */
function serve(path: string, body: unknown, headers: Record<string, string> = {}): string {
  routes.set(path, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  return `${server.origin}${path}`;
}

const doc = (url: string, over: Record<string, unknown> = {}) => ({
  client_id: url,
  client_name: 'Test Host',
  redirect_uris: ['http://127.0.0.1/callback', 'https://app.example/cb'],
  ...over,
});

async function refused(p: Promise<unknown>, why: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MandateError, String(err));
    assert.equal(err.code, 'invalid_client');
    assert.match(err.message, why);
    return true;
  });
}

describe('client id metadata documents', () => {
  test('a valid document is read into client metadata', async () => {
    const url = `${server.origin}/client.json`;
    serve('/client.json', doc(url, { logo_uri: 'https://app.example/logo.png' }));
    const { docs } = documents();
    assert.deepEqual(await docs.get(url), {
      name: 'Test Host',
      redirectUris: ['http://127.0.0.1/callback', 'https://app.example/cb'],
      logoUri: 'https://app.example/logo.png',
      clientUri: null,
      tokenEndpointAuthMethod: 'none',
    });
  });

  test('cached as Cache-Control says, on the injected clock; concurrent gets share one fetch', async () => {
    const url = `${server.origin}/cached.json`;
    serve('/cached.json', doc(url), { 'cache-control': 'max-age=600' });
    const { docs, clock } = documents();
    await Promise.all([docs.get(url), docs.get(url), docs.get(url)]);
    assert.equal(hits.get('/cached.json'), 1);
    clock.advance(599_999);
    await docs.get(url);
    assert.equal(hits.get('/cached.json'), 1, 'still fresh');
    clock.advance(1);
    await docs.get(url);
    assert.equal(hits.get('/cached.json'), 2, 'fetched again once stale');
  });

  test('cached a day at most, and at least a minute whatever the headers say', async () => {
    const year = `${server.origin}/year.json`;
    serve('/year.json', doc(year), { 'cache-control': 'max-age=31536000' });
    const none = `${server.origin}/nostore.json`;
    serve('/nostore.json', doc(none), { 'cache-control': 'no-store' });
    const { docs, clock } = documents();
    await docs.get(year);
    await docs.get(none);
    clock.advance(59_999);
    await docs.get(none);
    assert.equal(hits.get('/nostore.json'), 1, 'a minute at least');
    clock.advance(1);
    await docs.get(none);
    assert.equal(hits.get('/nostore.json'), 2);
    clock.advance(86_400_000 - 60_000 - 1);
    await docs.get(year);
    assert.equal(hits.get('/year.json'), 1);
    clock.advance(1);
    await docs.get(year);
    assert.equal(hits.get('/year.json'), 2, 'a day at most');
  });

  test('internal hosts are refused before any connection unless allowed: loopback, private, link-local, IPv6-mapped', async () => {
    const { docs } = documents({ rules: NOTHING_ALLOWED });
    serve('/c.json', {});
    await refused(
      docs.get(`${server.origin}/c.json`),
      /internal host \(`127\.0\.0\.1` is loopback; allow it with `allowedInternalDestinations`\)/,
    );
    await refused(
      docs.get(`https://[::ffff:127.0.0.1]:${server.port}/c.json`),
      /internal host \(`::ffff:7f00:1` is loopback/,
    );
    await refused(docs.get('https://10.1.2.3/c.json'), /`10\.1\.2\.3` is private/);
    await refused(
      docs.get('https://169.254.169.254/latest/meta-data'),
      /`169\.254\.169\.254` is link_local/,
    );
    await refused(docs.get('https://metadata.internal/c.json'), /`metadata\.internal` is internal/);
    await refused(docs.get('https://db.example.org/c.json'), /`db\.example\.org` is internal/);
    assert.equal(hits.get('/c.json'), undefined, 'nothing reached the server');
  });

  test('a name that resolves to an internal address is refused on the address connected to', async () => {
    const url = `https://client.example:${server.port}/named.json`;
    serve('/named.json', doc(url));
    const inside = documents({ rules: NOTHING_ALLOWED, lookup: async () => ['10.0.0.5'] });
    await refused(
      inside.docs.get(url),
      /resolves to an internal address \(`10\.0\.0\.5` is private/,
    );
    const mixed = documents({
      rules: NOTHING_ALLOWED,
      lookup: async () => ['93.184.216.34', '127.0.0.1'],
    });
    await refused(
      mixed.docs.get(url),
      /resolves to an internal address \(`127\.0\.0\.1` is loopback/,
    );
    const mapped = documents({
      rules: NOTHING_ALLOWED,
      lookup: async () => ['::ffff:169.254.169.254'],
    });
    await refused(
      mapped.docs.get(url),
      /resolves to an internal address \(`::ffff:169\.254\.169\.254` is link_local/,
    );
    assert.equal(hits.get('/named.json'), undefined);
    // Allowed by address: the same name, now served.
    const allowed = documents({ lookup: async () => ['127.0.0.1'] });
    assert.equal((await allowed.docs.get(url)).name, 'Test Host');
  });

  test('a redirect is not followed', async () => {
    const url = `${server.origin}/moved.json`;
    serve('/target.json', doc(url));
    routes.set('/moved.json', (_req, res) =>
      res.writeHead(302, { location: `${server.origin}/target.json` }).end(),
    );
    await refused(
      documents().docs.get(url),
      /answered 302 with a redirect to `https:\/\/127\.0\.0\.1:\d+\/target\.json`; redirects are not followed/,
    );
    assert.equal(hits.get('/target.json'), undefined);
  });

  test('larger than 64 KiB is cut, declared or not', async () => {
    const big = `${server.origin}/big.json`;
    serve('/big.json', { ...doc(big), pad: 'x'.repeat(65 * 1024) });
    await refused(documents().docs.get(big), /is larger than 65536 bytes/);
    const chunked = `${server.origin}/chunked.json`;
    routes.set('/chunked.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // No Content-Length: chunks that never end until the reader cuts.
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const write = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', write);
      };
      write();
    });
    await refused(documents().docs.get(chunked), /is larger than 65536 bytes/);
  });

  test('a server that never answers times out on the clock (5 s), without waiting', async () => {
    const url = `${server.origin}/slow.json`;
    routes.set('/slow.json', () => undefined);
    const { docs, clock } = documents();
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const pending = docs.get(url);
    await reached;
    arrived = undefined;
    clock.advance(4_999);
    clock.advance(1);
    await refused(pending, /did not arrive within 5000 ms/);
  });

  test('a certificate nobody trusts is refused', async () => {
    const url = `${server.origin}/c.json`;
    serve('/c.json', doc(url));
    await refused(documents({ ca: null }).docs.get(url), /tls certificate is not trusted/);
  });

  test('the document must name itself, list redirect uris, be json and hold no secret', async () => {
    const { docs } = documents();
    const cases: [string, unknown, RegExp][] = [
      [
        '/other.json',
        doc(`${server.origin}/elsewhere.json`),
        /names another client_id, `https:\/\/127\.0\.0\.1:\d+\/elsewhere\.json`/,
      ],
      ['/noid.json', { redirect_uris: ['https://a.example/cb'] }, /has no `client_id`/],
      ['/noredirect.json', 'DOC', /has an invalid `redirect_uris`: is required/],
      [
        '/badredirect.json',
        'BAD',
        /`redirect_uris\[0\]`: must be https, http on a loopback address \(127\.0\.0\.1, \[::1\], localhost\), or a private-use scheme/,
      ],
      ['/text.json', '<html>not json</html>', /is not json/],
      ['/array.json', '[1,2]', /is not a json object/],
      ['/secret.json', 'SECRET', /`client_secret`: must not be in a client id metadata document/],
      ['/basic.json', 'BASIC', /`client_secret_basic` needs a shared secret/],
      ['/twice.json', 'TWICE', /more than one reading/],
    ];
    for (const [path, body, why] of cases) {
      const url = `${server.origin}${path}`;
      const text =
        body === 'DOC'
          ? { client_id: url }
          : body === 'BAD'
            ? doc(url, { redirect_uris: ['http://evil.example/cb'] })
            : body === 'SECRET'
              ? doc(url, { client_secret: 's3cret' })
              : body === 'BASIC'
                ? doc(url, { token_endpoint_auth_method: 'client_secret_basic' })
                : body === 'TWICE'
                  ? `{"client_id":"${url}","redirect_uris":["https://a.example/cb"],"redirect_uris":["https://evil.example/cb"]}`
                  : body;
      serve(path, text);
      await refused(docs.get(url), why);
    }
    assert.equal(docs.size, 0, 'nothing refused is cached');
  });
});
