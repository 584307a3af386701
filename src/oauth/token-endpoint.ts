import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { Store } from '../core/store/index.js';
import type { AuthenticatedClient, ClientAuthenticator, PeerVerifier } from './client-auth.js';
import type { DpopVerifier, VerifiedDpop } from '../protocol/dpop/verifier.js';
import { DpopProofError, ReplayCacheFullError } from '../protocol/errors.js';
import {
  exchange,
  parseTokenExchange,
  TOKEN_EXCHANGE_GRANT,
  type ExchangeDeps,
  type IssuedTaskToken,
} from './token-exchange/index.js';

/** What a grant runs with once the client is authenticated, its proof checked and its assertion spent. */
export interface GrantCall {
  client: AuthenticatedClient;
  dpopJkt: string | null;
  ctx: RequestContext;
}

/**
 * A grant type: checks its own parameters (before the DPoP proof is verified and anything is
 * spent) and returns the step that issues the token.
 */
type Grant = (
  form: URLSearchParams,
) => (deps: ExchangeDeps, call: GrantCall) => Promise<IssuedTaskToken>;

/** Every grant the token endpoint answers, by `grant_type` (the metadata's `grant_types_supported`). */
const GRANTS = new Map<string, Grant>([
  [
    TOKEN_EXCHANGE_GRANT,
    (form) => {
      const request = parseTokenExchange(form);
      return (deps, call) => exchange(deps, { ...call, request });
    },
  ],
]);

export const GRANT_TYPES: readonly string[] = [...GRANTS.keys()];

export interface TokenEndpointDeps {
  store: Store;
  clock: Clock;
  clientAuth: ClientAuthenticator;
  dpop: DpopVerifier;
  exchange: ExchangeDeps;
  /** The public URL of the token endpoint (DPoP `htu`). */
  url: string;
  dpopNonce: boolean;
}

/**
 * POST /oauth/token. The order matters: the grant type, authenticate the client, the grant's
 * parameters, check the DPoP proof (which may ask for a nonce), only then spend the single-use
 * client assertion, then run the grant. Every issuance and every refusal is audited; a refusal
 * changes nothing else.
 */
export async function tokenEndpoint(
  deps: TokenEndpointDeps,
  form: URLSearchParams,
  dpopHeader: string | string[] | undefined,
  ctx: RequestContext,
  peer?: PeerVerifier,
): Promise<IssuedTaskToken> {
  let clientId: string | null = null;
  try {
    const grantType = form.get('grant_type');
    if (!grantType) throw new MandateError('invalid_request', '`grant_type` is required');
    if (form.getAll('grant_type').length > 1)
      throw new MandateError('invalid_request', 'parameter `grant_type` must not repeat');
    const grant = GRANTS.get(grantType);
    if (!grant)
      throw new MandateError(
        'unsupported_grant_type',
        `grant type \`${grantType.slice(0, 100)}\` is not supported; use ${GRANT_TYPES.join(' or ')}`,
      );
    const client = await deps.clientAuth.authenticate(form, peer);
    clientId = client.clientId;
    const issue = grant(form);
    const proof = dpopHeader === undefined ? null : await verifyProof(deps, dpopHeader);
    await deps.clientAuth.consumeAssertion(client);
    return await issue(deps.exchange, {
      client,
      dpopJkt: proof?.jkt ?? null,
      ctx: { ...ctx, actor: client.clientId },
    });
  } catch (err) {
    if (!(err instanceof MandateError && err.code === 'use_dpop_nonce'))
      await auditRefusal(deps, form, clientId ?? ctx.actor, err, ctx);
    throw err;
  }
}

/** RFC 9449 §5: the proof of a token request, its refusal as the OAuth error of that name. */
async function verifyProof(
  deps: TokenEndpointDeps,
  proof: string | string[],
): Promise<VerifiedDpop> {
  try {
    return await deps.dpop.verify({
      proof,
      method: 'POST',
      url: deps.url,
      requireNonce: deps.dpopNonce,
    });
  } catch (err) {
    if (err instanceof DpopProofError)
      throw new MandateError(
        err.code,
        err.message,
        err.nonce === undefined ? undefined : { nonce: err.nonce },
        { cause: err },
      );
    if (err instanceof ReplayCacheFullError)
      throw new MandateError('unavailable', err.message, undefined, { cause: err });
    throw err;
  }
}

async function auditRefusal(
  deps: TokenEndpointDeps,
  form: URLSearchParams,
  actor: string,
  err: unknown,
  ctx: RequestContext,
): Promise<void> {
  const e = err instanceof MandateError ? err : undefined;
  await deps.store.transaction((tx) =>
    tx.audit.append({
      actor,
      action: 'token.exchange',
      target: form.get('subject_token_type') ?? form.get('grant_type') ?? 'unknown',
      outcome: e && e.code !== 'internal' && e.code !== 'unavailable' ? 'denied' : 'failure',
      requestId: ctx.requestId,
      details: {
        error: e ? String(e.details?.oauthError ?? e.code) : 'server_error',
        reason: e?.details?.reason ?? null,
        message: e?.message ?? 'internal error',
        scope: form.get('scope'),
        resource: form.getAll('resource'),
        audience: form.getAll('audience'),
      },
    }),
  );
}
