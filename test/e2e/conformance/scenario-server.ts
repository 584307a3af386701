// The upstream MCP server for the conformance suite: every tool, resource and prompt that the
// `server` scenarios of @modelcontextprotocol/conformance 0.1.16 call by name, written from the
// requirements each scenario states (`conformance list --server`, the scenario descriptions).
//
// Why a fixture of our own: the suite's example "everything" server lives in the conformance
// repository but is not in the npm package, and @modelcontextprotocol/server-everything
// implements a different set of tools (echo, get-sum, ...), so 21 of the 32 scenarios fail
// against it directly (docs/mcp-conformance.md).
//
// Built on the low-level `Server` of @modelcontextprotocol/sdk so that every schema goes out
// exactly as written (json-schema-2020-12 checks that `$schema`, `$defs` and
// `additionalProperties` survive a tools/list).
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import {
  StreamableHTTPServerTransport,
  type EventStore,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  isInitializeRequest,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type GetPromptResult,
  type JSONRPCMessage,
  type ReadResourceResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** A 1x1 red PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A 44-byte RIFF/WAVE header with no samples: the smallest valid audio/wav. */
const WAV = Buffer.concat([
  Buffer.from('RIFF'),
  u32(36),
  Buffer.from('WAVEfmt '),
  u32(16),
  u16(1),
  u16(1),
  u32(8000),
  u32(8000),
  u16(1),
  u16(8),
  Buffer.from('data'),
  u32(0),
]).toString('base64');

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const noArgs = { type: 'object' as const, properties: {} };
const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

interface ToolDef {
  tool: Tool;
  run(args: Record<string, unknown>, extra: Extra): Promise<CallToolResult>;
}

async function log(extra: Extra, data: string): Promise<void> {
  await extra.sendNotification({
    method: 'notifications/message',
    params: { level: 'info', logger: 'scenario-server', data },
  });
}

const TOOLS: ToolDef[] = [
  {
    tool: { name: 'test_simple_text', description: 'returns simple text', inputSchema: noArgs },
    run: async () => text('This is a simple text response for testing.'),
  },
  {
    tool: { name: 'test_image_content', description: 'returns an image', inputSchema: noArgs },
    run: async () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }),
  },
  {
    tool: { name: 'test_audio_content', description: 'returns audio', inputSchema: noArgs },
    run: async () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }),
  },
  {
    tool: {
      name: 'test_embedded_resource',
      description: 'returns an embedded resource',
      inputSchema: noArgs,
    },
    run: async () => ({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    }),
  },
  {
    tool: {
      name: 'test_multiple_content_types',
      description: 'returns text, an image and a resource',
      inputSchema: noArgs,
    },
    run: async () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  },
  {
    tool: {
      name: 'test_tool_with_logging',
      description: 'sends three log messages while it runs',
      inputSchema: noArgs,
    },
    run: async (_args, extra) => {
      await log(extra, 'Tool execution started');
      await sleep(50);
      await log(extra, 'Tool processing data');
      await sleep(50);
      await log(extra, 'Tool execution completed');
      return text('Tool with logging executed successfully');
    },
  },
  {
    tool: {
      name: 'test_tool_with_progress',
      description: 'reports progress 0, 50 and 100 of 100',
      inputSchema: noArgs,
    },
    run: async (_args, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(50);
        if (progressToken !== undefined)
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100 },
          });
      }
      return text(`Progress completed (token: ${String(progressToken)})`);
    },
  },
  {
    tool: { name: 'test_error_handling', description: 'always fails', inputSchema: noArgs },
    run: async () => ({
      isError: true,
      content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
    }),
  },
  {
    tool: {
      name: 'test_sampling',
      description: 'asks the client to sample',
      inputSchema: {
        type: 'object',
        properties: { prompt: { type: 'string' } },
        required: ['prompt'],
      },
    },
    run: async (args, extra) => {
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: String(args.prompt) } }],
            maxTokens: 100,
          },
        },
        CreateMessageResultSchema,
      );
      const content = Array.isArray(result.content) ? result.content[0] : result.content;
      return text(
        `LLM response: ${content?.type === 'text' ? content.text : JSON.stringify(content)}`,
      );
    },
  },
  {
    tool: {
      name: 'test_elicitation',
      description: 'asks the user for input',
      inputSchema: {
        type: 'object',
        properties: { message: { type: 'string' } },
        required: ['message'],
      },
    },
    run: async (args, extra) => {
      const requestedSchema = {
        type: 'object' as const,
        properties: {
          username: { type: 'string' as const, description: "User's response" },
          email: { type: 'string' as const, description: "User's email address" },
        },
        required: ['username', 'email'],
      };
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: { message: String(args.message), requestedSchema },
        },
        ElicitResultSchema,
      );
      return text(
        `User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
      );
    },
  },
  {
    tool: {
      name: 'test_elicitation_sep1034_defaults',
      description: 'elicits with a default for every primitive type (SEP-1034)',
      inputSchema: noArgs,
    },
    run: async (_args, extra) => {
      const requestedSchema = {
        type: 'object' as const,
        properties: {
          name: { type: 'string' as const, default: 'John Doe' },
          age: { type: 'integer' as const, default: 30 },
          score: { type: 'number' as const, default: 95.5 },
          status: {
            type: 'string' as const,
            enum: ['active', 'inactive', 'pending'],
            default: 'active',
          },
          verified: { type: 'boolean' as const, default: true },
        },
      };
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: { message: 'Please review your details', requestedSchema },
        },
        ElicitResultSchema,
      );
      return text(
        `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
      );
    },
  },
  {
    tool: {
      name: 'test_elicitation_sep1330_enums',
      description: 'elicits with the five enum shapes (SEP-1330)',
      inputSchema: noArgs,
    },
    run: async (_args, extra) => {
      const requestedSchema = {
        type: 'object' as const,
        properties: {
          untitledSingle: { type: 'string' as const, enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string' as const,
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: {
            type: 'string' as const,
            enum: ['opt1', 'opt2', 'opt3'],
            enumNames: ['Option One', 'Option Two', 'Option Three'],
          },
          untitledMulti: {
            type: 'array' as const,
            items: { type: 'string' as const, enum: ['option1', 'option2', 'option3'] },
          },
          titledMulti: {
            type: 'array' as const,
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        },
      };
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: { message: 'Please pick some options', requestedSchema },
        },
        ElicitResultSchema,
      );
      return text(
        `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
      );
    },
  },
  {
    tool: {
      name: 'json_schema_2020_12_tool',
      description: 'Tool with JSON Schema 2020-12 features',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: {
          address: {
            type: 'object',
            properties: { street: { type: 'string' }, city: { type: 'string' } },
          },
        },
        properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
        additionalProperties: false,
      },
    },
    run: async (args) => text(`Received: ${JSON.stringify(args)}`),
  },
  {
    // SEP-1699 polling: the server closes the request's SSE stream mid-call; the client comes back
    // with Last-Event-ID and receives the result replayed from the event store.
    tool: {
      name: 'test_reconnection',
      description: 'closes its SSE stream mid-call so the client reconnects',
      inputSchema: noArgs,
    },
    run: async (_args, extra) => {
      await sleep(20);
      extra.closeSSEStream?.();
      await sleep(100);
      return text('Reconnection test completed successfully');
    },
  },
];

/** The names of the tools above, e.g. to annotate them for the gateway's catalog. */
export const TOOL_NAMES: readonly string[] = TOOLS.map((t) => t.tool.name);

const RESOURCES = [
  {
    uri: 'test://static-text',
    name: 'static-text',
    description: 'a static text resource',
    mimeType: 'text/plain',
  },
  {
    uri: 'test://static-binary',
    name: 'static-binary',
    description: 'a static binary resource (a PNG)',
    mimeType: 'image/png',
  },
  {
    uri: 'test://watched-resource',
    name: 'watched-resource',
    description: 'a resource that can be subscribed to',
    mimeType: 'text/plain',
  },
];

function readResource(uri: string): ReadResourceResult {
  if (uri === 'test://static-text')
    return {
      contents: [
        { uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
      ],
    };
  if (uri === 'test://static-binary')
    return { contents: [{ uri, mimeType: 'image/png', blob: PNG }] };
  if (uri === 'test://watched-resource')
    return { contents: [{ uri, mimeType: 'text/plain', text: 'Watched resource content.' }] };
  const m = /^test:\/\/template\/([^/]+)\/data$/.exec(uri);
  if (m)
    return {
      contents: [
        {
          uri,
          mimeType: 'application/json',
          text: JSON.stringify({ id: m[1], templateTest: true, data: `Data for ID: ${m[1]}` }),
        },
      ],
    };
  throw new McpError(ErrorCode.InvalidParams, `resource ${uri} not found`);
}

const PROMPTS = [
  { name: 'test_simple_prompt', description: 'a prompt without arguments' },
  {
    name: 'test_prompt_with_arguments',
    description: 'a prompt with two arguments',
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
  },
  {
    name: 'test_prompt_with_embedded_resource',
    description: 'a prompt that embeds a resource',
    arguments: [
      { name: 'resourceUri', description: 'URI of the resource to embed', required: true },
    ],
  },
  { name: 'test_prompt_with_image', description: 'a prompt with an image' },
];

function getPrompt(name: string, args: Record<string, string>): GetPromptResult {
  switch (name) {
    case 'test_simple_prompt':
      return {
        messages: [
          { role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } },
        ],
      };
    case 'test_prompt_with_arguments':
      return {
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text: `Prompt with arguments: arg1='${args.arg1 ?? ''}', arg2='${args.arg2 ?? ''}'`,
            },
          },
        ],
      };
    case 'test_prompt_with_embedded_resource':
      return {
        messages: [
          {
            role: 'user',
            content: {
              type: 'resource',
              resource: {
                uri: args.resourceUri ?? 'test://example-resource',
                mimeType: 'text/plain',
                text: 'Embedded resource content for testing.',
              },
            },
          },
          {
            role: 'user',
            content: { type: 'text', text: 'Please process the embedded resource above.' },
          },
        ],
      };
    case 'test_prompt_with_image':
      return {
        messages: [
          { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
          { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
        ],
      };
    default:
      throw new McpError(ErrorCode.InvalidParams, `prompt ${name} not found`);
  }
}

const COMPLETIONS = ['paris', 'park', 'party', 'test', 'testing'];

/** One MCP server (one per session): the scenarios' tools, resources, prompts and completions. */
function scenarioServer(): Server {
  const server = new Server(
    { name: 'mandate-conformance-upstream', version: '1.0.0' },
    {
      capabilities: {
        tools: {},
        resources: { subscribe: true },
        prompts: {},
        logging: {},
        completions: {},
      },
    },
  );
  const subscriptions = new Set<string>();
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: TOOLS.map((t) => t.tool),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const def = TOOLS.find((t) => t.tool.name === request.params.name);
    if (!def) throw new McpError(ErrorCode.InvalidParams, `tool ${request.params.name} not found`);
    return def.run(request.params.arguments ?? {}, extra);
  });
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: RESOURCES }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [
      {
        uriTemplate: 'test://template/{id}/data',
        name: 'template-data',
        description: 'data for an id',
        mimeType: 'application/json',
      },
    ],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) =>
    readResource(request.params.uri),
  );
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: PROMPTS }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) =>
    getPrompt(request.params.name, request.params.arguments ?? {}),
  );
  server.setRequestHandler(CompleteRequestSchema, async (request) => {
    const values = COMPLETIONS.filter((v) => v.startsWith(request.params.argument.value));
    return { completion: { values, total: values.length, hasMore: false } };
  });
  return server;
}

/** Resumability for SEP-1699: every message of a stream kept in memory, replayed after an id. */
class MemoryEventStore implements EventStore {
  private readonly events: { id: string; streamId: string; message: JSONRPCMessage }[] = [];

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${String(this.events.length)}`;
    this.events.push({ id, streamId, message });
    return id;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const at = this.events.findIndex((e) => e.id === lastEventId);
    if (at < 0) return '';
    const streamId = this.events[at]!.streamId;
    for (const e of this.events.slice(at + 1))
      if (e.streamId === streamId) await send(e.id, e.message);
    return streamId;
  }
}

export interface ScenarioUpstream {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the scenario server on a loopback port: Streamable HTTP at `/mcp`, one session per
 * `initialize`, DNS-rebinding protection (the SDK's localhost Host validation).
 */
export async function startScenarioUpstream(): Promise<ScenarioUpstream> {
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  app.all('/mcp', async (req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined || req.method !== 'POST' || !isInitializeRequest(req.body)) {
        res
          .status(sessionId === undefined ? 400 : 404)
          .json({ jsonrpc: '2.0', error: { code: -32000, message: 'no such session' }, id: null });
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new MemoryEventStore(),
        retryInterval: 200,
        onsessioninitialized: (id) => void sessions.set(id, created),
        onsessionclosed: (id) => void sessions.delete(id),
      });
      transport = created;
      await scenarioServer().connect(created);
    }
    await transport.handleRequest(req, res, req.body);
  });
  const http = await new Promise<HttpServer>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/mcp`,
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
