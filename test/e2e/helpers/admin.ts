import type { TestServer } from '../../fakes/server.js';

export type Json = Record<string, unknown>;

/**
 * One admin API request (Bearer admin token) over plain fetch: `body` is sent as JSON, or `raw`
 * as the exact JSON text when a test needs bytes `JSON.stringify` would not write.
 */
export async function adminCall(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  raw?: string,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(raw !== undefined
      ? { body: raw }
      : body === undefined
        ? {}
        : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}
