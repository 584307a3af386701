import { CLASSIFICATIONS, classificationRank, type Classification } from './classification.js';
import { z } from 'zod';
import { canonicalDigest, canonicalJson } from '../core/canonical-json.js';
import { MandateError } from '../core/errors.js';
import { normalizeHost } from '../core/host.js';
import { describeIssue } from '../core/validation.js';
import {
  defaultExtractors,
  EXTRACTOR_KINDS,
  parseExtractorPath,
  type ArgumentExtractor,
} from './argument-extractors.js';
import {
  attributesFromHints,
  hintsOf,
  sameHints,
  toolHintsSchema,
  toolSource,
  type AttributeSource,
  type ToolHints,
} from './tool-hints.js';

/**
 * The tool catalog: what each MCP server's `tools/list` says a tool is, plus what the operator
 * says about it. The server's word (name, description, schemas, MCP `annotations` hints) is
 * untrusted and only digested, so a changed definition shows up as a supply-chain signal; the
 * attributes policy relies on (side effect, classification, destinations) come from the operator,
 * then, for a server the operator trusts with `trustHints`, from its hints as last reviewed
 * (./tool-hints.ts), and otherwise take the most restrictive reading (see DEFAULTS).
 */

export type SideEffect = 'read' | 'write' | 'destructive';
export const SIDE_EFFECTS = [
  'read',
  'write',
  'destructive',
] as const satisfies readonly SideEffect[];

/** Classification of the data a tool returns, lowest first (one definition: ./classification.ts). */
export { CLASSIFICATIONS, classificationRank, type Classification };

/**
 * Attributes of an unannotated tool. Each is the reading under which a mistake costs an
 * approval or a denial rather than a leak:
 * - `sideEffect: 'destructive'`: MCP itself assumes `destructiveHint: true` when a server says
 *   nothing, and a server's hints count only when the operator trusts it (./tool-hints.ts); so
 *   an unannotated tool meets the rules for destructive tools (the default pack asks for
 *   approval) until an operator, or a trusted server's reviewed hints, say otherwise.
 * - `classification: 'confidential'`: data of unknown sensitivity taints the task as
 *   confidential, so the default pack's "no external send after reading confidential data" holds
 *   for it. `restricted` stays reserved for data an operator designates as such.
 * - `destinations: ['*']`: it may reach any host (`*` is always external).
 * - extractors: derived from the input schema's argument names (`defaultExtractors`).
 */
export const DEFAULTS = Object.freeze({
  sideEffect: 'destructive' as SideEffect,
  classification: 'confidential' as Classification,
  destinations: Object.freeze(['*']) as readonly string[],
});

export const MAX_TOOLS_PER_SERVER = 5000;
/** Canonical JSON size limit of one tool's definition. */
export const MAX_DEFINITION_BYTES = 256 * 1024;

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u;
// Printable ASCII without space, `"`, `\` (RFC 6749 §3.3 scope characters) and `*` (a scope wildcard).
const TOOL_NAME = /^[\x21\x23-\x29\x2b-\x5b\x5d-\x7e]{1,128}$/u;
const SERVER_NAME_RULE =
  'must be 1-64 characters of letters, digits, `.`, `_` or `-`, starting with a letter or digit';
const TOOL_NAME_RULE = 'must be 1-128 printable ascii characters without space, `"`, `\\` or `*`';

const jsonObject = z.record(z.string(), z.unknown());
const mcpToolSchema = z.object({
  name: z.string().regex(TOOL_NAME, TOOL_NAME_RULE),
  title: z.string().max(1024).optional(),
  description: z
    .string()
    .max(64 * 1024)
    .optional(),
  inputSchema: z.looseObject({ type: z.literal('object'), properties: jsonObject.optional() }),
  outputSchema: jsonObject.optional(),
  // MCP ToolAnnotations: hints only, untrusted (MCP spec, "Tool annotations").
  annotations: z
    .looseObject({
      title: z.string().optional(),
      readOnlyHint: z.boolean().optional(),
      destructiveHint: z.boolean().optional(),
      idempotentHint: z.boolean().optional(),
      openWorldHint: z.boolean().optional(),
    })
    .optional(),
});

