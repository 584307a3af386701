import { MandateError } from '../../core/errors.js';

/**
 * One request to an upstream authorization server's token endpoint (RFC 6749 §3.2), shared by
 * the client-credentials and token-exchange providers: form body, client authentication
 * (§2.3.1), the successful response (§5.1) and the error response (§5.2). No redirects are
 * followed (the body carries a client secret). What an error reports is the upstream's `error`
 * code and HTTP status only: its `error_description` and body can echo what was sent, so they
 * never leave this function.
 */

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface TokenRequest {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  auth: ClientAuthMethod;
  params: Record<string, string | undefined>;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** RFC 6749 §5.1 (and RFC 8693 §2.2.1) response fields Mandate uses. */
export interface TokenResponse {
  accessToken: string;
  tokenType: string;
  /** Seconds, when the server said. */
  expiresIn: number | undefined;
  issuedTokenType: string | undefined;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
/** RFC 6749 §5.2: `error` is NQSCHAR (%x20-21 / %x23-5B / %x5D-7E). */
const OAUTH_ERROR = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function basicCredentials(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

function fail(message: string, reason: string, extra: Record<string, unknown> = {}): never {
  throw new MandateError('credential_unavailable', message, { reason, ...extra });
}

export async function requestToken(req: TokenRequest): Promise<TokenResponse> {
  const where = new URL(req.tokenEndpoint).origin;
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(req.params)) if (v !== undefined) body.set(k, v);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (req.auth === 'client_secret_basic')
    headers.authorization = basicCredentials(req.clientId, req.clientSecret);
  else {
    body.set('client_id', req.clientId);
    body.set('client_secret', req.clientSecret);
  }
  let res: Response;
  try {
    res = await req.fetch(req.tokenEndpoint, {
      method: 'POST',
      headers,
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    const timedOut = (err as { name?: string }).name === 'TimeoutError';
    return fail(
      timedOut
        ? `the authorization server at ${where} did not answer within ${req.timeoutMs} ms`
        : `cannot reach the authorization server at ${where}`,
      timedOut ? 'upstream_timeout' : 'upstream_unreachable',
    );
  }
  let text: string | undefined;
  try {
    text = await readLimited(res);
  } catch {
    return fail(
      `the authorization server at ${where} did not finish its answer within ${req.timeoutMs} ms`,
      'upstream_timeout',
    );
  }
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const code =
      typeof json?.error === 'string' && OAUTH_ERROR.test(json.error) ? json.error : undefined;
    return fail(
      code
        ? `the authorization server at ${where} refused the token request: \`${code}\``
        : `the authorization server at ${where} answered ${res.status}`,
      'upstream_error',
      { upstream_status: res.status, ...(code ? { upstream_error: code } : {}) },
    );
  }
  if (!json)
    return fail(
      `the authorization server at ${where} did not answer with a JSON object`,
      'upstream_bad_response',
      { upstream_status: res.status },
    );
  const {
    access_token: accessToken,
    token_type: tokenType,
    expires_in: expiresIn,
    issued_token_type: issuedTokenType,
  } = json;
  if (typeof accessToken !== 'string' || accessToken.length === 0)
    return fail(
      `the authorization server at ${where} answered without an \`access_token\``,
      'upstream_bad_response',
    );
  if (typeof tokenType !== 'string')
    return fail(
      `the authorization server at ${where} answered without a \`token_type\``,
      'upstream_bad_response',
    );
  const seconds =
    typeof expiresIn === 'number'
      ? expiresIn
      : typeof expiresIn === 'string' && /^\d{1,10}$/.test(expiresIn)
        ? Number(expiresIn)
        : undefined;
  return {
    accessToken,
    tokenType,
    expiresIn:
      seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined,
    issuedTokenType: typeof issuedTokenType === 'string' ? issuedTokenType : undefined,
  };
}

/** The `Authorization` value for a token of `tokenType`; only bearer tokens can be injected (no DPoP key to prove with). */
export function bearerHeader(response: TokenResponse, where: string): string {
  if (response.tokenType.toLowerCase() !== 'bearer') {
    const type = /^[A-Za-z0-9_.-]{1,32}$/.test(response.tokenType)
      ? `a \`${response.tokenType}\``
      : 'a non-bearer';
    return fail(
      `the authorization server at ${where} issued ${type} token; only bearer tokens can be injected`,
      'unsupported_token_type',
    );
  }
  if (/[\r\n\0]/.test(response.accessToken))
    return fail(
      `the authorization server at ${where} issued a token that cannot be sent in a header`,
      'upstream_bad_response',
    );
  return `Bearer ${response.accessToken}`;
}

async function readLimited(res: Response): Promise<string | undefined> {
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > MAX_RESPONSE_BYTES || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
