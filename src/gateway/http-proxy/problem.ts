import type { ServerResponse } from 'node:http';
import { statusOf, titleOf } from '../../core/error-codes.js';
import type { Refusal } from './context.js';

/**
 * A refusal as RFC 9457 problem details, in the shape the rest of Mandate answers with
 * (`type`, `title`, `status`, `detail`, a stable `code`, `request_id`, then the refusal's own
 * members: decision id, reasons, approval, what is allowed). A code's status and title are the
 * error registry's.
 */

export function writeProblem(
  res: ServerResponse,
  requestId: string,
  r: Pick<Refusal, 'code' | 'detail' | 'headers' | 'extra'>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = statusOf(r.code);
  const body = JSON.stringify({
    type: `https://mandate.dev/problems/${r.code}`,
    title: titleOf(r.code),
    status,
    detail: r.detail,
    code: r.code,
    request_id: requestId,
    ...r.extra,
  });
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    'x-request-id': requestId,
    'content-length': Buffer.byteLength(body),
    ...r.headers,
  });
  res.end(body);
}
