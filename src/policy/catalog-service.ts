import type { Clock } from '../core/clock.js';
import type { AuditAction } from '../core/audit-actions.js';
import type { Store } from '../core/store/index.js';
import {
  ToolCatalog,
  type CatalogTool,
  type McpToolDescription,
  type ToolAnnotation,
  type ToolChange,
} from './tool-catalog.js';

/**
 * The tool catalog, persisted and audited. `ToolCatalog` is the in-memory index the decision
 * point reads on every call; this service is the only writer: each change is applied in memory,
 * stored and audited in one transaction, and put back as it was if that transaction fails. At
 * start `load` replays what the store holds, so learned tools and operator annotations survive
 * a restart.
 *
 * A changed definition of a listed tool (description, schemas, hints) is audited with the
 * fields that changed: the trace of a rug pull or tool poisoning at an upstream server. A
 * trusted server's changed hint holds its tool at the defaults until reviewed, audited on its
 * own as `tool_catalog.hint_change`.
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
  /**
   * Operator annotations by server and tool name, including tools an upstream no longer lists:
   * a tool that drops out of `tools/list` for a while gets its annotations back when it returns.
   */
  readonly #annotations = new Map<string, Record<string, ToolAnnotation>>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: Store, clock: Clock, catalog: ToolCatalog = new ToolCatalog()) {
    this.#store = store;
    this.#clock = clock;
    this.catalog = catalog;
  }

  /** Replays every stored server into the in-memory catalog. */
  async load(): Promise<void> {
    for (const r of await this.#store.read.toolServers.list()) {
      const annotations = r.annotations as Record<string, ToolAnnotation>;
      this.#annotations.set(r.server, annotations);
      const tools = r.tools as McpToolDescription[];
      this.catalog.upsertServerTools(r.server, tools, listed(annotations, tools));
    }
  }

  /**
   * Replaces `server`'s tools with its current `tools/list` (an empty list removes its tools;
   * the operator's annotations are kept for when they return). Throws `invalid_request` naming
   * the bad field and changes nothing. Audited as `tool_catalog.sync` when anything changed.
   */
  sync(
    server: string,
    tools: readonly McpToolDescription[],
    opts: CatalogChangeOptions = {},
  ): Promise<ToolChange[]> {
    return this.#serially(
      server,
      (scratch) => {
        // Tools coming back get the annotations they had; what the caller gives applies over them.
        const held = this.#annotations.get(server) ?? {};
        const returning = Array.isArray(tools)
          ? tools.filter(
              (t) =>
                typeof t?.name === 'string' &&
                !scratch.get(`${server}/${t.name}`) &&
                Object.hasOwn(held, t.name),
            )
          : [];
        const restored = Object.fromEntries(
          returning.map((t) => [t.name, held[t.name] as ToolAnnotation]),
        );
        const given = opts.annotations ?? {};
        const merged = { ...restored, ...given };
        for (const name of Object.keys(given))
          if (restored[name]) merged[name] = { ...restored[name], ...given[name] };
        return scratch.upsertServerTools(server, tools, merged);
      },
      (changes) => changes.length > 0,
      (changes, scratch) => [
        {
          action: 'tool_catalog.sync',
          target: server,
          details: {
            changes: changes.map((c) => ({
              type: c.type,
              tool: c.toolId,
              fields: c.fields,
              digest: c.digest,
              previous_digest: c.previousDigest,
            })),
          },
        },
        ...changes
          .filter((c) => c.hintChanged)
          .map((c) => scratch.get(c.toolId))
          .filter((t) => t !== undefined)
          .map((t) => ({
            action: 'tool_catalog.hint_change' as const,
            target: t.id,
            details: {
              hints: t.hints,
              reviewed_hints: t.reviewedHints ?? null,
              held: (['sideEffect', 'destinations'] as const).filter(
                (k) => t.sources[k] === 'hint-changed',
              ),
              side_effect: t.sideEffect,
              destinations: t.destinations,
            },
          })),
      ],
      opts,
    );
  }

  /** Merges an operator annotation into a listed tool; audited as `tool_catalog.annotate`. */
  async annotate(
    toolId: string,
    annotation: ToolAnnotation,
    opts: Omit<CatalogChangeOptions, 'annotations'> = {},
  ): Promise<CatalogTool> {
    const server = toolId.slice(0, Math.max(0, toolId.indexOf('/')));
    return this.#serially(
      server,
      (scratch) => scratch.annotate(toolId, annotation),
      () => true,
      (tool) => [{ action: 'tool_catalog.annotate', target: tool.id, details: toolDetails(tool) }],
      opts,
    );
  }

  /**
   * Accepts the hints a trusted server's tool lists now as reviewed (they set its attributes
   * again after a change); audited as `tool_catalog.review`. Throws `invalid_request` for a tool
   * of a server not trusted for hints, `not_found` for one not in the catalog.
   */
  async review(
    toolId: string,
    opts: Omit<CatalogChangeOptions, 'annotations'> = {},
  ): Promise<CatalogTool> {
    const server = toolId.slice(0, Math.max(0, toolId.indexOf('/')));
    let previous: CatalogTool | undefined;
    return this.#serially(
      server,
      (scratch) => {
        previous = scratch.get(toolId);
        return scratch.review(toolId);
      },
      () => true,
      (tool) => [
        {
          action: 'tool_catalog.review',
          target: tool.id,
          details: {
            ...toolDetails(tool),
            previous_reviewed_hints: previous?.reviewedHints ?? null,
          },
        },
      ],
      opts,
    );
  }

  get(toolId: string): CatalogTool | undefined {
    return this.catalog.get(toolId);
  }

  list(server?: string): CatalogTool[] {
    return this.catalog.list(server);
  }

  /**
   * One change at a time. The change is worked out on a scratch copy of the server, stored and
   * audited, and only then swapped into the live catalog, synchronously: a decision never sees
   * a state that the store might not keep.
   */
  #serially<T>(
    server: string,
    apply: (scratch: ToolCatalog) => T,
    changed: (r: T) => boolean,
    events: (
      r: T,
      scratch: ToolCatalog,
    ) => { action: AuditAction; target: string; details: Record<string, unknown> }[],
    opts: Omit<CatalogChangeOptions, 'annotations'>,
  ): Promise<T> {
    const run = this.#queue.then(async () => {
      const before = this.catalog.exportServer(server);
      const scratch = new ToolCatalog({ trustsHints: this.catalog.trustsHints });
      if (before.tools.length > 0)
        scratch.upsertServerTools(server, before.tools, before.annotations);
      const result = apply(scratch);
      if (!changed(result)) return result;
      const after = scratch.exportServer(server);
      const annotations = { ...this.#annotations.get(server), ...after.annotations };
      const actor = opts.actor ?? 'admin';
      await this.#store.transaction(async (tx) => {
        if (after.tools.length === 0 && Object.keys(annotations).length === 0)
          await tx.toolServers.delete(server);
        else
          await tx.toolServers.upsert({
            server,
            tools: after.tools,
            annotations,
            updatedAt: this.#clock.now(),
            updatedBy: actor,
          });
        for (const e of events(result, scratch))
          await tx.audit.append({
            actor,
            action: e.action,
            target: e.target,
            outcome: 'success',
            requestId: opts.requestId ?? null,
            details: e.details,
          });
      });
      // INVARIANT: nothing awaits from here on, so no decision sees the server half swapped.
      this.catalog.upsertServerTools(server, [], {});
      if (after.tools.length > 0)
        this.catalog.upsertServerTools(server, after.tools, after.annotations);
      this.#annotations.set(server, annotations);
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** What an annotation or a review leaves a tool as, for its audit event. */
function toolDetails(tool: CatalogTool): Record<string, unknown> {
  return {
    side_effect: tool.sideEffect,
    classification: tool.classification,
    destinations: tool.destinations,
    labels: tool.labels,
    defaulted: tool.defaulted,
    source: tool.source,
    ...(tool.hintsTrusted ? { reviewed_hints: tool.reviewedHints ?? null } : {}),
  };
}

/** The annotations of the tools in `tools` (the catalog refuses annotations of unlisted tools). */
function listed(
  annotations: Record<string, ToolAnnotation>,
  tools: readonly McpToolDescription[],
): Record<string, ToolAnnotation> {
  const names = new Set(tools.map((t) => t.name));
  return Object.fromEntries(Object.entries(annotations).filter(([name]) => names.has(name)));
}
