import { join } from 'node:path';
import { AgentRegistry } from '../agents/registry.js';
import { AuditCheckpointer } from '../audit/checkpoint.js';
import { AuditLog } from '../audit/audit-log.js';
import { systemClock, type Clock } from '../core/clock.js';
import { systemContext } from '../core/context.js';
import type { Store } from '../core/store/index.js';
import { Attestation } from '../identity/attestation/attest.js';
import { JwtAttestor } from '../identity/attestation/jwt-attestor.js';
import { TrustedIssuers } from '../identity/attestation/trusted-issuers.js';
import { BundlePublisher } from '../identity/bundle.js';
import { CaManager } from '../identity/ca-manager.js';
import { KeyManager } from '../identity/keys/key-manager.js';
import { createSealer, loadMasterKey } from '../identity/keys/sealing.js';
import { CredentialBroker } from '../broker/broker.js';
import { Envelope } from '../broker/envelope.js';
import { SecretStore } from '../broker/secret-store.js';
import { MandateError } from '../core/errors.js';
import { openDatabase, prepareDataDir } from './data-dir.js';
import { Retention } from './retention.js';
import { setupAdminToken, type AdminToken } from './admin-token.js';
import type { Config } from './config/defaults.js';
import { Metrics } from './metrics.js';
import { Readiness } from './readiness.js';
import { Slots } from './slots.js';
import { hkdfSync } from 'node:crypto';
import { JwtSvidVerifier } from '../identity/jwt-svid-verifier.js';
import { ClientAuthenticator } from '../oauth/client-auth.js';
import { createDpopNonces } from '../protocol/dpop/hmac-nonce.js';
import { DpopReplayCache } from '../protocol/dpop/replay-cache.js';
import { DpopVerifier } from '../protocol/dpop/verifier.js';
import { OwnTokenVerifier } from '../oauth/task-token.js';
import type { ExchangeDeps } from '../oauth/token-exchange/index.js';
import type { TokenEndpointDeps } from '../oauth/token-endpoint.js';
import type { TokenRevocationDeps } from '../oauth/revocation.js';
import type { KeyRevocationDeps } from '../revocation/key-revocation.js';
import { RevocationRegistry } from '../revocation/registry.js';
import { RevocationBus } from '../revocation/bus.js';
import { TaskService } from '../tasks/task-service.js';
import { FederationService } from '../identity/federation.js';
import { PolicyStore } from '../policy/policy-store.js';
import { BatchedAuditAppender } from '../audit/batched-appender.js';
import { DecisionService } from '../policy/decision-service.js';
import { DestinationResolver, type HostLookup } from '../policy/destinations/resolve.js';
import { CatalogService } from '../policy/catalog-service.js';
import { ToolCatalog } from '../policy/tool-catalog.js';
import { PolicyTrials } from '../policy/policy-trials.js';
import { SIGNALS_DETECTORS_OFF } from '../session/signal-config.js';
import { SignalService } from '../session/signal-service.js';
import { SessionStates } from '../session/session-states.js';
import { signalOf, signalRecord } from '../session/signals.js';
import { ApprovalService } from '../delegation/approvals.js';
import { composeDelegation, type DelegationServices } from './compose-delegation.js';
import { composeClients } from './compose-clients.js';
import type { ClientService } from '../clients/directory.js';
import type { ClientRegistration } from '../clients/registration.js';
import { McpGateway } from '../gateway/mcp/gateway.js';
import { HttpProxy } from '../gateway/http-proxy/proxy.js';
import { composeSsf, type SsfServices } from '../ssf/index.js';
import {
  riskLevelChangeOf,
  secretCredentialChangeOf,
  tokenClaimsChangeOf,
  type CaepEvent,
} from '../ssf/caep.js';

