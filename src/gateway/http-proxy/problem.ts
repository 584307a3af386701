import type { ServerResponse } from 'node:http';
import type { Refusal } from './context.js';

/**
 * A refusal as RFC 9457 problem details, in the shape the rest of Mandate answers with
 * (`type`, `title`, `status`, `detail`, a stable `code`, `request_id`, then the refusal's own
 * members: decision id, reasons, approval, what is allowed).
 */

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function writeProblem(
  res: ServerResponse,
  requestId: string,
  r: Pick<Refusal, 'status' | 'code' | 'detail' | 'headers' | 'extra'>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    type: `https://mandate.dev/problems/${r.code}`,
    title: TITLES[r.status] ?? 'Error',
    status: r.status,
    detail: r.detail,
    code: r.code,
    request_id: requestId,
    ...r.extra,
  });
  res.writeHead(r.status, {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    'x-request-id': requestId,
    'content-length': Buffer.byteLength(body),
    ...r.headers,
  });
  res.end(body);
}
