import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CompleteResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  ResultSchema,
  RootsListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../task-token-verifier.js';
import { exposePromptResult, exposeReadResult } from './expose.js';
import type { Namer } from './naming.js';
import type { GatewaySession } from './session.js';
import type { Admitted, Downstream, InflightRoute, McpDeps } from './tool-call/context.js';
import { callTool } from './tool-call/tool-call.js';
import type { Upstream } from './upstreams.js';

/**
 * The MCP methods a downstream session answers. Tools come from the catalog the gateway keeps
 * (listed once per upstream, filtered per caller); resources and prompts are listed through the
 * session's own upstream connections (they may differ per caller), filtered by the caller's
 * scopes, and every read or get is decided by policy (./server-action.ts). A tools/call goes on
 * from where the HTTP front left it (./tool-call/tool-call.ts).
 */

export interface HandlerDeps {
  namer: Namer;
  upstreams(): readonly Upstream[];
  enforcement: McpDeps;
  /** The tools the caller may call now (allow or approval_required), in their exposed form. */
  visibleTools(principal: Principal): Promise<Tool[]>;
  /** Whether a list may show the caller this resource or prompt (its scopes grant it). */
  mayList(
    principal: Principal,
    kind: 'resource' | 'prompt',
    server: string,
    target: string,
  ): boolean;
  /** Decides a resource read or a prompt get; throws the JSON-RPC refusal. */
  authorizeServerAction(
    principal: Principal,
    action: 'read_resource' | 'get_prompt',
    server: string,
    target: string,
    requestId: string | null,
    args?: Record<string, unknown>,
  ): Promise<void>;
  onToolCall?(outcome: string, seconds: number): void;
}

interface Extra {
  requestId: string | number;
  authInfo?: { extra?: Record<string, unknown> };
  signal: AbortSignal;
  sendRequest: (
    request: never,
    schema: typeof ResultSchema,
    options?: { signal?: AbortSignal },
  ) => Promise<Record<string, unknown>>;
  sendNotification: (notification: never) => Promise<void>;
}

function callerOf(extra: Extra): { principal: Principal; requestId: string | null } {
  const principal = extra.authInfo?.extra?.principal as Principal | undefined;
  // INVARIANT: the HTTP front hands every request to the transport with its verified principal.
  if (!principal)
    throw new McpError(ErrorCode.InvalidRequest, 'the request carries no verified task token');
  return { principal, requestId: (extra.authInfo?.extra?.requestId as string | undefined) ?? null };
}

/** The call as the HTTP front admitted it (./preflight.ts): decided, or refused. */
function admittedOf(extra: Extra, name: string): Admitted {
  const a = (extra.authInfo?.extra?.admitted as Map<unknown, Admitted> | undefined)?.get(
    extra.requestId,
  );
  // INVARIANT: the front admits every tools/call of a body the transport dispatches, by its id.
  if (a?.name !== name)
    throw new McpError(ErrorCode.InvalidRequest, 'the call was not checked by the gateway');
  return a;
}

const routeOf = (extra: Extra): InflightRoute => ({
  sendRequest: (request, signal) => extra.sendRequest(request as never, ResultSchema, { signal }),
  sendNotification: (notification) => extra.sendNotification(notification as never),
});

/** What the gateway offers downstream: tools always, the rest when an upstream offers it. */
export function downstreamCapabilities(upstreams: readonly Upstream[]): ServerCapabilities {
  const caps = upstreams.map((u) => u.capabilities ?? {});
  return {
    tools: { listChanged: true },
    logging: {},
    ...(caps.some((c) => c.resources)
      ? {
          resources: {
            listChanged: true,
            ...(caps.some((c) => c.resources?.subscribe) ? { subscribe: true } : {}),
          },
        }
      : {}),
    ...(caps.some((c) => c.prompts) ? { prompts: { listChanged: true } } : {}),
    ...(caps.some((c) => c.completions) ? { completions: {} } : {}),
  };
}

async function allPages<T>(
  list: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const r = await list(cursor);
    out.push(...r.items);
    cursor = r.nextCursor;
    if (cursor === undefined) break;
  }
  return out;
}