/** Everything a running Mandate holds, composed once at start. */
export interface Mandate {
  config: Config;
  clock: Clock;
  store: Store;
  keys: KeyManager;
  ca: CaManager;
  bundle: BundlePublisher;
  agents: AgentRegistry;
  attestation: Attestation;
  checkpointer: AuditCheckpointer;
  /** The audit log as the admin API reads it: verification and export. */
  auditLog: AuditLog;
  /** Deletes expired records and archives old audit events (docs/operations.md); `serve` runs it every `retentionInterval`. */
  retention: Retention;
  adminToken: AdminToken;
  /** Whether this Mandate can serve (`GET /readyz`), with its write probe. */
  readiness: Readiness;
  metrics: Metrics;
  svids: JwtSvidVerifier;
  ownTokens: OwnTokenVerifier;
  revocations: RevocationRegistry;
  /** The revocation feed after commit: applies each event to `revocations` and fans it out (GET /v1/events). */
  revocationBus: RevocationBus;
  clientAuth: ClientAuthenticator;
  dpop: DpopVerifier;
  /** What `POST /oauth/token` runs with. */
  tokenEndpoint: TokenEndpointDeps;
  /** What `POST /oauth/revoke` runs with. */
  tokenRevocation: TokenRevocationDeps;
  /** What `POST /v1/keys/:kid/revoke` runs with. */
  keyRevocation: KeyRevocationDeps;
  tasks: TaskService;
  federation: FederationService;
  /** JWT issuers trusted for attestation, with their claim rules (`/v1/trusted-issuers`). */
  trustedIssuers: TrustedIssuers;
  exchange: ExchangeDeps;
  /** Versioned policy sets; `policyStore.active()` is the decision point that decides now. */
  policyStore: PolicyStore;
  /** The tool catalog (persisted, audited); `catalog.catalog` is the in-memory index decisions read. */
  catalog: CatalogService;
  /** Tool-call decisions (POST /v1/authorize, AuthZEN, the gateway), with per-task session state. */
  decisions: DecisionService;
  /** Candidate policies replayed against recorded decisions, and the shadow set. */
  policyTrials: PolicyTrials;
  /** Per-call approvals: bound to one call, single use, expiring. */
  approvals: ApprovalService;
  /** Risk signals: outside ones (POST /v1/signals) and the built-in detectors', with their graduated responses (docs/signals.md). */
  signals: SignalService;
  /** Human sign-in, grant requests, grants humans narrow and revoke, who may approve, webhooks (docs/delegation.md). */
  delegation: DelegationServices;
  /** The authorization server's OAuth clients (MCP hosts): resolving, consent, inventory, revocation (docs/clients.md). */
  clients: ClientService;
  /** RFC 7591 registration at POST /oauth/register and its initial access tokens (the `registration` setting). */
  clientRegistration: ClientRegistration;
  /** The MCP gateway at /mcp, or null when no `gateway` is configured. */
  gateway: McpGateway | null;
  /** The HTTP proxy for plain APIs at /proxy/<service>, or null when no `proxy` is configured. */
  proxy: HttpProxy | null;
  /** The Shared Signals Framework transmitter: streams and their SETs (docs/ssf.md). */
  ssf: SsfServices;
  /** The broker's secrets: write-only, versioned, envelope-encrypted under the master key. */
  secrets: SecretStore;
  /** Upstream credentials and identity assertions for the enforcement points (docs/broker.md). */
  broker: CredentialBroker;
  /** Slots for the open `GET /v1/events` streams (`eventsMaxSubscribers`). */
  eventStreams: Slots;
  /** Public URLs of the OAuth endpoints. */
  endpoints: { token: string; introspection: string; revocation: string };
  masterKey: { source: 'env' | 'file'; path?: string | undefined; created: boolean };
  close(): Promise<void>;
}

export interface MandateDeps {
  clock?: Clock;
  fetch?: typeof fetch;
  /** How `resolveDestinations` looks names up; default the system resolver. */
  lookupHost?: HostLookup;
}

export const DATABASE_FILE = 'mandate.db';

