import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.js';
import { DecisionService, type VerifiedTaskToken } from '../decision-service.js';
import { createDefaultDecisionPoint } from '../engines/wasm.js';
import type { DecisionRequest } from '../request.js';
import { ToolCatalog } from '../tool-catalog.js';
import { destinationRules } from './classify.js';
import { DestinationResolver, placeByAddresses, type HostLookup } from './resolve.js';

const ALPHA = 'spiffe://example.org/agent/alpha';
const token = (taskId: string): VerifiedTaskToken => ({
  subject: ALPHA,
  actors: [],
  actor: ALPHA,
  depth: 0,
  onBehalfOf: null,
  taskId,
  scopes: ['tool:web/*', 'tool:mail/*', 'tool:docs/*'],
});
const point = createDefaultDecisionPoint();

/** A resolver that answers from a table and counts the names it was asked. */
function table(
  answers: Record<string, readonly string[] | Error>,
): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (name: string): Promise<readonly string[]> => {
    asked.push(name);
    const a = answers[name];
    if (a === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    if (a instanceof Error) throw a;
    return a;
  };
  return Object.assign(lookup, { asked });
}

function catalog(): ToolCatalog {
  const c = new ToolCatalog();
  const s = { type: 'object' as const, properties: {} };
  c.upsertServerTools(
    'web',
    [
      { name: 'fetch', inputSchema: { type: 'object', properties: { url: { type: 'string' } } } },
      { name: 'partner', inputSchema: s },
    ],
    {
      fetch: {
        sideEffect: 'read',
        classification: 'public',
        extractors: [{ path: 'url', kind: 'url' }],
      },
      partner: {
        sideEffect: 'read',
        classification: 'public',
        destinations: ['api.partner.example'],
        extractors: [{ path: 'url', kind: 'url' }],
      },
    },
  );
  c.upsertServerTools('mail', [{ name: 'send', inputSchema: s }], {
    send: {
      sideEffect: 'write',
      classification: 'public',
      extractors: [{ path: 'to', kind: 'email' }],
    },
  });
  c.upsertServerTools('docs', [{ name: 'secret', inputSchema: s }], {
    secret: { sideEffect: 'read', classification: 'confidential', destinations: [] },
  });
  return c;
}

function service(opts: { resolver?: DestinationResolver; allowed?: string[] } = {}): {
  svc: DecisionService;
  seen: DecisionRequest[];
} {
  const seen: DecisionRequest[] = [];
  const svc = new DecisionService({
    catalog: catalog(),
    decisionPoint: () => ({
      version: point.version,
      authorize: (r) => (seen.push(r), point.authorize(r)),
    }),
    internalDomains: ['example.org'],
    allowedInternalDestinations: opts.allowed ?? [],
    ...(opts.resolver ? { resolveDestinations: opts.resolver } : {}),
  });
  return { svc, seen };
}

const fetchUrl = (svc: DecisionService, url: string, task = 't') =>
  svc.authorize({ principal: token(task), toolId: 'web/fetch', arguments: { url } });
const lastDestinations = (seen: DecisionRequest[]) => seen.at(-1)!.destinations;