export function registerHandlers(
  server: Server,
  session: GatewaySession,
  deps: HandlerDeps,
  caps: ServerCapabilities,
): void {
  const { namer } = deps;
  const offering = (capability: 'resources' | 'prompts' | 'completions') =>
    deps.upstreams().filter((u) => u.capabilities?.[capability]);
  /** Runs `fn` for each upstream offering the capability over this session's connection; an upstream that fails is left out and logged. */
  const fromEach = async <T>(
    capability: 'resources' | 'prompts',
    fn: (u: Upstream) => Promise<T[]>,
  ): Promise<T[]> => {
    const lists = await Promise.all(
      offering(capability).map((u) =>
        fn(u).catch((err: unknown) => {
          deps.enforcement.log.warn(
            { upstream: u.name, err: err instanceof Error ? err.message : String(err) },
            `mcp upstream ${capability} listing failed`,
          );
          return [] as T[];
        }),
      ),
    );
    return lists.flat();
  };
  const resolveUri = (uri: string) => {
    const r = namer.resolveUri(uri);
    if (!r || !deps.upstreams().some((u) => u.name === r.server))
      throw new McpError(ErrorCode.InvalidParams, `unknown resource \`${uri.slice(0, 200)}\``, {
        uri,
      });
    return r;
  };
  const resolvePrompt = (name: string) => {
    const r = namer.resolveName(name);
    if (!r || !deps.upstreams().some((u) => u.name === r.server))
      throw new McpError(ErrorCode.InvalidParams, `unknown prompt \`${name.slice(0, 200)}\``);
    return r;
  };

  server.setRequestHandler(ListToolsRequestSchema, async (_req, extra) => ({
    tools: await deps.visibleTools(callerOf(extra).principal),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const started = process.hrtime.bigint();
    const admitted = admittedOf(extra, req.params.name);
    const progressToken = req.params._meta?.progressToken;
    const downstream: Downstream = {
      session,
      route: routeOf(extra),
      meta: req.params._meta as Record<string, unknown> | undefined,
      signal: extra.signal,
      onProgress:
        progressToken === undefined
          ? undefined
          : (p) =>
              void extra
                .sendNotification({
                  method: 'notifications/progress',
                  params: { ...p, progressToken },
                })
                .catch(() => undefined),
    };
    let outcome = 'error';
    try {
      const result = await callTool(admitted, downstream, deps.enforcement);
      outcome =
        result.isError &&
        (result._meta as Record<string, unknown> | undefined)?.['mandate/decision']
          ? 'refused'
          : 'forwarded';
      return result;
    } finally {
      deps.onToolCall?.(outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
  });

  server.setNotificationHandler(RootsListChangedNotificationSchema, () =>
    session.notifyUpstreams({ method: 'notifications/roots/list_changed' }),
  );

  server.setRequestHandler(SetLevelRequestSchema, async (req) => {
    await session.setLogLevel(req.params.level);
    return {};
  });

  if (caps.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, async (_req, extra) => {
      const { principal } = callerOf(extra);
      const resources = await fromEach<Resource>('resources', async (u) => {
        const client = await session.client(u.name);
        const all = await allPages(async (cursor) => {
          const r = await client.listResources(cursor === undefined ? {} : { cursor });
          return { items: r.resources, nextCursor: r.nextCursor };
        });
        return all.flatMap((r) => {
          const uri = namer.exposeUri(u.name, r.uri);
          return uri !== undefined && deps.mayList(principal, 'resource', u.name, r.uri)
            ? [{ ...r, uri }]
            : [];
        });
      });
      return { resources };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => {
      const resourceTemplates = await fromEach<ResourceTemplate>('resources', async (u) => {
        const client = await session.client(u.name);
        const all = await allPages(async (cursor) => {
          const r = await client.listResourceTemplates(cursor === undefined ? {} : { cursor });
          return { items: r.resourceTemplates, nextCursor: r.nextCursor };
        });
        return all.flatMap((t) => {
          const uriTemplate = namer.exposeUri(u.name, t.uriTemplate);
          return uriTemplate === undefined ? [] : [{ ...t, uriTemplate }];
        });
      });
      return { resourceTemplates };
    });
    server.setRequestHandler(ReadResourceRequestSchema, async (req, extra) => {
      const { principal, requestId } = callerOf(extra);
      const { server: upstream, name: uri } = resolveUri(req.params.uri);
      await deps.authorizeServerAction(principal, 'read_resource', upstream, uri, requestId);
      const client = await session.client(upstream);
      const result = await session.inflight(upstream, routeOf(extra), () =>
        client.request(
          { method: 'resources/read', params: { ...req.params, uri } },
          ReadResourceResultSchema,
          { signal: extra.signal, timeout: deps.enforcement.timeoutMs(upstream) },
        ),
      );
      return exposeReadResult(namer, upstream, result);
    });
    if (caps.resources.subscribe) {
      for (const [schema, method] of [
        [SubscribeRequestSchema, 'resources/subscribe'],
        [UnsubscribeRequestSchema, 'resources/unsubscribe'],
      ] as const) {
        server.setRequestHandler(schema, async (req, extra) => {
          const { principal, requestId } = callerOf(extra);
          const { server: upstream, name: uri } = resolveUri(req.params.uri);
          if (method === 'resources/subscribe')
            await deps.authorizeServerAction(principal, 'read_resource', upstream, uri, requestId);
          const client = await session.client(upstream);
          await client.request({ method, params: { ...req.params, uri } }, ResultSchema, {
            signal: extra.signal,
          });
          return {};
        });
      }
    }
  }

  if (caps.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, async (_req, extra) => {
      const { principal } = callerOf(extra);
      const prompts = await fromEach<Prompt>('prompts', async (u) => {
        const client = await session.client(u.name);
        const all = await allPages(async (cursor) => {
          const r = await client.listPrompts(cursor === undefined ? {} : { cursor });
          return { items: r.prompts, nextCursor: r.nextCursor };
        });
        return all.flatMap((p) => {
          const name = namer.exposeName(u.name, p.name);
          return name !== undefined && deps.mayList(principal, 'prompt', u.name, p.name)
            ? [{ ...p, name }]
            : [];
        });
      });
      return { prompts };
    });
    server.setRequestHandler(GetPromptRequestSchema, async (req, extra) => {
      const { principal, requestId } = callerOf(extra);
      const { server: upstream, name } = resolvePrompt(req.params.name);
      await deps.authorizeServerAction(
        principal,
        'get_prompt',
        upstream,
        name,
        requestId,
        req.params.arguments ?? {},
      );
      const client = await session.client(upstream);
      const result = await session.inflight(upstream, routeOf(extra), () =>
        client.request(
          { method: 'prompts/get', params: { ...req.params, name } },
          GetPromptResultSchema,
          { signal: extra.signal, timeout: deps.enforcement.timeoutMs(upstream) },
        ),
      );
      return exposePromptResult(namer, upstream, result);
    });
  }

  if (caps.completions) {
    // Completions reveal argument values of a prompt or resource template: offered only for those the caller's scopes grant.
    server.setRequestHandler(CompleteRequestSchema, async (req, extra) => {
      const { principal } = callerOf(extra);
      const ref = req.params.ref;
      const target = ref.type === 'ref/prompt' ? resolvePrompt(ref.name) : resolveUri(ref.uri);
      const kind = ref.type === 'ref/prompt' ? 'prompt' : 'resource';
      if (!deps.mayList(principal, kind, target.server, target.name))
        throw new McpError(
          ErrorCode.InvalidParams,
          `unknown ${kind} \`${(ref.type === 'ref/prompt' ? ref.name : ref.uri).slice(0, 200)}\``,
        );
      const client = await session.client(target.server);
      const upstreamRef =
        ref.type === 'ref/prompt' ? { ...ref, name: target.name } : { ...ref, uri: target.name };
      return client.request(
        { method: 'completion/complete', params: { ...req.params, ref: upstreamRef } },
        CompleteResultSchema,
        { signal: extra.signal },
      );
    });
  }
}
