/** An error answer from a Mandate server (problem+json or an OAuth error). */
export class MandateApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly requestId: string | undefined,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'MandateApiError';
  }
}

/** Reads an error response into a `MandateApiError`. */
export async function apiError(res: Response): Promise<MandateApiError> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: keep the status line
  }
  const code = String(body.code ?? body.error ?? `http_${res.status}`);
  const detail = String(
    body.detail ?? body.error_description ?? (text.slice(0, 200) || res.statusText),
  );
  return new MandateApiError(
    res.status,
    code,
    detail,
    res.headers.get('x-request-id') ?? undefined,
  );
}

/** Why a `MandateAgent` cannot act before asking the server anything; `switch (err.code)`. */
export type MandateAgentErrorCode =
  'not_attested' | 'svid_expired' | 'svid_spent' | 'no_dpop_key' | 'bad_response';

/**
 * A `MandateAgent` call that failed on the agent's side: it has no usable JWT-SVID (attest
 * first, or again), or it holds a DPoP-bound token without the key. Server refusals are
 * `MandateApiError`s.
 */
export class MandateAgentError extends Error {
  constructor(
    readonly code: MandateAgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MandateAgentError';
  }
}