/** A tool as an MCP server's `tools/list` describes it (fields other than these are ignored). */
export type McpToolDescription = z.input<typeof mcpToolSchema>;

const destination = z.string().transform((d, ctx) => {
  const wildcard = d.startsWith('*.');
  const host = d === '*' ? '*' : normalizeHost(wildcard ? d.slice(2) : d);
  if (host === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `\`${d.slice(0, 80)}\` must be a host name, an ip address, \`*\` or \`*.domain\``,
    });
    return z.NEVER;
  }
  return wildcard ? `*.${host}` : host;
});
const extractorPath = z.string().superRefine((p, ctx) => {
  try {
    parseExtractorPath(p);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be keys joined by `.`, with `[*]` or `[n]` for arrays',
    });
  }
});
const annotationSchema = z.strictObject({
  sideEffect: z.enum(SIDE_EFFECTS).optional(),
  classification: z.enum(CLASSIFICATIONS).optional(),
  destinations: z.array(destination).max(256).optional(),
  labels: z
    .record(z.string().min(1).max(128), z.string().max(1024))
    .refine((l) => Object.keys(l).length <= 64, 'must have at most 64 labels')
    .optional(),
  // `root`: the directory a `path` extractor resolves relative paths against (absolute, without `..`).
  extractors: z
    .array(
      z.strictObject({
        path: extractorPath,
        kind: z.enum(EXTRACTOR_KINDS),
        root: z
          .string()
          .max(1024)
          .regex(/^\/(?!.*(?:^|\/)\.\.(?:\/|$))[^\\\0]*$/u, 'must be an absolute path without `..`')
          .optional(),
      }),
    )
    .max(64)
    .optional(),
  // The counted MCP hints accepted at the last review (./tool-hints.ts): written on a trusted
  // server's first listing of the tool, by `review` and by `annotate`.
  reviewedHints: toolHintsSchema.optional(),
});

/** What an operator says about a tool. Every field is optional; absent fields keep their value. */
export type ToolAnnotation = z.input<typeof annotationSchema>;
type ParsedAnnotation = z.output<typeof annotationSchema>;

const DEFINITION_FIELDS = [
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
] as const;
export type ToolField = (typeof DEFINITION_FIELDS)[number];

const DEFAULTED_FIELDS = ['sideEffect', 'classification', 'destinations', 'extractors'] as const;

/** Where each policy attribute of a tool came from. */
export interface AttributeSources {
  readonly sideEffect: AttributeSource;
  readonly classification: AttributeSource;
  readonly destinations: AttributeSource;
}
export type { AttributeSource, ToolHints };

/** A tool as policy sees it. Frozen. */
export interface CatalogTool {
  /** `<server>/<tool>`. */
  readonly id: string;
  readonly server: string;
  readonly name: string;
  /** The scope that grants it: `tool:<server>/<tool>`. */
  readonly scope: string;
  readonly title: string | undefined;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly outputSchema: Readonly<Record<string, unknown>> | undefined;
  /** The server's MCP annotations (readOnlyHint, destructiveHint, ...) as listed, shown whole. */
  readonly serverHints: Readonly<Record<string, unknown>> | undefined;
  /** The hints that can set attributes (readOnlyHint, destructiveHint, openWorldHint), as declared now. */
  readonly hints: ToolHints;
  /** The operator trusts this server's hints (`trustHints`). */
  readonly hintsTrusted: boolean;
  /** The hints accepted at the last review; undefined until the server's hints are trusted. */
  readonly reviewedHints: ToolHints | undefined;
  /** Trusted, and `hints` differ from `reviewedHints`: the hints set nothing until reviewed. */
  readonly hintChanged: boolean;
  /** The operator's annotation (`annotate`, the `annotations` setting), without the review record. */
  readonly annotation: Readonly<Omit<ToolAnnotation, 'reviewedHints'>>;
  readonly sideEffect: SideEffect;
  readonly classification: Classification;
  readonly destinations: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly extractors: readonly ArgumentExtractor[];
  /** Attributes that hold DEFAULTS because neither the operator nor a trusted hint set them. */
  readonly defaulted: readonly (typeof DEFAULTED_FIELDS)[number][];
  readonly sources: AttributeSources;
  /** One word for the whole tool (`toolSource` in ./tool-hints.ts). */
  readonly source: AttributeSource;
  /** Lowercase hex SHA-256 of the RFC 8785 canonical JSON of the server's definition. */
  readonly digest: string;
}

