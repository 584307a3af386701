import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import { jsonReadingProblem } from '../core/json-duplicates.js';
import { randomToken, sha256Hex } from '../core/random.js';
import type { OAuthClientRecord, Store } from '../core/store/index.js';
import { readClientMetadata } from './client-metadata.js';
import { clientSpiffeId, newRegisteredId } from './identity.js';

/**
 * RFC 7591 dynamic client registration at `POST /oauth/register` (the `registration` setting):
 * `open` registers anyone's public client whose redirect URIs are https or loopback http;
 * `initial-access-token` asks for a bearer token an admin created (`POST
 * /v1/clients/registration-tokens`), each good for a number of registrations until it expires,
 * and also takes private-use scheme redirect URIs; `off` registers nothing. Registered clients
 * are public clients (`token_endpoint_auth_method` `none`): PKCE proves the code's requester.
 * A client nobody consented to within `UNCLAIMED_MS` is deleted at a later registration, so open
 * registration cannot fill the store.
 */

export type RegistrationMode = 'off' | 'open' | 'initial-access-token';

/** A registered client nobody consented to is deleted this long after its registration. */
export const UNCLAIMED_MS = 86_400_000;
/** The most clients one registration deletes as unclaimed. */
const UNCLAIMED_BATCH = 100;
/** The largest registration request body read. */
export const MAX_REGISTRATION_BYTES = 64 * 1024;

export interface ClientRegistrationOptions {
  store: Store;
  clock: Clock;
  trustDomain: string;
  mode: RegistrationMode;
}

/** The RFC 7591 §3.2.1 response for a registered client. */
export function registrationResponse(c: OAuthClientRecord) {
  return {
    client_id: c.clientId,
    client_id_issued_at: Math.floor(c.createdAt / 1000),
    client_name: c.name,
    redirect_uris: c.redirectUris,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...(c.logoUri !== null ? { logo_uri: c.logoUri } : {}),
    ...(c.clientUri !== null ? { client_uri: c.clientUri } : {}),
  };
}

export class ClientRegistration {
  constructor(private readonly o: ClientRegistrationOptions) {}

  get mode(): RegistrationMode {
    return this.o.mode;
  }

  /**
   * Registers the client that `body` (the raw JSON text) describes. `bearer` is the request's
   * bearer token (initial-access-token mode). Throws `invalid_token` (401) for a missing or bad
   * initial access token, `invalid_client_metadata` or `invalid_redirect_uri` (RFC 7591 §3.2.2)
   * for a bad request; audited as `client.register`.
   */
  async register(
    body: string,
    bearer: string | undefined,
    ctx: RequestContext,
  ): Promise<OAuthClientRecord> {
    if (this.o.mode === 'off')
      throw new MandateError('not_found', 'dynamic client registration is off on this server');
    const tokenHash = bearer === undefined ? undefined : sha256Hex(bearer);
    if (this.o.mode === 'initial-access-token' && tokenHash === undefined)
      throw new MandateError(
        'invalid_token',
        'registration needs an initial access token: send `Authorization: Bearer <token>` (an admin creates one with `mandate clients registration-token`)',
      );
    const doc = parseBody(body);
    const read = readClientMetadata(doc, 'registration', this.o.mode === 'open' ? 'web' : 'native');
    if ('error' in read)
      throw new MandateError(
        read.error.field.startsWith('redirect_uris')
          ? 'invalid_redirect_uri'
          : 'invalid_client_metadata',
        `\`${read.error.field}\` ${read.error.problem}`,
        { field: read.error.field },
      );
    const now = this.o.clock.now();
    const id = newRegisteredId();
    const client: OAuthClientRecord = {
      clientId: id,
      id,
      kind: 'registered',
      name: read.value.name ?? `client ${id.slice(0, 8)}`,
      redirectUris: read.value.redirectUris,
      tokenEndpointAuthMethod: 'none',
      logoUri: read.value.logoUri,
      clientUri: read.value.clientUri,
      owner: null,
      status: 'active',
      createdBy: tokenHash === undefined ? 'registration' : 'registration-token',
      createdAt: now,
      updatedAt: now,
      revokedAt: null,
    };
    await this.o.store.transaction(async (tx) => {
      if (this.o.mode === 'initial-access-token') {
        // Spent in the transaction that registers: a refused registration costs no use.
        const token = await tx.registrationTokens.consume(tokenHash!, now);
        if (!token)
          throw new MandateError(
            'invalid_token',
            'the initial access token is not valid: unknown, expired or used up',
          );
      }
      const unclaimed = await tx.oauthClients.deleteUnclaimed(now - UNCLAIMED_MS, UNCLAIMED_BATCH);
      await tx.oauthClients.insert(client);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'client.register',
        target: clientSpiffeId(this.o.trustDomain, id),
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          client_id: id,
          kind: 'registered',
          name: client.name,
          redirect_uris: client.redirectUris,
          ...(tokenHash !== undefined ? { registration_token: tokenHash.slice(0, 12) } : {}),
          ...(unclaimed > 0 ? { unclaimed_deleted: unclaimed } : {}),
        },
      });
    });
    return client;
  }

  /**
   * A new initial access token, good for `uses` registrations until `ttlSeconds` from now. Only
   * its hash is stored; audited as `registration_token.create`.
   */
  async createToken(
    input: { ttlSeconds: number; uses: number },
    ctx: RequestContext,
  ): Promise<{ token: string; expiresAt: number; uses: number }> {
    if (
      !Number.isInteger(input.ttlSeconds) ||
      input.ttlSeconds < 1 ||
      input.ttlSeconds > 30 * 86_400
    )
      throw new MandateError(
        'invalid_request',
        '`ttl_seconds` must be a whole number from 1 to 2592000',
      );
    if (!Number.isInteger(input.uses) || input.uses < 1 || input.uses > 1000)
      throw new MandateError('invalid_request', '`uses` must be a whole number from 1 to 1000');
    const token = randomToken(32);
    const now = this.o.clock.now();
    const hash = sha256Hex(token);
    const expiresAt = now + input.ttlSeconds * 1000;
    await this.o.store.transaction(async (tx) => {
      await tx.registrationTokens.deleteExpired(now);
      await tx.registrationTokens.insert({
        hash,
        createdBy: ctx.actor,
        createdAt: now,
        expiresAt,
        usesLeft: input.uses,
      });
      await tx.audit.append({
        actor: ctx.actor,
        action: 'registration_token.create',
        target: `registration_token:${hash.slice(0, 12)}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { expires_at: expiresAt, uses: input.uses },
      });
    });
    return { token, expiresAt, uses: input.uses };
  }
}

/** The registration request: one JSON object (RFC 7591 §3.1), every problem `invalid_client_metadata`. */
function parseBody(body: string): Record<string, unknown> {
  const refuse = (why: string) => new MandateError('invalid_client_metadata', why);
  if (Buffer.byteLength(body) > MAX_REGISTRATION_BYTES)
    throw refuse(`the registration request is larger than ${MAX_REGISTRATION_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw refuse('the registration request is not json');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw refuse('the registration request must be a json object');
  const twice = jsonReadingProblem(body);
  if (twice) throw refuse(twice);
  return doc as Record<string, unknown>;
}