describe('resolving destination names at decision time (resolveDestinations)', () => {
  const lookup = table({
    'rebind.attacker.example': ['169.254.169.254'],
    'mixed.example': ['93.184.216.34', '2001:db8::1', '10.1.2.3'],
    'www.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
    'v6meta.example': ['::ffff:169.254.169.254'],
    'db.attacker.example': ['10.1.2.3'],
  });

  test('a public name that resolves to cloud metadata is link_local and denied by mandate.deny-internal-network', async () => {
    const { svc, seen } = service({
      resolver: new DestinationResolver({ lookup, clock: new ManualClock() }),
    });
    const d = await fetchUrl(svc, 'http://rebind.attacker.example/latest/meta-data/');
    assert.deepEqual([d.outcome, d.reasons], ['deny', ['mandate.deny-internal-network']]);
    assert.deepEqual(lastDestinations(seen), [
      { host: 'rebind.attacker.example', external: true, network: 'link_local', allowed: false },
    ]);
    // Any internal address among several makes the name internal; an IPv6 form carrying one too.
    assert.deepEqual((await fetchUrl(svc, 'https://mixed.example/')).reasons, [
      'mandate.deny-internal-network',
    ]);
    assert.equal(lastDestinations(seen)![0]!.network, 'private');
    assert.deepEqual((await fetchUrl(svc, 'https://v6meta.example/')).reasons, [
      'mandate.deny-internal-network',
    ]);
    // A name with public addresses only is public, as before.
    assert.equal((await fetchUrl(svc, 'https://www.example.com/')).outcome, 'allow');
    assert.deepEqual(lastDestinations(seen), [
      { host: 'www.example.com', external: true, network: 'public', allowed: false },
    ]);
  });

  test('off (the default): names are classified by name alone and nothing is resolved', async () => {
    const { svc, seen } = service();
    assert.equal(
      (await fetchUrl(svc, 'http://rebind.attacker.example/latest/meta-data/')).outcome,
      'allow',
    );
    assert.deepEqual(lastDestinations(seen), [
      { host: 'rebind.attacker.example', external: true, network: 'public', allowed: false },
    ]);
  });

  test('allowedInternalDestinations applies to the resolved addresses (cidr) and to the name', async () => {
    const { svc, seen } = service({
      resolver: new DestinationResolver({ lookup, clock: new ManualClock() }),
      allowed: ['10.1.0.0/16', '169.254.169.254'],
    });
    assert.equal((await fetchUrl(svc, 'http://db.attacker.example/')).outcome, 'allow');
    assert.deepEqual(lastDestinations(seen), [
      { host: 'db.attacker.example', external: true, network: 'private', allowed: true },
    ]);
    assert.equal((await fetchUrl(svc, 'http://rebind.attacker.example/')).outcome, 'allow');
    // Every internal address must be allowed: 10.1.2.3 is, but that alone does not let 169.254.x through elsewhere.
    const partial = service({
      resolver: new DestinationResolver({ lookup, clock: new ManualClock() }),
      allowed: ['10.1.0.0/16'],
    });
    assert.deepEqual((await fetchUrl(partial.svc, 'http://rebind.attacker.example/')).reasons, [
      'mandate.deny-internal-network',
    ]);
    // A name the operator allowed (here: the tool's own catalog destination) is not looked up at all.
    const allowedName = table({ 'api.partner.example': ['10.9.9.9'] });
    const byName = service({
      resolver: new DestinationResolver({ lookup: allowedName, clock: new ManualClock() }),
    });
    assert.equal(
      (
        await byName.svc.authorize({
          principal: token('t'),
          toolId: 'web/partner',
          arguments: { url: 'https://api.partner.example/v1' },
        })
      ).outcome,
      'allow',
    );
    assert.deepEqual(allowedName.asked, []);
  });

  test('a resolved name stays external: the taint rule still denies it after confidential data', async () => {
    const { svc } = service({
      resolver: new DestinationResolver({ lookup, clock: new ManualClock() }),
      allowed: ['10.1.0.0/16', 'wiki.example.org'],
    });
    assert.equal(
      (await svc.authorize({ principal: token('x'), toolId: 'docs/secret' })).outcome,
      'allow',
    );
    // Allowed as internal, yet a name outside the operator's names: the tool may resolve it again and reach the attacker.
    assert.deepEqual((await fetchUrl(svc, 'http://db.attacker.example/', 'x')).reasons, [
      'mandate.no-external-after-confidential',
    ]);
    // Beside an allowed internal host seen first, it is still the destination the taint rule looks at.
    const both = await svc.authorize({
      principal: token('x'),
      toolId: 'web/fetch',
      arguments: { url: 'http://wiki.example.org/', next: 'http://db.attacker.example/' },
    });
    assert.deepEqual(both.reasons, ['mandate.no-external-after-confidential']);
  });

  test('a name that does not resolve, or not in time, is unknown: external, not internal', async () => {
    let fire: (() => void) | undefined;
    const slow: HostLookup = () => new Promise(() => undefined);
    const timer = (_ms: number, f: () => void) => ((fire = f), () => (fire = undefined));
    const hung = new DestinationResolver({ lookup: slow, clock: new ManualClock(), timer });
    const pending = hung.addresses('slow.example');
    await new Promise<void>((r) => setImmediate(r));
    assert.ok(fire, 'the per-lookup timeout was started');
    fire();
    assert.equal(await pending, null);

    const { svc, seen } = service({
      resolver: new DestinationResolver({ lookup, clock: new ManualClock() }),
    });
    assert.equal((await fetchUrl(svc, 'https://nxdomain.example/')).outcome, 'allow');
    assert.deepEqual(lastDestinations(seen), [
      { host: 'nxdomain.example', external: true, network: 'unknown', allowed: false },
    ]);
    assert.equal(
      (await svc.authorize({ principal: token('y'), toolId: 'docs/secret' })).outcome,
      'allow',
    );
    assert.deepEqual((await fetchUrl(svc, 'https://nxdomain.example/', 'y')).reasons, [
      'mandate.no-external-after-confidential',
    ]);
    // A resolver answering nothing usable (no address, not an address) fails the same way.
    assert.equal(
      placeByAddresses(
        { host: 'a.example', external: true, network: 'public', allowed: false },
        null,
        destinationRules([]).allowed,
      ).network,
      'unknown',
    );
    const junk = new DestinationResolver({
      lookup: async () => ['not-an-ip', ''],
      clock: new ManualClock(),
    });
    assert.equal(await junk.addresses('junk.example'), null);
  });

  test('only names a call connects to are resolved: ip literals, internal names, mailboxes and * are not', async () => {
    const asked = table({});
    const { svc } = service({
      resolver: new DestinationResolver({ lookup: asked, clock: new ManualClock() }),
    });
    await fetchUrl(svc, 'http://93.184.216.34/');
    await fetchUrl(svc, 'http://db.example.org/');
    await fetchUrl(svc, 'http://metadata/');
    await svc.authorize({
      principal: token('t'),
      toolId: 'mail/send',
      arguments: { to: 'bob@partner.example' },
    });
    assert.deepEqual(asked.asked, []);
    await fetchUrl(svc, 'https://Partner.Example./');
    assert.deepEqual(asked.asked, ['partner.example']);
  });

  test('answers are cached for the TTL on the injected clock, concurrent lookups share one, and the cache is bounded', async () => {
    const clock = new ManualClock();
    const answers = table({
      'a.example': ['93.184.216.34'],
      'b.example': ['93.184.216.35'],
      'c.example': ['93.184.216.36'],
    });
    const r = new DestinationResolver({ lookup: answers, clock, ttlMs: 30_000, maxEntries: 2 });
    await Promise.all([r.addresses('a.example'), r.addresses('a.example')]);
    assert.deepEqual(answers.asked, ['a.example']);
    clock.advance(29_999);
    assert.deepEqual(await r.addresses('a.example'), ['93.184.216.34']);
    assert.deepEqual(answers.asked, ['a.example']);
    clock.advance(1);
    await r.addresses('a.example');
    assert.deepEqual(answers.asked, ['a.example', 'a.example']);
    // A failure is cached too, so an unresolvable name does not cost a lookup on every call.
    await r.addresses('nx.example');
    await r.addresses('nx.example');
    assert.equal(answers.asked.filter((n) => n === 'nx.example').length, 1);
    // Beyond maxEntries the oldest answer leaves.
    await r.addresses('b.example');
    await r.addresses('c.example');
    assert.ok(r.size <= 2);
    await r.addresses('a.example');
    assert.equal(answers.asked.filter((n) => n === 'a.example').length, 3);
  });
});
