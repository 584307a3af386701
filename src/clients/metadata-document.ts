import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { jsonReadingProblem } from '../core/json-duplicates.js';
import { quote } from '../delegation/text.js';
import { readClientMetadata, type ClientMetadata } from './client-metadata.js';
import { freshnessMs } from './http-cache.js';
import type { FetchedDocument } from './metadata-fetch.js';

/**
 * Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document §4, MCP 2025-11-25):
 * the JSON a `client_id` URL serves, read into client metadata and kept while HTTP caching
 * allows (./http-cache.ts), on the injected clock. Concurrent resolutions of one URL share one
 * fetch. A failed fetch is not kept: the next request tries again.
 */

/**
 * The metadata of the document at `url`, as served in `body`; throws `invalid_client` saying
 * what is wrong with it.
 */
export function parseMetadataDocument(url: string, body: Buffer): ClientMetadata {
  const refuse = (why: string) =>
    new MandateError('invalid_client', `client metadata document ${quote(url)} ${why}`);
  let doc: unknown;
  const text = body.toString('utf8');
  try {
    doc = JSON.parse(text);
  } catch {
    throw refuse('is not json');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw refuse('is not a json object');
  const twice = jsonReadingProblem(text);
  if (twice) throw refuse(`has more than one reading: ${twice}`);
  const fields = doc as Record<string, unknown>;
  // §4.1: the document names itself, compared as a string, so that no other URL can speak for it.
  if (fields.client_id !== url)
    throw refuse(
      typeof fields.client_id === 'string'
        ? `names another client_id, ${quote(fields.client_id)}`
        : 'has no `client_id`',
    );
  const read = readClientMetadata(fields, 'document', 'native');
  if ('error' in read)
    throw refuse(`has an invalid \`${read.error.field}\`: ${read.error.problem}`);
  return read.value;
}

export interface MetadataDocumentsOptions {
  clock: Clock;
  /** GETs the document (./metadata-fetch.ts, with its network rules and bounds). */
  fetch: (url: URL) => Promise<FetchedDocument>;
  /** Documents kept at most; the oldest leaves beyond. Default 1,000. */
  maxEntries?: number;
}

/** The cache of fetched documents. */
export class MetadataDocuments {
  readonly #o: MetadataDocumentsOptions;
  // Insertion order is age: the first key is the oldest.
  readonly #cache = new Map<string, { metadata: ClientMetadata; freshUntil: number }>();
  readonly #pending = new Map<string, Promise<ClientMetadata>>();

  constructor(options: MetadataDocumentsOptions) {
    this.#o = options;
  }

  /** Documents cached now. */
  get size(): number {
    return this.#cache.size;
  }

  /** The metadata at `url` (a valid client ID URL), from the cache while fresh, else fetched. */
  get(url: string): Promise<ClientMetadata> {
    const hit = this.#cache.get(url);
    if (hit && this.#o.clock.now() < hit.freshUntil) return Promise.resolve(hit.metadata);
    const pending = this.#pending.get(url);
    if (pending) return pending;
    const fetching = this.#fetch(url).finally(() => this.#pending.delete(url));
    this.#pending.set(url, fetching);
    return fetching;
  }

  /** Forgets a cached document (a client revoked: nothing of it is served again). */
  forget(url: string): void {
    this.#cache.delete(url);
  }

  async #fetch(url: string): Promise<ClientMetadata> {
    const fetched = await this.#o.fetch(new URL(url));
    const metadata = parseMetadataDocument(url, fetched.body);
    const now = this.#o.clock.now();
    this.#cache.delete(url);
    this.#cache.set(url, { metadata, freshUntil: now + freshnessMs(fetched.headers, now) });
    while (this.#cache.size > (this.#o.maxEntries ?? 1000))
      this.#cache.delete(this.#cache.keys().next().value!);
    return metadata;
  }
}
