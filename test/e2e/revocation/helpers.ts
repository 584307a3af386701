// Helpers of the revocation e2e suites: a loopback TCP proxy the tests can stall and cut, the
// remote gateway fixture as a child process, and a raw SSE client for GET /v1/events.
import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { SseParser, type SseEvent } from '../../../src/sdk/sse-parser.js';

/** Polls `probe` until it returns a truthy value; fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Pair {
  client: Socket;
  upstream: Socket;
  held: { to: Socket; data: Buffer }[];
}

/**
 * A TCP proxy on 127.0.0.1 in front of `targetPort`. `pause()` holds every byte in both
 * directions (the connections stay open, nothing gets through: a stalled network path);
 * `resume()` lets the held bytes through. `drop()` cuts every connection; `block()` also refuses
 * new ones until `unblock()`.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #paused = false;
  #blocked = false;
  port = 0;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      if (this.#blocked) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: Pair = { client, upstream, held: [] };
      this.#pairs.add(pair);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (data: Buffer) => {
          if (this.#paused) pair.held.push({ to, data });
          else to.write(data);
        });
      forward(client, upstream);
      forward(upstream, client);
      const close = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    const address = proxy.#server.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get connections(): number {
    return this.#pairs.size;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    for (const pair of this.#pairs) for (const { to, data } of pair.held.splice(0)) to.write(data);
  }

  drop(): void {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
  }

  block(): void {
    this.#blocked = true;
    this.drop();
  }

  unblock(): void {
    this.#blocked = false;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export interface FeedStatus {
  connected: boolean;
  seq: number;
  stale: boolean;
  lastError: string | null;
  snapshots: number;
  resumes: number;
  connects: number;
  size: number;
  applied: { type: string; seq: number; kind?: string; id?: string }[];
}

export interface RemoteGateway {
  url: string;
  child: ChildProcess;
  status(): Promise<FeedStatus>;
  /** GET /tool with a task token; the status and the body (with `error_description` on a refusal). */
  call(token: string): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Starts test/fixtures/remote-gateway.ts as a child process; resolves once it has its first snapshot and listens. */
export async function startRemoteGateway(env: {
  mandateUrl: string;
  eventsUrl?: string;
  token: string;
  audience: string;
  maxStalenessMs?: number;
}): Promise<RemoteGateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/remote-gateway.ts'], {
    env: {
      ...process.env,
      MANDATE_URL: env.mandateUrl,
      EVENTS_URL: env.eventsUrl ?? env.mandateUrl,
      EVENTS_TOKEN: env.token,
      AUDIENCE: env.audience,
      MAX_STALENESS_MS: String(env.maxStalenessMs ?? 3000),
      RECONNECT_MS: '100',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the remote gateway exited with ${code}`))),
  );
  exited.catch(() => undefined);
  const lines = createInterface({ input: child.stdout! });
  const first = new Promise<string>((resolve) => lines.once('line', resolve));
  const { port } = JSON.parse(await Promise.race([first, exited])) as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    async status() {
      return (await (await fetch(`${url}/status`)).json()) as FeedStatus;
    },
    async call(token) {
      const res = await fetch(`${url}/tool`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await done;
    },
  };
}

/** A raw GET /v1/events reader: every dispatched event, in order. */
export interface SseClient {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** The body of a refusal (problem+json). */
  text: string;
  /** True once the server ended the stream. */
  readonly ended: boolean;
  /** Waits for the n-th event (0-based). */
  event(n: number): Promise<SseEvent>;
  close(): void;
}

export async function openEvents(
  baseUrl: string,
  token: string | undefined,
  lastEventId?: string,
): Promise<SseClient> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  // node:http without an agent, so that closing a stream closes its socket (fetch's pool may open a spare connection that delays the server's close).
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    httpGet(`${baseUrl}/v1/events`, { headers, agent: false }, resolve).on('error', reject),
  );
  const events: SseEvent[] = [];
  let text = '';
  let ended = false;
  if (res.statusCode !== 200) {
    for await (const chunk of res) text += String(chunk);
  } else {
    const parser = new SseParser({ onEvent: (e) => events.push(e) });
    res
      .on('data', (chunk: Buffer) => parser.push(new Uint8Array(chunk)))
      .on('error', () => undefined);
    res.on('end', () => {
      ended = true;
    });
  }
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers))
    if (typeof value === 'string') responseHeaders.set(name, value);
  return {
    status: res.statusCode ?? 0,
    headers: responseHeaders,
    events,
    text,
    get ended() {
      return ended;
    },
    event: (n) => waitFor(`event #${n} on the stream`, () => events[n], 10_000),
    close: () => res.destroy(),
  };
}
