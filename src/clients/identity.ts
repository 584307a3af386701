import { createHash, randomBytes } from 'node:crypto';
import { spiffeIdFrom } from '../core/spiffe-id.js';
import type { AgentLimits, AgentRecord, OAuthClientRecord } from '../core/store/index.js';
import type { OAuthClient } from './client.js';

/**
 * A client's agent identity: `spiffe://<trust-domain>/client/<id>`, registered in the agent
 * registry under the name `client/<id>` (no agent name can contain a `/`, so none collides),
 * owned by the human who first consented. It is an agent like any other: listed in the
 * inventory, suspended or retired with `mandate agent`, and every token it holds dies with it
 * through the revocation feed.
 */

/** The id of a registered client: 128 random bits, hex (also its `client_id`). */
export function newRegisteredId(): string {
  return randomBytes(16).toString('hex');
}

/** The id of a metadata-document client: stable, from its URL (SHA-256, 128 bits, hex). */
export function documentClientId(url: string): string {
  return createHash('sha256').update(url, 'utf8').digest('hex').slice(0, 32);
}

/** The id a client's SPIFFE ID ends in. */
export function idOf(kind: OAuthClient['kind'], clientId: string): string {
  return kind === 'registered' ? clientId : documentClientId(clientId);
}

export function clientSpiffeId(trustDomain: string, id: string): string {
  return spiffeIdFrom(trustDomain, 'client', id).id;
}

/** The agent registry's name for a client's identity. */
export function clientAgentName(id: string): string {
  return `client/${id}`;
}

/** The contract's view of a stored client. */
export function clientOf(r: OAuthClientRecord, trustDomain: string): OAuthClient {
  return {
    clientId: r.clientId,
    kind: r.kind,
    name: r.name,
    redirectUris: [...r.redirectUris],
    spiffeId: clientSpiffeId(trustDomain, r.id),
    owner: r.owner,
    status: r.status,
    ...(r.logoUri !== null ? { logoUri: r.logoUri } : {}),
    ...(r.clientUri !== null ? { clientUri: r.clientUri } : {}),
    tokenEndpointAuthMethod: r.tokenEndpointAuthMethod,
  };
}

/**
 * The agent record of a client's identity. Its scopes are not limited here: what the client may
 * call is what the human consented to (the grant) and what policy allows at each call.
 */
export function clientAgent(
  client: OAuthClient,
  id: string,
  owner: string,
  limits: AgentLimits,
  now: number,
): AgentRecord {
  return {
    name: clientAgentName(id),
    spiffeId: client.spiffeId,
    owner,
    purpose: `OAuth client ${client.name} (${client.clientId})`.slice(0, 1024),
    labels: { 'oauth-client': client.kind },
    status: 'active',
    limits,
    allowedScopes: ['*'],
    requireDpop: false,
    createdAt: now,
    updatedAt: now,
  };
}
