// A small, real OAuth authorization server on a loopback port for the broker's tests: client
// credentials (RFC 6749 §4.4) and token exchange (RFC 8693), client_secret_basic and
// client_secret_post, every request recorded. Its error answers deliberately echo what the
// client sent in `error_description`, so tests can show that the broker never passes that on.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AsRequest {
  grantType: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  auth: 'basic' | 'post' | 'none';
  params: Record<string, string>;
}

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface UpstreamAs {
  url: string;
  tokenEndpoint: string;
  requests: AsRequest[];
  /** Token → what it was issued for. */
  issued: Map<string, { clientId: string; grantType: string; params: Record<string, string> }>;
  /** Overrides the answer to the next requests while set. */
  override: ((req: AsRequest) => Answer | undefined) | undefined;
  /** While set, token responses wait for it (to hold concurrent requests in flight). */
  hold: Promise<void> | undefined;
  close(): Promise<void>;
}

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

export async function startUpstreamAs(opts: {
  clients: Record<string, string>;
  expiresIn?: number | undefined;
  tokenType?: string;
}): Promise<UpstreamAs> {
  const as: UpstreamAs = {
    url: '',
    tokenEndpoint: '',
    requests: [],
    issued: new Map(),
    override: undefined,
    hold: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const send = (res: ServerResponse, a: Answer) => {
    res.writeHead(a.status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...a.headers,
    });
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== '/token')
          return send(res, { status: 404, body: { error: 'not_found' } });
        const params = Object.fromEntries(new URLSearchParams(raw));
        const header = req.headers.authorization;
        let r: AsRequest;
        if (header?.startsWith('Basic ')) {
          const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
          const i = decoded.indexOf(':');
          r = {
            grantType: params.grant_type ?? '',
            clientId: formDecode(decoded.slice(0, i)),
            clientSecret: formDecode(decoded.slice(i + 1)),
            auth: 'basic',
            params,
          };
        } else {
          r = {
            grantType: params.grant_type ?? '',
            clientId: params.client_id,
            clientSecret: params.client_secret,
            auth: params.client_secret ? 'post' : 'none',
            params,
          };
        }
        as.requests.push(r);
        if (as.hold) await as.hold;
        const over = as.override?.(r);
        if (over) return send(res, over);
        if (
          !r.clientId ||
          opts.clients[r.clientId] === undefined ||
          opts.clients[r.clientId] !== r.clientSecret
        ) {
          return send(res, {
            status: 401,
            body: {
              error: 'invalid_client',
              error_description: `client ${r.clientId ?? '-'} with secret ${r.clientSecret ?? '-'} is not known`,
            },
            headers: { 'www-authenticate': 'Basic' },
          });
        }
        if (r.grantType !== 'client_credentials' && r.grantType !== TOKEN_EXCHANGE_GRANT)
          return send(res, { status: 400, body: { error: 'unsupported_grant_type' } });
        if (
          r.grantType === TOKEN_EXCHANGE_GRANT &&
          (!params.subject_token || !params.subject_token_type)
        )
          return send(res, { status: 400, body: { error: 'invalid_request' } });
        const token = `${r.grantType === 'client_credentials' ? 'cc' : 'te'}_${randomBytes(16).toString('base64url')}`;
        as.issued.set(token, { clientId: r.clientId, grantType: r.grantType, params });
        send(res, {
          status: 200,
          body: {
            access_token: token,
            token_type: opts.tokenType ?? 'Bearer',
            ...(opts.expiresIn === undefined ? {} : { expires_in: opts.expiresIn }),
            ...(r.grantType === TOKEN_EXCHANGE_GRANT
              ? { issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' }
              : {}),
          },
        });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  as.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  as.tokenEndpoint = `${as.url}/token`;
  return as;
}
