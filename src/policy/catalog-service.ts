import type { Clock } from '../core/clock.js';
import type { Store } from '../core/store/index.js';
import { ToolCatalog, type CatalogTool, type McpToolDescription, type ToolAnnotation, type ToolChange } from './tool-catalog.js';

/**
 * The tool catalog, persisted and audited. `ToolCatalog` is the in-memory index the decision
 * point reads on every call; this service is the only writer: each change is applied in memory,
 * stored and audited in one transaction, and put back as it was if that transaction fails. At
 * start `load` replays what the store holds, so learned tools and operator annotations survive
 * a restart.
 *
 * A changed definition of a listed tool (description, schemas, hints) is audited with the
 * fields that changed: the trace of a rug pull or tool poisoning at an upstream server.
 */

export interface CatalogChangeOptions {
  /** Operator annotations by tool name, merged over those held. */
  annotations?: Record<string, ToolAnnotation>;
  /** Who made the change: `admin`, `gateway`, … */
  actor?: string;
  requestId?: string | null;
}

export class CatalogService {
  readonly catalog: ToolCatalog;
  readonly #store: Store;
  readonly #clock: Clock;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: Store, clock: Clock, catalog: ToolCatalog = new ToolCatalog()) {
    this.#store = store;
    this.#clock = clock;
    this.catalog = catalog;
  }

  /** Replays every stored server into the in-memory catalog. */
  async load(): Promise<void> {
    for (const r of await this.#store.read.toolServers.list()) {
      this.catalog.upsertServerTools(r.server, r.tools as McpToolDescription[], r.annotations as Record<string, ToolAnnotation>);
    }
  }

  /**
   * Replaces `server`'s tools with its current `tools/list` (an empty list removes the
   * server). Throws `invalid_request` naming the bad field and changes nothing. Audited as
   * `tool_catalog.sync` when anything changed.
   */
  sync(server: string, tools: readonly McpToolDescription[], opts: CatalogChangeOptions = {}): Promise<ToolChange[]> {
    return this.#serially(server, () => this.catalog.upsertServerTools(server, tools, opts.annotations ?? {}), (changes) => changes.length > 0, (changes) => ({
      action: 'tool_catalog.sync',
      target: server,
      details: { changes: changes.map((c) => ({ type: c.type, tool: c.toolId, fields: c.fields, digest: c.digest, previous_digest: c.previousDigest })) },
    }), opts);
  }

  /** Merges an operator annotation into a listed tool; audited as `tool_catalog.annotate`. */
  async annotate(toolId: string, annotation: ToolAnnotation, opts: Omit<CatalogChangeOptions, 'annotations'> = {}): Promise<CatalogTool> {
    const server = toolId.slice(0, Math.max(0, toolId.indexOf('/')));
    return this.#serially(server, () => this.catalog.annotate(toolId, annotation), () => true, (tool) => ({
      action: 'tool_catalog.annotate',
      target: tool.id,
      details: { side_effect: tool.sideEffect, classification: tool.classification, destinations: tool.destinations, labels: tool.labels, defaulted: tool.defaulted },
    }), opts);
  }

  get(toolId: string): CatalogTool | undefined {
    return this.catalog.get(toolId);
  }

  list(server?: string): CatalogTool[] {
    return this.catalog.list(server);
  }

  /** One change at a time, so the in-memory catalog and the stored one move in the same order. */
  #serially<T>(server: string, apply: () => T, changed: (r: T) => boolean, event: (r: T) => { action: string; target: string; details: Record<string, unknown> }, opts: Omit<CatalogChangeOptions, 'annotations'>): Promise<T> {
    const run = this.#queue.then(async () => {
      const before = this.catalog.exportServer(server);
      const result = apply();
      if (!changed(result)) return result;
      const now = this.#clock.now();
      const after = this.catalog.exportServer(server);
      const actor = opts.actor ?? 'admin';
      try {
        await this.#store.transaction(async (tx) => {
          if (after.tools.length === 0) await tx.toolServers.delete(server);
          else await tx.toolServers.upsert({ server, tools: after.tools, annotations: after.annotations, updatedAt: now, updatedBy: actor });
          const e = event(result);
          await tx.audit.append({ actor, action: e.action, target: e.target, outcome: 'success', requestId: opts.requestId ?? null, details: e.details });
        });
      } catch (err) {
        // INVARIANT: memory never holds what the store does not; put the server back as it was.
        this.catalog.upsertServerTools(server, [], {});
        if (before.tools.length > 0) this.catalog.upsertServerTools(server, before.tools, before.annotations);
        throw err;
      }
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