/** Opens the store, creates or loads keys and the CA, and wires the domains together. */
export async function createMandate(config: Config, deps: MandateDeps = {}): Promise<Mandate> {
  const clock = deps.clock ?? systemClock;
  // Names the path and the cause (ENOTDIR, EROFS, EACCES, …) instead of SQLite's "unable to open database file".
  prepareDataDir(config.dataDir);
  const master = loadMasterKey(config.dataDir, config.masterKey);
  const sealer = createSealer(master.key);
  const sqlite = openDatabase(join(config.dataDir, DATABASE_FILE), clock);
  const revocations = new RevocationRegistry(clock);
  const revocationBus = new RevocationBus(sqlite, revocations, {
    clock,
    history: config.eventsHistory,
    heartbeatMs: config.eventsHeartbeat * 1000,
  });
  // Every domain writes through this store: a transaction that appends a revocation event returns once the bus has applied it.
  const store = revocationBus.follow(sqlite);
  try {
    await bindTrustDomain(store, config);
    const keys = new KeyManager(store, sealer, clock, {
      'jwt-svid': { alg: config.jwtSvidAlg, maxTokenTtlSeconds: config.jwtSvidMaxTtl },
      token: {
        alg: config.jwtAlg,
        maxTokenTtlSeconds: Math.max(config.taskTokenMaxTtl, config.agentMaxTaskTtl),
      },
    });
    await keys.initialize(systemContext);
    // A master key other than the one the keys were sealed with would otherwise only fail at the first signature, as a 500.
    await keys.signingKey('token').catch((cause: unknown) => {
      if (!(cause instanceof MandateError && cause.code === 'internal')) throw cause;
      const from = master.source === 'env' ? 'MANDATE_MASTER_KEY' : master.path;
      throw new MandateError(
        'invalid_config',
        `invalid configuration: \`masterKey\` from ${from} cannot open the private keys in ${config.dataDir}; use the master key this data dir was created with`,
        { key: 'masterKey' },
        { cause },
      );
    });
    const ca = new CaManager(store, sealer, clock, {
      trustDomain: config.trustDomain,
      caTtlSeconds: config.caTtl,
      upstream:
        config.caUpstreamCert && config.caUpstreamKey
          ? {
              certFile: config.caUpstreamCert,
              keyFile: config.caUpstreamKey,
              chainFile: config.caUpstreamChain,
            }
          : undefined,
    });
    await ca.initialize(systemContext);
    const agents = new AgentRegistry(store, clock, {
      trustDomain: config.trustDomain,
      defaultLimits: {
        maxTaskTtlSeconds: config.agentMaxTaskTtl,
        maxDelegationDepth: config.agentMaxDelegationDepth,
      },
    });
    const jwtAttestor = new JwtAttestor({ clock, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    const attestation = new Attestation(store, clock, keys, ca, jwtAttestor, {
      issuer: config.issuer,
      jwtSvidTtlSeconds: config.jwtSvidTtl,
      jwtSvidMaxTtlSeconds: config.jwtSvidMaxTtl,
      x509SvidTtlSeconds: config.x509SvidTtl,
      x509SvidMaxTtlSeconds: config.x509SvidMaxTtl,
    });
    const bundle = new BundlePublisher(store, keys, ca, config.bundleRefreshHint);
    const checkpointer = new AuditCheckpointer(store, keys, clock, config.trustDomain);
    const retention = new Retention(store, clock, {
      expiredSeconds: config.retentionExpired,
      auditSeconds: config.auditRetention,
      batch: config.retentionBatch,
      dataDir: config.dataDir,
    });
    const adminToken = await setupAdminToken(store, config.dataDir, config.adminToken);
    const svids = new JwtSvidVerifier(store.read, keys, clock, config.trustDomain);
    const ownTokens = new OwnTokenVerifier(keys, clock, config.issuer);
    await revocationBus.start();
    const clientAuth = new ClientAuthenticator(store, svids, clock, {
      issuer: config.issuer,
      maxAssertionLifetimeSeconds: config.clientAssertionMaxLifetime,
    });
    const now = () => clock.now();
    // One verifier for the server: a proof's jti is spent wherever it was first used (token
    // endpoint, task-token routes, the MCP gateway, the HTTP proxy).
    const dpop = new DpopVerifier({
      now,
      replay: new DpopReplayCache({ now }),
      nonces: createDpopNonces({
        secret: Buffer.from(
          hkdfSync('sha256', master.key, Buffer.alloc(0), 'mandate dpop nonce', 32),
        ),
        now,
      }),
    });
    const tasks = new TaskService(store, clock);
    const federation = new FederationService(store, clock, deps.fetch ?? fetch);
    const policyStore = new PolicyStore(store, clock);
    await policyStore.initialize(systemContext);
    const decisionAudit = new BatchedAuditAppender(store);
    // A gateway upstream with `trustHints` has its MCP hints set its tools' attributes (as reviewed).
    const hintsTrusted = new Set(
      config.gateway?.upstreams.filter((u) => u.trustHints).map((u) => u.name) ?? [],
    );
    const catalog = new CatalogService(
      store,
      clock,
      new ToolCatalog({ trustsHints: (server) => hintsTrusted.has(server) }),
    );
    await catalog.load();
    const metrics = new Metrics();
    // Risk signals (docs/signals.md): their risk and restrictions count in every decision; the built-in detectors run after each one.
    // By SPIFFE ID: an agent's (`/agent/<name>`) or an OAuth client's (`/client/<id>`) identity.
    const agentBySpiffeId = (spiffeId: string) => store.read.agents.getBySpiffeId(spiffeId);
    // The SSF transmitter is composed later; a risk-level change before then has no stream to reach.
    const ssfRef: { current?: SsfServices } = {};
    // Changes that are not revocations (risk, a grant's narrowed claims, a broker secret) are told to the SSF streams after they commit, in the background.
    const tell = (event: CaepEvent | null): void => {
      if (event && ssfRef.current)
        void ssfRef.current.transmitter.publish(event).catch(() => undefined);
    };
    const signals = new SignalService({
      config: config.signals ?? SIGNALS_DETECTORS_OFF,
      onRiskChange: (c) => tell(riskLevelChangeOf(c)),
      clock,
      trustDomain: config.trustDomain,
      // A signal is stored with the event that reports it (expired ones go as new ones come), so a restart keeps it.
      audit: (event, keep) =>
        store.transaction(async (tx) => {
          if (keep) {
            await tx.signals.deleteExpired(clock.now());
            await tx.signals.insert(signalRecord(keep));
          }
          return tx.audit.append(event);
        }),
      task: (id) => store.read.tasks.get(id),
      federated: async (domain) => (await store.read.federation.get(domain)) !== undefined,
      onRefused: (r) => metrics.signalsRefused.inc({ reason: r.reason }),
      agentLabels: async (spiffeId) => {
        const a = await agentBySpiffeId(spiffeId);
        return a
          ? Object.entries(a.labels).map(([k, v]) => (v === '' ? k : `${k}:${v}`))
          : undefined;
      },
      activeTasks: async (spiffeId) =>
        (await store.read.tasks.list({ agent: spiffeId, status: 'active', limit: 1000 })).map(
          (t) => t.id,
        ),
      endTask: (id, by, ctx) => tasks.end(id, by, ctx),
      suspendAgent: async (spiffeId, by, ctx) => {
        const a = await agentBySpiffeId(spiffeId);
        if (a === undefined)
          throw new MandateError(
            'not_found',
            `agent \`${spiffeId}\` is not registered in this trust domain`,
          );
        return agents.suspend(a.name, ctx, by);
      },
    }).start();
    await signals.restore(
      (await store.read.signals.listForRestore(clock.now(), signals.restoreLimit)).map(signalOf),
    );
    const decisions = new DecisionService({
      catalog: catalog.catalog,
      // The policy store's active set decides; an activation takes effect at the next call.
      decisionPoint: () => policyStore.active(),
      internalDomains: [config.trustDomain, ...(config.internalDomains ?? [])],
      allowedInternalDestinations: config.allowedInternalDestinations ?? [],
      ...(config.resolveDestinations
        ? {
            resolveDestinations: new DestinationResolver({
              clock,
              ...(deps.lookupHost ? { lookup: deps.lookupHost } : {}),
            }),
          }
        : {}),
      agentFacts: async (spiffeId) => {
        const a = await agentBySpiffeId(spiffeId);
        return a
          ? {
              owner: a.owner,
              labels: Object.entries(a.labels).map(([k, v]) => (v === '' ? k : `${k}:${v}`)),
            }
          : {};
      },
      audit: (event) => decisionAudit.append(event),
      risk: (call) => signals.risk(call),
      restrictions: (call) => signals.restrictions(call),
      onDecision: (taskId, state, _result, call) => signals.observe(taskId, state, call),
      // Every task's session is stored with it: one that leaves memory, or was held before a restart, is read back, never started over.
      sessions: new SessionStates({ store, capacity: config.sessionCacheSize, clock }),
      clock,
    });
    tasks.onFinish((taskId) => decisions.forget(taskId));
    tasks.onFinish((taskId) => signals.forgetTask(taskId));
    // Approvals tell humans (webhook) about each change; humans sign in, answer and delegate through `delegation`.
    const { delegation, approvals } = composeDelegation({
      config,
      store,
      clock,
      masterKey: master.key,
      tasks,
      fetch: deps.fetch,
      onGrant: (type, grant) =>
        tell(type === 'narrowed' ? tokenClaimsChangeOf(grant, clock.now()) : null),
      inForce: (a) => signals.standing({ agent: a.agent, taskId: a.taskId, chain: [a.agent] }),
      approvals: (onChange) =>
        new ApprovalService(store, clock, {
          issuer: config.issuer,
          ttlSeconds: config.approvalTtl,
          onChange,
        }),
    });
    const clients = composeClients({
      config,
      store,
      clock,
      agents,
      grants: delegation.grants,
      lookupHost: deps.lookupHost,
    });
    const secrets = new SecretStore(store, new Envelope(master.key), clock, (change) =>
      tell(secretCredentialChangeOf(change)),
    );
    const broker = new CredentialBroker({
      secrets,
      keys,
      clock,
      issuer: config.issuer,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    tasks.onFinish((taskId) => broker.forgetTask(taskId));
    const exchange: ExchangeDeps = {
      store,
      clock,
      keys,
      svids,
      ownTokens,
      revocations,
      issuer: config.issuer,
      trustDomain: config.trustDomain,
      taskTokenMaxTtlSeconds: config.taskTokenMaxTtl,
      dpopRequired: config.dpopRequired,
      signals: {
        purposes: signals.config.purposes,
        refuseAtRisk: signals.config.refuseTokensAtRisk,
        standing: (call) => signals.standing(call),
      },
    };
    // SSF (docs/ssf.md): each committed revocation becomes a CAEP SET on the streams that asked for it, delivered in the background.
    const ssf = await composeSsf({
      store,
      clock,
      keys,
      bus: revocationBus,
      issuer: config.issuer,
      trustDomain: config.trustDomain,
      fetch: deps.fetch ?? fetch,
      queueSize: config.ssfQueueSize,
      queueTtlSeconds: config.ssfQueueTtl,
      pushAttempts: config.ssfPushAttempts,
      receiver: config.ssfReceiverIssuer
        ? {
            issuer: config.ssfReceiverIssuer,
            audience: config.ssfReceiverAudience ?? `${config.issuer}/v1/ssf/receiver`,
            jwksUrl: config.ssfReceiverJwksUrl,
            jwks: config.ssfReceiverJwks,
          }
        : undefined,
      onProblem: (message, details) =>
        process.emitWarning(message, { code: 'MANDATE_SSF', detail: JSON.stringify(details) }),
    });
    ssfRef.current = ssf;
    // Now that risk changes reach the streams: tell the falls of signals that expired while Mandate was down.
    signals.sweep();
    metrics.ssfQueues(() => ssf.transmitter.pressures());
    const endpoints = {
      token: `${config.issuer}/oauth/token`,
      introspection: `${config.issuer}/oauth/introspect`,
      revocation: `${config.issuer}/oauth/revoke`,
    };
    const mandate: Mandate = {
      ssf,
      gateway: null,
      proxy: null,
      svids,
      ownTokens,
      revocations,
      clientAuth,
      revocationBus,
      dpop,
      tasks,
      federation,
      exchange,
      secrets,
      broker,
      policyStore,
      catalog,
      decisions,
      approvals,
      delegation,
      clients: clients.directory,
      clientRegistration: clients.registration,
      signals,
      tokenEndpoint: {
        store,
        clock,
        clientAuth,
        dpop,
        exchange,
        url: endpoints.token,
        dpopNonce: config.dpopNonce,
      },
      tokenRevocation: { store, clock, tokens: ownTokens },
      keyRevocation: { store, clock, keys },
      trustedIssuers: new TrustedIssuers(store, clock),
      policyTrials: new PolicyTrials(store, policyStore, decisions),
      auditLog: new AuditLog(store.read, keys, config.trustDomain, config.dataDir),
      readiness: new Readiness(store, keys, clock, config.dataDir),
      eventStreams: new Slots(config.eventsMaxSubscribers),
      endpoints,
      config,
      clock,
      store,
      keys,
      ca,
      bundle,
      agents,
      attestation,
      checkpointer,
      retention,
      adminToken,
      metrics,
      masterKey: { source: master.source, path: master.path, created: master.created },
      async close() {
        delegation.close();
        ssf.close();
        revocationBus.close();
        await mandate.gateway?.close();
        await mandate.proxy?.close();
        signals.close();
        await signals.idle();
        await retention.idle();
        await decisionAudit.flush();
        // Before the store closes: the sessions' last counters are written, so a restart reads them back.
        await decisions.sessions.close();
        await checkpointer.checkpoint().catch(() => undefined);
        await store.close();
      },
    };
    // After the rest is composed: the gateway lists its upstreams' tools into the catalog and reads services (approvals, broker) from `mandate` at each call.
    if (config.gateway)
      mandate.gateway = await McpGateway.start(
        { issuer: config.issuer, dpopRequired: config.dpopRequired, gateway: config.gateway },
        mandate,
      );
    // The proxy's routes go into the catalog as tools `<service>/<tool>`; a service may not share its name with a gateway upstream.
    if (config.proxy)
      mandate.proxy = await HttpProxy.start(
        {
          issuer: config.issuer,
          dpopRequired: config.dpopRequired,
          proxy: config.proxy,
          reservedNames: config.gateway?.upstreams.map((u) => u.name) ?? [],
        },
        mandate,
      );
    // A crash leaves the events since the last checkpoint unsealed: sealing them at every start means
    // repeated crashes still leave signed checkpoints. A broken chain is reported, not fatal.
    await checkpointer.checkpoint().catch((err: unknown) => {
      if (!(err instanceof MandateError && err.code === 'audit_chain_broken')) throw err;
      process.emitWarning(err.message, { code: 'MANDATE_AUDIT' });
    });
    return mandate;
  } catch (err) {
    revocationBus.close();
    await store.close();
    throw err;
  }
}

/** A data directory belongs to one trust domain: its keys, CA and identities are that domain's. */
async function bindTrustDomain(store: Store, config: Config): Promise<void> {
  const bound = await store.read.meta.get('trust_domain');
  if (bound === config.trustDomain) return;
  if (bound !== undefined) {
    throw new MandateError(
      'invalid_config',
      `invalid configuration: \`trustDomain\` is \`${config.trustDomain}\` but ${config.dataDir} belongs to \`${bound}\`; use --trust-domain ${bound} or another --data-dir`,
      { key: 'trustDomain' },
    );
  }
  await store.transaction(async (tx) => {
    await tx.meta.set('trust_domain', config.trustDomain);
    await tx.audit.append({
      actor: 'system',
      action: 'trust_domain.create',
      target: `spiffe://${config.trustDomain}`,
      outcome: 'success',
      requestId: null,
      details: { issuer: config.issuer },
    });
  });
}
