/**
 * Mandate embedded in your own Node process (`import … from 'mandate'`): resolve a configuration,
 * then start the whole server — identity, OAuth, policy, gateway, proxy, revocation, audit —
 * exactly as `mandate serve` does, and reach its services in code. The agent and tool-server
 * side is the separate, lighter `mandate/sdk` entry. Errors are `MandateError`s with a stable
 * `code` (docs/errors.md); a bad setting is `invalid_config` naming the key and where it came from.
 *
 * Only what `package.json` `exports` lists is public; every other module path is internal.
 *
 * @example
 * ```ts
 * import { loadConfig, startServer } from 'mandate';
 *
 * const config = loadConfig({ values: { port: 0, dataDir: './.mandate', trustDomain: 'example.org' }, env: process.env });
 * const server = await startServer(config);
 * console.log(`mandate on ${server.url}`);
 * const agents = await server.mandate.agents.list(); // the same services the HTTP API calls
 * await server.close();
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { settings as allSettings, type Config } from './server/config/defaults.js';
import { loadConfig as load, type ConfigSources } from './server/config/load.js';
import { buildHttpServer as buildApp, type HttpServerOptions } from './server/http-server.js';
import { createMandate as compose, type Mandate, type MandateDeps } from './server/mandate.js';
import { startServer as start, type RunningServer } from './server/serve.js';

export type { Config, Setting, SettingKey } from './server/config/defaults.js';
export type { ConfigSources } from './server/config/load.js';
export type { HttpServerOptions } from './server/http-server.js';
export type { Mandate, MandateDeps } from './server/mandate.js';
export type { RunningServer } from './server/serve.js';
export type { Clock } from './core/clock.js';
export type { ErrorCode } from './core/errors.js';
export { MandateError, isMandateError } from './core/errors.js';

/**
 * What `startServer` takes besides the configuration: an injected clock and `fetch` (tests,
 * simulations), the host resolver for destination checks, and the Fastify logger.
 *
 * @example
 * ```ts
 * const options: ServerOptions = { logger: false };
 * ```
 */
export type ServerOptions = MandateDeps & HttpServerOptions;

/**
 * Every setting of `mandate serve`: its default, what it accepts and what it does
 * (docs/configuration.md is generated from it).
 *
 * @example
 * ```ts
 * import { settings } from 'mandate';
 * for (const [key, s] of Object.entries(settings)) console.log(key, s.default, s.doc);
 * ```
 */
export const settings = allSettings;

/**
 * Resolves and validates the configuration. Precedence: `values` (given in code, secrets
 * included) > `flags` > `env` (`MANDATE_*`; pass `process.env` to honour it, nothing is read
 * from it otherwise) > `file` (JSON) > defaults. Throws `MandateError` `invalid_config` naming
 * the key, where the value came from and what is expected; unknown keys are refused.
 *
 * @example
 * ```ts
 * import { loadConfig } from 'mandate';
 * const config = loadConfig({ values: { port: 8080, trustDomain: 'example.org', adminToken: process.env.ADMIN_TOKEN } });
 * ```
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  return load(sources);
}

/**
 * Starts Mandate as `mandate serve` does: opens (or creates) the data directory, composes the
 * services, listens on `config.host`/`config.port` (port 0 picks a free one, see `url`) and runs
 * the periodic jobs. `close()` stops all of it and closes the store; call it once you are done.
 *
 * @example
 * ```ts
 * import { loadConfig, startServer } from 'mandate';
 * const server = await startServer(loadConfig({ values: { port: 0 } }), { logger: false });
 * const health = await fetch(`${server.url}/healthz`);
 * await server.close();
 * ```
 */
export function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  return start(config, options);
}

/**
 * Composes Mandate's services over the data directory without HTTP and without the periodic
 * jobs: for a process that drives the domains in code (an import, a migration, a test). Pair it
 * with `buildHttpServer` to serve it yourself; `close()` releases the store.
 *
 * @example
 * ```ts
 * import { createMandate, loadConfig } from 'mandate';
 * const mandate = await createMandate(loadConfig({ values: { dataDir: './.mandate' } }));
 * const report = await mandate.retention.run();
 * await mandate.close();
 * ```
 */
export function createMandate(config: Config, deps: MandateDeps = {}): Promise<Mandate> {
  return compose(config, deps);
}

/**
 * Builds the Fastify app of the HTTP API (every route, problem+json errors, redacted logs) over
 * a composed Mandate, not yet listening: `listen()` it yourself or `inject()` requests.
 *
 * @example
 * ```ts
 * import { buildHttpServer, createMandate, loadConfig } from 'mandate';
 * const mandate = await createMandate(loadConfig({ values: { port: 0 } }));
 * const app = buildHttpServer(mandate, { logger: false });
 * await app.listen({ port: 0 });
 * await app.close();
 * await mandate.close();
 * ```
 */
export function buildHttpServer(
  mandate: Mandate,
  options: HttpServerOptions = {},
): FastifyInstance {
  return buildApp(mandate, options);
}
