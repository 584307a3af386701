import { apiError } from './errors.js';

export interface HttpOptions {
  /** Base URL of the Mandate server, e.g. http://127.0.0.1:8080. */
  url: string;
  fetch?: typeof fetch;
}

/** A minimal JSON-over-HTTP caller shared by the SDK clients. */
export class Http {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(
    options: HttpOptions,
    private readonly headers: Record<string, string> = {},
  ) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...this.headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (cause) {
      throw new Error(
        `cannot reach the Mandate server at ${this.base}: ${(cause as Error).message}; is it running (mandate serve) and is --url / MANDATE_URL right?`,
        { cause },
      );
    }
    if (!res.ok) throw await apiError(res);
    return res;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
}
