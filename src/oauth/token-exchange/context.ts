import type { Clock } from '../../core/clock.js';
import type { RequestContext } from '../../core/context.js';
import type { Store } from '../../core/store/index.js';
import type { ToolAccessDetail } from '../../delegation/authorization-details.js';
import type { JwtSvidVerifier } from '../../identity/jwt-svid-verifier.js';
import type { KeyManager } from '../../identity/keys/key-manager.js';
import type { RevocationRegistry } from '../../revocation/registry.js';
import type { AuthenticatedClient } from '../client-auth.js';
import type { OwnTokenVerifier } from '../task-token.js';
import type { TaskTokenParams } from '../task-params.js';
import type { TokenExchangeRequest } from './request.js';
import type { ExchangeSignals } from './signal-check.js';

/** What every token exchange step may use. */
export interface ExchangeDeps {
  store: Store;
  clock: Clock;
  keys: KeyManager;
  svids: JwtSvidVerifier;
  ownTokens: OwnTokenVerifier;
  revocations: RevocationRegistry;
  issuer: string;
  trustDomain: string;
  taskTokenMaxTtlSeconds: number;
  dpopRequired: boolean;
  /** Risk signals: the purposes the operator declared and the risk that refuses a new token (docs/signals.md); default none. */
  signals?: ExchangeSignals;
}

/** One token request: who asks, with which proof key, for what (an RFC 8693 exchange by default). */
export interface Exchange<R extends TaskTokenParams = TokenExchangeRequest> {
  client: AuthenticatedClient;
  /** Thumbprint of this request's DPoP proof key, when a proof was sent. */
  dpopJkt: string | null;
  request: R;
  ctx: RequestContext;
}

/** The token endpoint's answer (RFC 8693 §2.2.1). */
export interface IssuedTaskToken {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  expiresIn: number;
  scope: string;
  authorizationDetails: ToolAccessDetail[] | undefined;
  taskId: string;
  jti: string;
}