/**
 * One difference a `tools/list` made. `fields` names the definition fields that changed and
 * `operator` when the change was to the operator's annotation; a changed description or
 * schema of an existing tool is the signature of a rug pull or tool poisoning.
 */
export interface ToolChange {
  readonly type: 'added' | 'removed' | 'changed';
  readonly toolId: string;
  readonly digest: string | null;
  readonly previousDigest: string | null;
  readonly fields: readonly (ToolField | 'operator')[];
  /** Present when this listing holds the tool at its defaults for a trusted hint that changed since its review. */
  readonly hintChanged?: true;
}

type Definition = z.output<typeof mcpToolSchema>;
interface Entry {
  readonly definition: Definition;
  readonly operator: ParsedAnnotation;
  readonly tool: CatalogTool;
}

/** A bad field, named as `prefix.key[index]...`, and what is wrong with it. */
interface Problem {
  field: string;
  message: string;
}

type Checked<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** Parses, or names every bad field as `prefix.key[index]...`. */
function checkField<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: string,
): Checked<z.output<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const { field, problem } = describeIssue(issue, prefix);
      return { field, message: problem };
    }),
  };
}

/** The value, or `invalid_request` naming the first bad field. */
function orThrow<T>(checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  const first = checked.problems[0];
  throw invalid(first?.field ?? 'tools', first?.message ?? 'is invalid');
}

const problemText = (p: Problem) => `\`${p.field}\` ${p.message}`;

function invalid(field: string, message: string): MandateError {
  return new MandateError('invalid_request', problemText({ field, message }), { field });
}

/** The `i`th tool of a list: parsed and detached, or what is wrong with it. */
function checkDefinition(input: unknown, i: number): Checked<Definition> {
  const parsed = checkField(mcpToolSchema, input, `tools[${i}]`);
  if (!parsed.ok) return parsed;
  return detach(parsed.value, `tools[${i}]`);
}

/** What is wrong with a list as a whole (then nothing of it is taken): throws `invalid_request`. */
function checkList(server: string, tools: readonly unknown[], annotations: unknown): void {
  if (typeof server !== 'string' || !SERVER_NAME.test(server))
    throw invalid('server', SERVER_NAME_RULE);
  if (!Array.isArray(tools)) throw invalid('tools', 'must be an array');
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations))
    throw invalid('annotations', 'must be an object keyed by tool name');
  if (tools.length > MAX_TOOLS_PER_SERVER)
    throw invalid('tools', `must have at most ${MAX_TOOLS_PER_SERVER} tools`);
}

/** What the catalog says of one listed tool, or of one operator annotation: taken, or why not. */
export type ToolCheck = { tool: string; ok: true } | { tool: string; problems: string[] };

/** Each tool of a server's list and each annotation, checked on its own. */
export interface ServerToolsCheck {
  /** One per listed tool, in list order; `tool` is its name, or `tools[i]` when it has none. */
  tools: ToolCheck[];
  /** One per annotation given, by tool name; one for a tool the list does not give (or that is refused) is refused. */
  annotations: ToolCheck[];
  /** What the catalog takes: the tools and the annotations checked ok, for `upsertServerTools`. */
  accepted: { tools: McpToolDescription[]; annotations: Record<string, ToolAnnotation> };
}

/**
 * Checks each tool of `server`'s `tools/list` and each operator annotation on its own, with the
 * rules of `upsertServerTools`, so that an enforcement point can take the good ones and report
 * the others by name. Throws `invalid_request` only for what makes the whole list unusable (the
 * server name, a list that is not an array, more than MAX_TOOLS_PER_SERVER tools).
 *
 * @example
 * const check = checkServerTools('mail', [send, { name: 'bad name', inputSchema: { type: 'object' } }]);
 * check.tools // [{ tool: 'send', ok: true }, { tool: 'bad name', problems: ['`tools[1].name` must be …'] }]
 * catalog.upsertServerTools('mail', check.accepted.tools, check.accepted.annotations);
 */
