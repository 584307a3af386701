import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type {
  AgentLimits,
  AgentRecord,
  OAuthClientRecord,
  Store,
  StoreTx,
} from '../core/store/index.js';
import { quote } from '../delegation/text.js';
import type { ClientDirectory, OAuthClient } from './client.js';
import { clientIdUrlProblem, isClientIdUrl, MAX_CLIENT_ID_URL } from './client-id-url.js';
import {
  clientAgent,
  clientAgentName,
  clientOf,
  clientSpiffeId,
  documentClientId,
  idOf,
} from './identity.js';
import type { MetadataDocuments } from './metadata-document.js';
import { redirectMatches } from './redirect-uri.js';

export interface ClientServiceOptions {
  store: Store;
  clock: Clock;
  trustDomain: string;
  /** Metadata-document clients (`clientMetadataDocuments`), or null when they are off. */
  documents: MetadataDocuments | null;
  /** The limits of each client's agent identity (the agent defaults). */
  agentLimits: AgentLimits;
  /** Retires an agent (the agent registry): its tokens die through the revocation feed. */
  retireAgent: (name: string, ctx: RequestContext) => Promise<unknown>;
  /** Revokes one grant as the admin (the grant service: its event, audit and notices). */
  revokeGrant: (id: string, ctx: RequestContext) => Promise<unknown>;
  /** Active grants to an agent. */
  activeGrants: (agent: string) => Promise<{ id: string }[]>;
}

/**
 * The clients of Mandate's authorization server (docs/clients.md): resolving a `client_id` for
 * the authorization and token endpoints, recording consent, and the admin's inventory and
 * revocation. Registration is ./registration.ts.
 */
export class ClientService implements ClientDirectory {
  constructor(private readonly o: ClientServiceOptions) {}

  async resolve(clientId: string): Promise<OAuthClient> {
    if (clientId === '' || clientId.length > MAX_CLIENT_ID_URL)
      throw new MandateError('invalid_request', '`client_id` must be 1 to 2000 characters');
    if (!isClientIdUrl(clientId)) {
      const row = await this.o.store.read.oauthClients.get(clientId);
      if (!row || row.kind !== 'registered')
        throw new MandateError('invalid_client', `client ${quote(clientId)} is not registered`);
      await this.#refuseInactive(row);
      return clientOf(row, this.o.trustDomain);
    }
    if (!this.o.documents)
      throw new MandateError(
        'invalid_client',
        'this server does not take client id metadata documents (`clientMetadataDocuments` is off); register the client',
      );
    const problem = clientIdUrlProblem(clientId);
    if (problem)
      throw new MandateError('invalid_client', `client id ${quote(clientId)} ${problem}`);
    const row = await this.o.store.read.oauthClients.get(clientId);
    if (row) await this.#refuseInactive(row);
    const metadata = await this.o.documents.get(clientId);
    return {
      clientId,
      kind: 'metadata-document',
      name: metadata.name ?? new URL(clientId).host,
      redirectUris: metadata.redirectUris,
      spiffeId: clientSpiffeId(this.o.trustDomain, documentClientId(clientId)),
      owner: row?.owner ?? null,
      status: 'active',
      ...(metadata.logoUri !== null ? { logoUri: metadata.logoUri } : {}),
      ...(metadata.clientUri !== null ? { clientUri: metadata.clientUri } : {}),
      tokenEndpointAuthMethod: metadata.tokenEndpointAuthMethod,
    };
  }

  redirectAllowed(client: OAuthClient, redirectUri: string): boolean {
    return client.redirectUris.some((r) => redirectMatches(r, redirectUri));
  }

