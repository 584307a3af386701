import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import { MandateError } from '../../core/errors.js';
import type { PublishedKey } from '../../identity/keys/key-manager.js';
import type { McpToolDescription, ToolAnnotation } from '../../policy/tool-catalog.js';
import { RequestAuthenticator } from '../../protocol/authenticate.js';
import type { DpopVerifier } from '../../protocol/dpop/verifier.js';
import { revocableOf, type RevocableToken } from '../../protocol/revocation.js';
import {
  protectedResourceMetadata,
  type ProtectedResourceMetadata,
} from '../protected-resource.js';
import { LocalTaskTokenVerifiers } from '../task-token-verifier.js';
import { serviceTools } from './catalog.js';
import type { ProxyConfig, ServiceConfig } from './config.js';
import type { ApprovalPort } from '../core/ports.js';
import type { BrokerPort, CompiledRoute, ProxyDeps, ProxyLog, ProxyService } from './context.js';
import { ProxyMetrics } from './metrics.js';
import { proxyRequest } from './pipeline.js';
import { authenticateRequest } from './steps/authenticate.js';
import { writeProblem } from './problem.js';
import { TokenBuckets } from './rate-limit.js';
import { serviceOf } from './request-target.js';
import { parseTemplate } from './template.js';
import type { AuthorizeInput, AuthorizeResult } from '../../policy/decision-service.js';

/**
 * The HTTP proxy for plain APIs at `/proxy/<service>/...`: the compensating control for legacy
 * APIs with static keys. Each service is an OAuth protected resource of its own
 * (`<issuer>/proxy/<service>`, RFC 9728 metadata at
 * `/.well-known/oauth-protected-resource/proxy/<service>`); each request goes through the steps
 * of ./pipeline.ts. The HTTP route hands it the raw request and response
 * (src/server/handlers/proxy.ts). See docs/proxy.md.
 */

/** What the proxy needs of a running Mandate (the composition passes itself); services are read at each request. */
export interface ProxyHost {
  readonly clock: Clock;
  readonly decisions: { authorize(input: AuthorizeInput): Promise<AuthorizeResult> };
  readonly revocations: { check(t: RevocableToken): string | null };
  readonly keys: { published(purpose: 'token'): Promise<PublishedKey[]> };
  /** The server's DPoP verifier: one replay cache for every enforcement point. */
  readonly dpop: DpopVerifier;
  readonly approvals?: ApprovalPort | undefined;
  readonly broker?: BrokerPort | undefined;
  readonly catalog?:
    | {
        sync(
          server: string,
          tools: readonly McpToolDescription[],
          opts?: { annotations?: Record<string, ToolAnnotation>; actor?: string },
        ): Promise<unknown>;
      }
    | undefined;
  readonly metrics?: { registry: Registry } | undefined;
}

export interface ProxySettings {
  issuer: string;
  /** The server-wide `dpopRequired`, the default of `proxy.dpopRequired`. */
  dpopRequired: boolean;
  proxy: ProxyConfig;
  /** Catalog server names taken by others (the MCP gateway's upstreams): a service may not reuse one. */
  reservedNames?: readonly string[];
}

export const METADATA_PREFIX = '/.well-known/oauth-protected-resource/proxy/';
const silent: ProxyLog = { info() {}, warn() {}, error() {} };

export class HttpProxy {
  readonly #settings: ProxySettings;
  readonly #host: ProxyHost;
  readonly #services = new Map<string, ProxyService>();
  readonly #buckets: TokenBuckets;
  readonly #metrics: ProxyMetrics | undefined;
  readonly #dpopRequired: boolean;

  private constructor(settings: ProxySettings, host: ProxyHost) {
    this.#settings = settings;
    this.#host = host;
    this.#buckets = new TokenBuckets(host.clock);
    this.#metrics = host.metrics ? new ProxyMetrics(host.metrics.registry) : undefined;
    this.#dpopRequired = settings.proxy.dpopRequired ?? settings.dpopRequired;
    const verifiers = new LocalTaskTokenVerifiers({
      issuer: settings.issuer,
      clock: host.clock,
      publishedKeys: () => host.keys.published('token'),
      // No revocation hook: revocation is each request's next step (../core/revocation.ts), checked once, there.
    });
    for (const config of settings.proxy.services)
      this.#services.set(config.name, this.#compile(config, verifiers));
  }

