import { MandateError } from '../../core/errors.js';
import type { Exchange, ExchangeDeps, IssuedTaskToken } from './context.js';
import { delegateTask } from './delegate.js';
import { onBehalfOf } from './on-behalf-of.js';
import { TOKEN_TYPE } from './request.js';
import { startTask } from './start-task.js';

export type { Exchange, ExchangeDeps, IssuedTaskToken } from './context.js';
export { parseTokenExchange, TOKEN_EXCHANGE_GRANT, TOKEN_TYPE } from './request.js';

/**
 * RFC 8693 token exchange, one flow per subject_token_type:
 * - `jwt` (the agent's JWT-SVID) → start a task (start-task.ts)
 * - `access_token` (a task token) + actor_token → delegate (delegate.ts)
 * - Mandate's `grant` type → act on behalf of a human (on-behalf-of.ts)
 */
export function exchange(deps: ExchangeDeps, x: Exchange): Promise<IssuedTaskToken> {
  switch (x.request.subjectTokenType) {
    case TOKEN_TYPE.jwt:
      return startTask(deps, x);
    case TOKEN_TYPE.accessToken:
      return delegateTask(deps, x);
    case TOKEN_TYPE.grant:
      return onBehalfOf(deps, x);
    default:
      throw new MandateError(
        'invalid_request',
        `unsupported \`subject_token_type\`; use ${TOKEN_TYPE.jwt} (start a task), ${TOKEN_TYPE.accessToken} (delegate) or ${TOKEN_TYPE.grant} (on behalf of a human)`,
      );
  }
}