  async recordConsent(tx: StoreTx, client: OAuthClient, human: string): Promise<void> {
    const now = this.o.clock.now();
    const id = idOf(client.kind, client.clientId);
    const row = await tx.oauthClients.get(client.clientId);
    if (row?.status === 'revoked' || (!row && client.kind === 'registered'))
      throw new MandateError(
        'invalid_client',
        `client ${quote(client.clientId)} ${row ? 'was revoked' : 'is not registered'}`,
      );
    const owner = row?.owner ?? human;
    const current: OAuthClientRecord = {
      clientId: client.clientId,
      id,
      kind: client.kind,
      // A metadata document's client is recorded as the human saw it when consenting.
      name: client.name,
      redirectUris: [...client.redirectUris],
      tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
      logoUri: client.logoUri ?? null,
      clientUri: client.clientUri ?? null,
      owner,
      status: 'active',
      createdBy: row?.createdBy ?? 'consent',
      createdAt: row?.createdAt ?? now,
      updatedAt: now,
      revokedAt: null,
    };
    if (!row) {
      await tx.oauthClients.insert(current);
      await tx.audit.append({
        actor: `human:${human}`,
        action: 'client.register',
        target: client.spiffeId,
        outcome: 'success',
        requestId: null,
        details: { client_id: client.clientId, kind: client.kind, name: client.name },
      });
    } else if (row.owner === null || client.kind === 'metadata-document') {
      await tx.oauthClients.update({ ...current, createdBy: row.createdBy });
    }
    if (await tx.agents.getBySpiffeId(client.spiffeId)) return;
    const agent = clientAgent(client, id, owner, this.o.agentLimits, now);
    await tx.agents.insert(agent);
    await tx.audit.append({
      actor: `human:${human}`,
      action: 'agent.register',
      target: agent.spiffeId,
      outcome: 'success',
      requestId: null,
      details: { owner, purpose: agent.purpose, client_id: client.clientId, kind: client.kind },
    });
  }

  /** Every client Mandate keeps, oldest first. */
  list(filter: { status?: OAuthClientRecord['status']; owner?: string } = {}) {
    return this.o.store.read.oauthClients.list(filter);
  }

  /** A client by its id (the end of its SPIFFE ID) or its `client_id`; `not_found` otherwise. */
  async get(idOrClientId: string): Promise<OAuthClientRecord> {
    const read = this.o.store.read.oauthClients;
    const row = (await read.getById(idOrClientId)) ?? (await read.get(idOrClientId));
    if (!row)
      throw new MandateError('not_found', `no client ${quote(idOrClientId)}`, {
        id: idOrClientId,
      });
    return row;
  }

  /** The agent identity of a client, when it has one (after its first consent). */
  agentOf(row: OAuthClientRecord): Promise<AgentRecord | undefined> {
    return this.o.store.read.agents.getBySpiffeId(clientSpiffeId(this.o.trustDomain, row.id));
  }

  /**
   * Revokes a client: it cannot be authorized again, its agent identity is retired (every token
   * it holds dies through the revocation feed) and every grant to it is revoked. Audited as
   * `client.revoke`, then `agent.retire` and a `grant.revoke` per grant. Revoking again finishes
   * what an interrupted revocation left.
   */
  async revoke(idOrClientId: string, ctx: RequestContext): Promise<OAuthClientRecord> {
    const found = await this.get(idOrClientId);
    const row = await this.o.store.transaction(async (tx) => {
      const r = await tx.oauthClients.get(found.clientId);
      if (!r) throw new MandateError('not_found', `no client ${quote(idOrClientId)}`);
      if (r.status === 'revoked') return r;
      const now = this.o.clock.now();
      const revoked: OAuthClientRecord = {
        ...r,
        status: 'revoked',
        revokedAt: now,
        updatedAt: now,
      };
      await tx.oauthClients.update(revoked);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'client.revoke',
        target: clientSpiffeId(this.o.trustDomain, r.id),
        outcome: 'success',
        requestId: ctx.requestId,
        details: { client_id: r.clientId, kind: r.kind, owner: r.owner },
      });
      return revoked;
    });
    this.o.documents?.forget(row.clientId);
    const agent = await this.agentOf(row);
    if (agent) {
      if (agent.status !== 'retired') await this.o.retireAgent(agent.name, ctx);
      for (const g of await this.o.activeGrants(agent.spiffeId))
        await this.o.revokeGrant(g.id, ctx);
    }
    return row;
  }

  async #refuseInactive(row: OAuthClientRecord): Promise<void> {
    if (row.status === 'revoked')
      throw new MandateError('invalid_client', `client ${quote(row.clientId)} was revoked`);
    const agent = await this.o.store.read.agents.getBySpiffeId(
      clientSpiffeId(this.o.trustDomain, row.id),
    );
    if (agent && agent.status !== 'active')
      throw new MandateError(
        'invalid_client',
        `client ${quote(row.clientId)} is ${agent.status} (its agent \`${clientAgentName(row.id)}\`)`,
      );
  }
}