export function checkServerTools(
  server: string,
  tools: readonly McpToolDescription[],
  annotations: Record<string, ToolAnnotation> = {},
): ServerToolsCheck {
  checkList(server, tools, annotations);
  const taken = new Set<string>();
  const result: ServerToolsCheck = {
    tools: [],
    annotations: [],
    accepted: { tools: [], annotations: {} },
  };
  tools.forEach((input, i) => {
    const name: unknown = (input as { name?: unknown } | null)?.name;
    const label = typeof name === 'string' ? name : `tools[${i}]`;
    const def = checkDefinition(input, i);
    if (!def.ok)
      return void result.tools.push({ tool: label, problems: def.problems.map(problemText) });
    if (taken.has(def.value.name))
      return void result.tools.push({
        tool: label,
        problems: [
          problemText({ field: `tools[${i}].name`, message: `duplicates \`${def.value.name}\`` }),
        ],
      });
    taken.add(def.value.name);
    result.tools.push({ tool: def.value.name, ok: true });
    result.accepted.tools.push(input);
  });
  for (const [name, annotation] of Object.entries(annotations)) {
    const checked: Checked<unknown> = taken.has(name)
      ? checkField(annotationSchema, annotation, `annotations.${name}`)
      : {
          ok: false,
          problems: [
            { field: `annotations.${name}`, message: `names no tool in \`${server}\`'s list` },
          ],
        };
    if (!checked.ok)
      result.annotations.push({ tool: name, problems: checked.problems.map(problemText) });
    else {
      result.annotations.push({ tool: name, ok: true });
      result.accepted.annotations[name] = annotation;
    }
  }
  return result;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Splits `<server>/<tool>`, or undefined when it is not a valid tool id. */
export function parseToolId(toolId: string): { server: string; name: string } | undefined {
  const slash = toolId.indexOf('/');
  const server = toolId.slice(0, slash);
  const name = toolId.slice(slash + 1);
  return slash > 0 && SERVER_NAME.test(server) && TOOL_NAME.test(name)
    ? { server, name }
    : undefined;
}

function build(
  server: string,
  def: Definition,
  op: ParsedAnnotation,
  digest: string,
  trusted: boolean,
): CatalogTool {
  const id = `${server}/${def.name}`;
  const hints = hintsOf(def.annotations);
  const hintChanged =
    trusted && op.reviewedHints !== undefined && !sameHints(hints, op.reviewedHints);
  const hinted = trusted && !hintChanged ? attributesFromHints(hints) : {};
  // Operator, then a trusted hint as reviewed, then the default; a changed hint sets nothing.
  const sourceOf = (k: 'sideEffect' | 'classification' | 'destinations'): AttributeSource =>
    op[k] !== undefined
      ? 'operator'
      : k !== 'classification' && hinted[k] !== undefined
        ? 'upstream-hint'
        : hintChanged && k !== 'classification'
          ? 'hint-changed'
          : 'default';
  const sources = {
    sideEffect: sourceOf('sideEffect'),
    classification: sourceOf('classification'),
    destinations: sourceOf('destinations'),
  };
  const { reviewedHints, ...annotation } = op;
  return deepFreeze({
    id,
    server,
    name: def.name,
    scope: `tool:${id}`,
    title: def.title,
    description: def.description ?? '',
    inputSchema: def.inputSchema,
    outputSchema: def.outputSchema,
    serverHints: def.annotations,
    hints,
    hintsTrusted: trusted,
    reviewedHints,
    hintChanged,
    annotation,
    sideEffect: op.sideEffect ?? hinted.sideEffect ?? DEFAULTS.sideEffect,
    classification: op.classification ?? DEFAULTS.classification,
    destinations: op.destinations ?? hinted.destinations ?? [...DEFAULTS.destinations],
    labels: { ...op.labels },
    extractors: op.extractors ?? defaultExtractors(def.inputSchema),
    defaulted: DEFAULTED_FIELDS.filter((k) =>
      k === 'extractors'
        ? op.extractors === undefined
        : sources[k] === 'default' || sources[k] === 'hint-changed',
    ),
    sources,
    source: toolSource(Object.values(sources)),
    digest,
  });
}

/**
 * The catalog of every server's tools, keyed `<server>/<tool>`. In memory; the owner persists
 * what it needs and replays it through `upsertServerTools`.
 *
 * @example
 * const catalog = new ToolCatalog();
 * catalog.upsertServerTools('mail', [{ name: 'send', inputSchema: { type: 'object', properties: { to: { type: 'string' } } } }], { send: { sideEffect: 'write', classification: 'internal' } });
 * catalog.get('mail/send')?.extractors // [{ path: 'to', kind: 'email' }]
 */
export class ToolCatalog {
  readonly #servers = new Map<string, Map<string, Entry>>();
  /** Whether a server's MCP hints may set its tools' attributes (the gateway's `trustHints`). */
  readonly trustsHints: (server: string) => boolean;

  constructor(opts: { trustsHints?: (server: string) => boolean } = {}) {
    this.trustsHints = opts.trustsHints ?? (() => false);
  }

  /**
   * Replaces everything known about `server`'s tools with its current `tools/list`, applying
   * `annotations` (by tool name) over the operator annotations already held, field by field
   * (a given `labels` or `extractors` replaces the old one whole). Atomic: any invalid
   * tool or annotation throws `invalid_request` naming the field and changes nothing.
   * Returns the differences, sorted by tool id; an empty list removes the server.
   *
   * For a server whose hints are trusted, a tool without reviewed hints takes the ones it lists
   * now as reviewed (trust on first use: the operator trusted the server); a tool whose hints
   * differ from the reviewed ones is held at its defaults, reported as `hintChanged`.
   */
  upsertServerTools(
    server: string,
    tools: readonly McpToolDescription[],
    annotations: Record<string, ToolAnnotation> = {},
  ): ToolChange[] {
    checkList(server, tools, annotations);
    const previous = this.#servers.get(server) ?? new Map<string, Entry>();
    const next = new Map<string, Entry>();
    const changes: ToolChange[] = [];
    const trusted = this.trustsHints(server);
    tools.forEach((input, i) => {
      const def = orThrow(checkDefinition(input, i));
      if (next.has(def.name)) throw invalid(`tools[${i}].name`, `duplicates \`${def.name}\``);
      const digest = canonicalDigest(def);
      const before = previous.get(def.name);
      const given = Object.hasOwn(annotations, def.name)
        ? orThrow(checkField(annotationSchema, annotations[def.name], `annotations.${def.name}`))
        : {};
      const operator = { ...before?.operator, ...given };
      if (trusted && operator.reviewedHints === undefined)
        operator.reviewedHints = hintsOf(def.annotations);
      const tool = build(server, def, operator, digest, trusted);
      next.set(def.name, { definition: def, operator, tool });
      // Held for a changed hint now, and it was not, or its hints changed again meanwhile.
      const held =
        tool.hintChanged &&
        (before?.tool.hintChanged !== true || !sameHints(before.tool.hints, tool.hints))
          ? { hintChanged: true as const }
          : {};
      const fields: ToolChange['fields'][number][] = before
        ? DEFINITION_FIELDS.filter(
            (f) => canonicalJson(before.definition[f] ?? null) !== canonicalJson(def[f] ?? null),
          )
        : [];
      if (before && canonicalJson(before.operator) !== canonicalJson(operator))
        fields.push('operator');
      if (!before)
        changes.push({
          type: 'added',
          toolId: `${server}/${def.name}`,
          digest,
          previousDigest: null,
          fields: [],
          ...held,
        });
      else if (fields.length > 0)
        changes.push({
          type: 'changed',
          toolId: `${server}/${def.name}`,
          digest,
          previousDigest: before.tool.digest,
          fields,
          ...held,
        });
    });
    const stray = Object.keys(annotations).find((name) => !next.has(name));
    if (stray !== undefined)
      throw invalid(`annotations.${stray}`, `names no tool in \`${server}\`'s list`);
    for (const [name, entry] of previous) {
      if (!next.has(name))
        changes.push({
          type: 'removed',
          toolId: `${server}/${name}`,
          digest: null,
          previousDigest: entry.tool.digest,
          fields: [],
        });
    }
    if (next.size === 0) this.#servers.delete(server);
    else this.#servers.set(server, next);
    return changes.sort((a, b) => (a.toolId < b.toolId ? -1 : a.toolId > b.toolId ? 1 : 0));
  }

  /**
   * Merges an operator annotation into a listed tool and returns the tool as it now is. For a
   * server whose hints are trusted it is also a review: the hints listed now become the
   * reviewed ones (unless the annotation names `reviewedHints` itself). Throws
   * `invalid_request` for a bad annotation, `not_found` for a tool not in the catalog.
   */
  annotate(toolId: string, annotation: ToolAnnotation): CatalogTool {
    const { id, entry } = this.#entry(toolId);
    const given = orThrow(checkField(annotationSchema, annotation, 'annotation'));
    const trusted = this.trustsHints(id.server);
    const operator = { ...entry.operator, ...given };
    if (trusted && given.reviewedHints === undefined)
      operator.reviewedHints = hintsOf(entry.definition.annotations);
    const tool = build(id.server, entry.definition, operator, entry.tool.digest, trusted);
    this.#servers.get(id.server)?.set(id.name, { ...entry, operator, tool });
    return tool;
  }

  /**
   * Accepts the hints a tool lists now as reviewed, so they set its attributes again after a
   * change. Throws `invalid_request` when the tool's server is not trusted for hints (there is
   * nothing to review), `not_found` for a tool not in the catalog.
   */
  review(toolId: string): CatalogTool {
    const { id } = this.#entry(toolId);
    if (!this.trustsHints(id.server))
      throw new MandateError(
        'invalid_request',
        `\`${id.server}\` is not trusted for hints (\`trustHints\`), so \`${toolId}\` has none to review; annotate it instead`,
        { toolId },
      );
    return this.annotate(toolId, {});
  }

  #entry(toolId: string): { id: { server: string; name: string }; entry: Entry } {
    const id = parseToolId(toolId);
    const entry = id && this.#servers.get(id.server)?.get(id.name);
    if (!id || !entry)
      throw new MandateError('not_found', `no tool \`${toolId.slice(0, 80)}\` in the catalog`, {
        toolId,
      });
    return { id, entry };
  }

  /**
   * What the catalog holds for `server`, in the form `upsertServerTools` takes back: the
   * definitions as listed and the operator annotations by tool name (for persistence).
   */
  exportServer(server: string): {
    tools: McpToolDescription[];
    annotations: Record<string, ToolAnnotation>;
  } {
    const entries = [...(this.#servers.get(server)?.values() ?? [])];
    const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    return {
      tools: entries.map((e) => copy(e.definition)),
      annotations: Object.fromEntries(
        entries
          .filter((e) => Object.keys(e.operator).length > 0)
          .map((e) => [e.definition.name, copy(e.operator)]),
      ),
    };
  }

  /** Names of the servers with tools in the catalog, sorted. */
  servers(): string[] {
    return [...this.#servers.keys()].sort();
  }

  get(toolId: string): CatalogTool | undefined {
    const id = parseToolId(toolId);
    return id && this.#servers.get(id.server)?.get(id.name)?.tool;
  }

  /** Every tool, or one server's, sorted by id. */
  list(server?: string): CatalogTool[] {
    const maps =
      server === undefined
        ? [...this.#servers.values()]
        : [this.#servers.get(server) ?? new Map<string, Entry>()];
    return maps
      .flatMap((m) => [...m.values()].map((e) => e.tool))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * The scope that grants a tool, `tool:<server>/<tool>`; the tool need not be listed. Throws
   * `invalid_request` for a malformed id. Example: `scopeOf('github/create_issue')` is
   * `tool:github/create_issue`.
   */
  scopeOf(toolId: string): string {
    if (!parseToolId(toolId))
      throw invalid('toolId', `\`${toolId.slice(0, 80)}\` is not \`<server>/<tool>\``);
    return `tool:${toolId}`;
  }
}

/** A detached copy of a parsed definition (zod keeps the caller's nested objects), size-checked. */
function detach(def: Definition, field: string): Checked<Definition> {
  let json: string;
  try {
    json = canonicalJson(def);
  } catch {
    return { ok: false, problems: [{ field, message: 'is not json' }] };
  }
  if (Buffer.byteLength(json) > MAX_DEFINITION_BYTES)
    return {
      ok: false,
      problems: [{ field, message: `definition exceeds ${MAX_DEFINITION_BYTES} bytes` }],
    };
  return { ok: true, value: JSON.parse(json) as Definition };
}
