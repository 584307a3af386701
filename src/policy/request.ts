import type { CedarValueJson, EntityJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import { MandateError } from '../core/errors.js';
import { flattenArguments } from './arguments.js';
import { classificationRank, type Classification } from './classification.js';
import { grantScopes, toolScope } from './scopes.js';
import { mostExternal } from './destinations/classify.js';
import type { Network } from '../core/network.js';

/**
 * What the decision point decides on, and its translation into a Cedar request against
 * `schema/mandate.cedarschema`. The gateway builds a `DecisionRequest` from the verified task
 * token, the tool catalog, the call's arguments and the task's session state.
 */

export const POLICY_ACTIONS = [
  'call_tool',
  'list_tools',
  'read_resource',
  'get_prompt',
  'start_task',
  'delegate',
] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];
export type SideEffect = 'read' | 'write' | 'destructive';
export type { Classification } from './classification.js';

export interface AgentFacts {
  /** SPIFFE ID. */
  id: string;
  owner: string;
  labels: string[];
  trustDomain: string;
  /** Standing risk score, 0..100. */
  risk: number;
}

export interface ChainFacts {
  /** 0 at the task's root token, +1 per delegation hop. */
  depth: number;
  /** Every agent on the chain (SPIFFE IDs). */
  actors: string[];
  /** The agent acting now; must be the request's agent. */
  currentActor: string;
  /** The human, for an on-behalf-of task. */
  onBehalfOf: string | null;
}

/** A tool as the catalog knows it. */
export interface ToolFacts {
  cataloged: true;
  /** `<server>/<tool>`, e.g. `github/create_issue`. */
  name: string;
  server: string;
  serverLabels?: string[];
  /** Default `tool:<name>`. */
  scope?: string;
  sideEffect: SideEffect;
  /** Classification of the data the tool returns. */
  classification: Classification;
  destinations: string[];
  labels: string[];
}

/** A tool the catalog does not know; Cedar sees it with the most restrictive attributes. */
export interface UnknownTool {
  cataloged: false;
  name: string;
  server: string;
}

export interface ToolServerFacts {
  name: string;
  labels: string[];
}

/** An MCP resource as the gateway knows it. */
export interface ResourceFacts {
  server: string;
  uri: string;
  /** Of the data it holds; default `confidential` (unknown sensitivity). */
  classification?: Classification;
}

/** An MCP prompt. */
export interface PromptFacts {
  server: string;
  name: string;
}

/** The scope that names a resource: `resource:<server>/<uri>`. */
export const resourceScope = (server: string, uri: string): string => `resource:${server}/${uri}`;
/** The scope that names a prompt: `prompt:<server>/<name>`. */
export const promptScope = (server: string, name: string): string => `prompt:${server}/${name}`;

export interface TaskFacts {
  id: string;
  purpose: string;
}

/** The task's session state at the moment of the call (before it is recorded). */
export interface SessionSnapshot {
  toolsCalled: string[];
  /** Taint: the highest classification a tool returned in this task. */
  highestClassification: Classification;
  externalDestinations: string[];
  denials: number;
  callCount: number;
}

/**
 * A host the call reaches (`policy/destinations/classify.ts`). `network` and `allowed` are
 * optional for requests recorded before they existed: `network` then follows `external`
 * (`public` or `internal`) and `allowed` is true for an internal one.
 */
export interface Destination {
  host: string;
  external: boolean;
  network?: Network;
  allowed?: boolean;
}

export interface RequestCommon {
  principal: { agent: AgentFacts; chain: ChainFacts };
  /** The task token's scopes, as issued. */
  scopes: string[];
  /** The call's arguments (a JSON object); default none. */
  arguments?: Record<string, unknown>;
  /** Where the call goes, as Cedar's `context.destination`; default the most external of `destinations`, else none. */
  destination?: Destination | null;
  /** Every destination the call reaches (`context.destinations`); default `destination` alone. */
  destinations?: Destination[];
  /** `path` arguments as the tool opens them, by flattened argument path: they replace those tags. */
  paths?: Record<string, string>;
  /** Why arguments have more than one reading; any refuses the request (`errors` says why). */
  problems?: string[];
  /** The data this call touches; default the tool's classification (`public` for other actions). */
  classification?: Classification;
  session: SessionSnapshot;
  now: Date;
  /** This call's risk score, 0..100. */
  risk: number;
  /** A human approval bound to exactly this call is present. */
  approved: boolean;
  /**
   * The responses to live risk signals that restrict this task's calls: `require_approval`,
   * `read_only` (docs/signals.md); default none.
   */
  restrictions?: string[];
}