  /** Builds the proxy and puts every service's routes into the tool catalog. Throws `invalid_config` naming the service. */
  static async start(settings: ProxySettings, host: ProxyHost): Promise<HttpProxy> {
    settings.proxy.services.forEach((s, i) => {
      if (settings.reservedNames?.includes(s.name))
        throw new MandateError(
          'invalid_config',
          `invalid configuration: \`proxy.services[${i}].name\` \`${s.name}\` is also an mcp gateway upstream; tool ids \`${s.name}/...\` must name one server`,
          { key: 'proxy', field: `proxy.services[${i}].name` },
        );
    });
    const proxy = new HttpProxy(settings, host);
    for (const [i, s] of settings.proxy.services.entries()) {
      const { tools, annotations } = serviceTools(s);
      try {
        await host.catalog?.sync(s.name, tools, { annotations, actor: 'proxy' });
      } catch (err) {
        if (!(err instanceof MandateError)) throw err;
        throw new MandateError(
          'invalid_config',
          `invalid configuration: \`proxy.services[${i}]\` (\`${s.name}\`): ${err.message}`,
          { key: 'proxy', field: `proxy.services[${i}]` },
          { cause: err },
        );
      }
    }
    return proxy;
  }

  get services(): string[] {
    return [...this.#services.keys()];
  }

  /** RFC 9728 metadata of one service, or undefined when there is no such service. */
  metadata(service: string): ProtectedResourceMetadata | undefined {
    const s = this.#services.get(service);
    if (!s) return undefined;
    return protectedResourceMetadata({
      resource: s.resource,
      name: `Mandate HTTP proxy: ${s.name}`,
      issuer: this.#settings.issuer,
      scopes: [...new Set(s.routes.map((r) => `tool:${r.toolId}`))],
      dpopRequired: this.#dpopRequired,
      dpopAlgs: s.auth.challengeOptions.dpopAlgorithms,
    });
  }

  /** Serves one request to `/proxy/<service>/...`; always answers (a problem document when refused). */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    opts: { requestId: string; log?: ProxyLog },
  ): Promise<void> {
    const startedAt = performance.now();
    const name = serviceOf(req.url ?? '');
    const service = name === undefined ? undefined : this.#services.get(name);
    if (!service) {
      writeProblem(res, opts.requestId, {
        code: 'not_found',
        detail: `no proxy service \`${(name ?? '').slice(0, 64)}\``,
      });
      return;
    }
    const host = this.#host;
    const log = opts.log ?? silent;
    const issuer = this.#settings.issuer;
    const deps: ProxyDeps = {
      issuer,
      clock: host.clock,
      // The request authenticator; revocation is left to the next step (see the service's `verifier`).
      authenticate: (call) => authenticateRequest(call, issuer),
      decisions: () => host.decisions,
      approvals: () => host.approvals,
      broker: host.broker,
      revoked: (p) => host.revocations.check(revocableOf(p)),
      buckets: this.#buckets,
      metrics: this.#metrics,
      log,
    };
    await proxyRequest(
      { req, res, requestId: opts.requestId, startedAt, service, resource: service.resource },
      deps,
    );
  }

  /** Closes the upstream connections kept alive. */
  async close(): Promise<void> {
    for (const s of this.#services.values()) s.agent.destroy();
  }

  #compile(config: ServiceConfig, verifiers: LocalTaskTokenVerifiers): ProxyService {
    const { issuer } = this.#settings;
    const resource = `${issuer}/proxy/${config.name}`;
    const metadataUrl = `${issuer}${METADATA_PREFIX}${config.name}`;
    const upstream = new URL(config.upstream);
    const auth = new RequestAuthenticator({
      verifier: verifiers.for(resource),
      dpop: this.#host.dpop,
      requireDpop: this.#dpopRequired,
      resourceMetadata: metadataUrl,
    });
    const routes: CompiledRoute[] = config.routes.map((r) => {
      const template = parseTemplate(r.path);
      // INVARIANT: the config schema refused every template that does not parse.
      if ('error' in template)
        throw new MandateError(
          'invalid_config',
          `invalid configuration: route \`${r.path}\` of \`${config.name}\` ${template.error}`,
        );
      return {
        method: r.method,
        template,
        tool: r.tool,
        toolId: `${config.name}/${r.tool}`,
        label: `${r.method} ${r.path}`,
      };
    });
    const agentOptions = { keepAlive: true, maxSockets: 256 };
    return {
      name: config.name,
      config,
      resource,
      metadataUrl,
      upstream,
      routes,
      auth,
      agent:
        upstream.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions),
      timeoutMs: config.timeoutMs,
      maxJsonBytes: config.maxJsonBytes,
      rateLimit: config.rateLimit
        ? {
            perMinute: config.rateLimit.perAgentPerMinute,
            burst: config.rateLimit.burst ?? config.rateLimit.perAgentPerMinute,
          }
        : undefined,
    };
  }
}
