import { readFileSync } from 'node:fs';
import type { AgentRegistry } from '../agents/registry.js';
import { ClientService } from '../clients/directory.js';
import { MetadataDocuments } from '../clients/metadata-document.js';
import { fetchMetadataDocument } from '../clients/metadata-fetch.js';
import { ClientRegistration } from '../clients/registration.js';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { Store } from '../core/store/index.js';
import type { GrantService } from '../delegation/grants.js';
import { ADMIN } from '../humans/human.js';
import { destinationRules } from '../policy/destinations/classify.js';
import { systemLookup, type HostLookup } from '../policy/destinations/resolve.js';
import type { Config } from './config/defaults.js';

/** The authorization server's clients (docs/clients.md), composed once at start. */
export interface ClientServices {
  /** Resolving, consent, inventory and revocation: `mandate.clients` (the ClientDirectory). */
  directory: ClientService;
  /** RFC 7591 registration and its initial access tokens. */
  registration: ClientRegistration;
}

export function composeClients(d: {
  config: Config;
  store: Store;
  clock: Clock;
  agents: AgentRegistry;
  grants: GrantService;
  lookupHost?: HostLookup | undefined;
}): ClientServices {
  const { config, store, clock } = d;
  const ca = config.clientMetadataCa === undefined ? undefined : readCa(config.clientMetadataCa);
  // The gateway's internal-network rules: the trust domain and `internalDomains` are internal, `allowedInternalDestinations` allowed.
  const rules = destinationRules(
    [config.trustDomain, ...(config.internalDomains ?? [])],
    config.allowedInternalDestinations ?? [],
  );
  const documents = config.clientMetadataDocuments
    ? new MetadataDocuments({
        clock,
        fetch: (url) =>
          fetchMetadataDocument(url, {
            rules,
            lookup: d.lookupHost ?? systemLookup,
            clock,
            ...(ca !== undefined ? { ca } : {}),
          }),
      })
    : null;
  return {
    directory: new ClientService({
      store,
      clock,
      trustDomain: config.trustDomain,
      documents,
      agentLimits: {
        maxTaskTtlSeconds: config.agentMaxTaskTtl,
        maxDelegationDepth: config.agentMaxDelegationDepth,
      },
      retireAgent: (name, ctx) => d.agents.retire(name, ctx),
      revokeGrant: (id, ctx) => d.grants.revoke(id, ADMIN, ctx),
      activeGrants: (agent) => d.grants.list({ agent, status: 'active' }),
    }),
    registration: new ClientRegistration({
      store,
      clock,
      trustDomain: config.trustDomain,
      mode: config.registration,
    }),
  };
}

/** `clientMetadataCa`: PEM text, or the path of a PEM file; at least one certificate. */
function readCa(value: string): string {
  let pem = value;
  if (!value.trimStart().startsWith('-----BEGIN')) {
    try {
      pem = readFileSync(value, 'utf8');
    } catch (cause) {
      throw new MandateError(
        'invalid_config',
        `invalid configuration: \`clientMetadataCa\` ${value} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
        { key: 'clientMetadataCa' },
        { cause },
      );
    }
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new MandateError(
      'invalid_config',
      'invalid configuration: `clientMetadataCa` holds no PEM certificate',
      { key: 'clientMetadataCa' },
    );
  return pem;
}