export type DecisionRequest = RequestCommon &
  (
    | { action: 'call_tool'; tool: ToolFacts | UnknownTool }
    | { action: 'list_tools'; server: ToolServerFacts }
    | { action: 'read_resource'; resource: ResourceFacts }
    | { action: 'get_prompt'; prompt: PromptFacts }
    | { action: 'start_task'; task: TaskFacts }
    | { action: 'delegate'; delegate: AgentFacts }
  );

/** A Cedar request in cedar-wasm's JSON forms. */
export interface CedarRequest {
  principal: TypeAndId;
  action: TypeAndId;
  resource: TypeAndId;
  context: Record<string, CedarValueJson>;
  entities: EntityJson[];
}

/** The claims of a verified task token that the chain is built from (the SDK's `Principal` has them). */
export interface TokenFacts {
  subject: string;
  actors: string[];
  actor: string;
  depth: number;
  onBehalfOf: string | null;
}

/** A session with nothing in it yet. */
export const EMPTY_SESSION: SessionSnapshot = Object.freeze({
  toolsCalled: [],
  highestClassification: 'public',
  externalDestinations: [],
  denials: 0,
  callCount: 0,
});

const NS = 'Mandate::';
const ARGUMENTS_ID = 'arguments';

/**
 * The chain facts of a verified task token: every actor, plus the subject when it is the root
 * agent (an on-behalf-of token's subject is the human, who becomes `onBehalfOf`).
 *
 * @example chainFromToken(principal) // { depth: 1, actors: ['spiffe://td/agent/beta', 'spiffe://td/agent/alpha'], currentActor: 'spiffe://td/agent/beta', onBehalfOf: null }
 */
export function chainFromToken(t: TokenFacts): ChainFacts {
  const actors = new Set(t.actors);
  if (t.onBehalfOf === null) actors.add(t.subject);
  return { depth: t.depth, actors: [...actors], currentActor: t.actor, onBehalfOf: t.onBehalfOf };
}

function refuse(message: string): MandateError {
  return new MandateError('invalid_request', message);
}

function uid(type: string, id: unknown): TypeAndId {
  if (typeof id !== 'string') throw refuse(`the ${type} id must be a string`);
  return { type: NS + type, id };
}

function agentEntity(a: AgentFacts): EntityJson {
  return {
    uid: uid('Agent', a.id),
    attrs: { owner: a.owner, labels: a.labels, trust_domain: a.trustDomain, risk: a.risk },
    parents: [],
  };
}

function toolEntities(t: ToolFacts | UnknownTool): EntityJson[] {
  const server = uid('ToolServer', t.server);
  const known = t.cataloged === true;
  const scope = (known ? t.scope : undefined) ?? toolScope(t.name);
  if (typeof scope !== 'string') throw refuse('the tool scope must be a string');
  // An unknown tool gets the most restrictive attributes, so no rule can mistake it for a safe one.
  const classification = known ? t.classification : 'restricted';
  const attrs: Record<string, CedarValueJson> = {
    server: { __entity: server },
    name: t.name,
    scope,
    grant_scopes: grantScopes(scope),
    side_effect: known ? t.sideEffect : 'destructive',
    classification,
    classification_rank: classificationRank(classification),
    destinations: known ? t.destinations : [],
    labels: known ? t.labels : [],
    cataloged: known,
  };
  return [
    { uid: uid('Tool', t.name), attrs, parents: [server] },
    { uid: server, attrs: { labels: (known ? t.serverLabels : undefined) ?? [] }, parents: [] },
  ];
}

export const MAX_TARGET_LENGTH = 2048;

/**
 * Why a resource URI cannot be matched against scopes as written, or null. A wildcard scope
 * `resource:fs/file:///public/*` must not grant `file:///public/../etc/passwd`, so dot
 * segments, encoded dots, slashes and backslashes, and backslashes are refused rather than
 * normalized (the upstream may normalize differently).
 */
