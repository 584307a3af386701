import { MandateError } from '../../core/errors.js';
import { parseTaskTokenParams, refuseRepeats, type TaskTokenParams } from '../task-params.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  /** Mandate's: a human's delegation grant id, for on-behalf-of tasks. */
  grant: 'urn:mandate:params:oauth:token-type:grant',
} as const;

/** A parsed and checked RFC 8693 request. */
export interface TokenExchangeRequest extends TaskTokenParams {
  subjectToken: string;
  subjectTokenType: string;
  actorToken: string | undefined;
  actorTokenType: string | undefined;
}

/** Parses the form; RFC 8693 §2.1 rules, RFC 8707 for `resource`. Throws OAuth error codes. */
export function parseTokenExchange(form: URLSearchParams): TokenExchangeRequest {
  refuseRepeats(form);
  const get = (k: string): string | undefined => form.get(k) || undefined;
  const subjectToken = get('subject_token');
  const subjectTokenType = get('subject_token_type');
  if (!subjectToken || !subjectTokenType)
    throw new MandateError(
      'invalid_request',
      '`subject_token` and `subject_token_type` are required',
    );
  const actorToken = get('actor_token');
  const actorTokenType = get('actor_token_type');
  // RFC 8693 §2.1: actor_token_type is required with actor_token and must not appear without it.
  if (Boolean(actorToken) !== Boolean(actorTokenType))
    throw new MandateError(
      'invalid_request',
      '`actor_token_type` goes with `actor_token`: send both or neither',
    );
  const requested = get('requested_token_type');
  if (requested && requested !== TOKEN_TYPE.accessToken)
    throw new MandateError(
      'invalid_request',
      `unsupported \`requested_token_type\`; this server issues ${TOKEN_TYPE.accessToken}`,
    );
  return {
    subjectToken,
    subjectTokenType,
    actorToken,
    actorTokenType,
    ...parseTaskTokenParams(form),
  };
}