export function ambiguousUri(uri: unknown): string | null {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be a non-empty string';
  if (uri.length > MAX_TARGET_LENGTH) return `exceeds ${MAX_TARGET_LENGTH} characters`;
  if ([...uri].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return 'contains a backslash or a control character';
  if (/%(2e|2f|5c|00)/iu.test(uri)) return 'contains an encoded `.`, `/`, `\\` or NUL';
  if (/(^|\/)\.{1,2}(\/|$|\?|#)/u.test(uri.replace(/^[a-z][a-z0-9+.-]*:\/\//iu, '/')))
    return 'contains a `.` or `..` path segment';
  return null;
}

type DestinationRecord = Required<Destination>;
const NO_DESTINATION: DestinationRecord = {
  host: '',
  external: false,
  network: '' as Network,
  allowed: false,
};

function destinationRecord(d: Destination): DestinationRecord {
  if (typeof d !== 'object' || d === null) throw refuse('a destination must be an object');
  // A request recorded before networks existed: its internal destinations were allowed then, so they replay as allowed.
  return {
    host: d.host,
    external: d.external,
    network: d.network ?? (d.external ? 'public' : 'internal'),
    allowed: d.allowed ?? !d.external,
  };
}

/** The resource uid and entities for the request's action. */
function resourceOf(req: DecisionRequest): {
  resource: TypeAndId;
  entities: EntityJson[];
  classification: Classification;
} {
  switch (req.action) {
    case 'call_tool': {
      if (typeof req.tool !== 'object' || req.tool === null)
        throw refuse('a `call_tool` request needs a `tool`');
      const entities = toolEntities(req.tool);
      return {
        resource: entities[0]!.uid as TypeAndId,
        entities,
        classification: req.tool.cataloged === true ? req.tool.classification : 'restricted',
      };
    }
    case 'list_tools': {
      if (typeof req.server !== 'object' || req.server === null)
        throw refuse('a `list_tools` request needs a `server`');
      const resource = uid('ToolServer', req.server.name);
      return {
        resource,
        entities: [{ uid: resource, attrs: { labels: req.server.labels }, parents: [] }],
        classification: 'public',
      };
    }
    case 'read_resource': {
      const r = req.resource;
      if (typeof r !== 'object' || r === null)
        throw refuse('a `read_resource` request needs a `resource`');
      const ambiguous = ambiguousUri(r.uri);
      if (ambiguous)
        throw refuse(
          `the resource uri ${ambiguous}; it has more than one reading, so no scope can be matched against it`,
        );
      const server = uid('ToolServer', r.server);
      const scope = resourceScope(r.server, r.uri);
      const classification = r.classification ?? 'confidential';
      const attrs: Record<string, CedarValueJson> = {
        server: { __entity: server },
        uri: r.uri,
        scope,
        grant_scopes: grantScopes(scope),
        classification,
        classification_rank: classificationRank(classification),
      };
      const resource = uid('Resource', `${r.server}/${r.uri}`);
      return {
        resource,
        entities: [
          { uid: resource, attrs, parents: [server] },
          { uid: server, attrs: { labels: [] }, parents: [] },
        ],
        classification,
      };
    }
    case 'get_prompt': {
      const p = req.prompt;
      if (typeof p !== 'object' || p === null)
        throw refuse('a `get_prompt` request needs a `prompt`');
      if (typeof p.name !== 'string' || p.name.length === 0 || p.name.length > MAX_TARGET_LENGTH)
        throw refuse(`the prompt name must be 1 to ${MAX_TARGET_LENGTH} characters`);
      const server = uid('ToolServer', p.server);
      const scope = promptScope(p.server, p.name);
      const resource = uid('Prompt', `${p.server}/${p.name}`);
      return {
        resource,
        entities: [
          {
            uid: resource,
            attrs: {
              server: { __entity: server },
              name: p.name,
              scope,
              grant_scopes: grantScopes(scope),
            },
            parents: [server],
          },
          { uid: server, attrs: { labels: [] }, parents: [] },
        ],
        classification: 'public',
      };
    }
    case 'start_task': {
      if (typeof req.task !== 'object' || req.task === null)
        throw refuse('a `start_task` request needs a `task`');
      const resource = uid('Task', req.task.id);
      return {
        resource,
        entities: [{ uid: resource, attrs: { purpose: req.task.purpose }, parents: [] }],
        classification: 'public',
      };
    }
    case 'delegate': {
      if (typeof req.delegate !== 'object' || req.delegate === null)
        throw refuse('a `delegate` request needs a `delegate` agent');
      const entity = agentEntity(req.delegate);
      return { resource: entity.uid as TypeAndId, entities: [entity], classification: 'public' };
    }
    default:
      throw refuse(
        `unknown action \`${String((req as { action: unknown }).action).slice(0, 40)}\`; expected one of ${POLICY_ACTIONS.join(', ')}`,
      );
  }
}

/**
 * Builds the Cedar request for a decision request. Throws `MandateError('invalid_request')` for
 * what cannot be expressed at all (unknown action or classification, arguments that are not a
 * JSON object, an invalid `now`, a principal that is not the chain's current actor); values of
 * the wrong type are passed through as they are, so that Cedar's request validation against the
 * schema refuses them with its own reason.
 */
export function toCedar(req: DecisionRequest): CedarRequest {
  if (typeof req !== 'object' || req === null) throw refuse('the request must be an object');
  const { agent, chain } = req.principal ?? {};
  if (typeof agent !== 'object' || agent === null || typeof chain !== 'object' || chain === null)
    throw refuse('the request needs `principal.agent` and `principal.chain`');
  if (chain.currentActor !== agent.id)
    throw refuse("the principal agent is not the chain's current actor");
  if (!(req.now instanceof Date) || Number.isNaN(req.now.getTime()))
    throw refuse('`now` must be a valid Date');
  const session = req.session;
  if (typeof session !== 'object' || session === null)
    throw refuse('the request needs a `session` snapshot');
  const { resource, entities, classification: defaultClassification } = resourceOf(req);
  const classification = req.classification ?? defaultClassification;
  if (req.problems !== undefined && req.problems.length > 0)
    throw refuse(`${req.problems.join('; ').slice(0, 2048)}; no policy can be matched against it`);
  const destinations = (req.destinations ?? (req.destination ? [req.destination] : [])).map(
    destinationRecord,
  );
  const destination = req.destination
    ? destinationRecord(req.destination)
    : (mostExternal(destinations) ?? NO_DESTINATION);
  const principal = agentEntity(agent);
  const args: EntityJson = {
    uid: uid('Arguments', ARGUMENTS_ID),
    attrs: {},
    parents: [],
    tags: { ...flattenArguments(req.arguments ?? {}), ...req.paths },
  };
  const context: Record<string, CedarValueJson> = {
    scopes: req.scopes,
    arguments: { __entity: args.uid as TypeAndId },
    destination: { ...destination },
    destinations: destinations.map((d) => ({ ...d })),
    unallowed_networks: [...new Set(destinations.filter((d) => !d.allowed).map((d) => d.network))],
    classification,
    classification_rank: classificationRank(classification),
    session: {
      tools_called: session.toolsCalled,
      highest_classification: session.highestClassification,
      highest_classification_rank: classificationRank(session.highestClassification),
      external_destinations: session.externalDestinations,
      denials: session.denials,
      call_count: session.callCount,
    },
    chain: {
      depth: chain.depth,
      actors: chain.actors,
      current_actor: chain.currentActor,
      ...(chain.onBehalfOf === null || chain.onBehalfOf === undefined
        ? {}
        : { on_behalf_of: chain.onBehalfOf }),
    },
    now: { __extn: { fn: 'datetime', arg: req.now.toISOString() } },
    risk: req.risk,
    approved: req.approved,
    restrictions: req.restrictions ?? [],
  };
  // A delegate may be the principal itself; Cedar refuses duplicate entities.
  const all = [
    principal,
    args,
    ...entities.filter((e) => !(req.action === 'delegate' && (e.uid as TypeAndId).id === agent.id)),
  ];
  return {
    principal: principal.uid as TypeAndId,
    action: { type: `${NS}Action`, id: req.action },
    resource,
    context,
    entities: all,
  };
}
