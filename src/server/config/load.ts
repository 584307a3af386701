import { readFileSync } from 'node:fs';
import { MandateError } from '../../core/errors.js';
import { envName, flagName, settings, type Config, type SettingKey } from './defaults.js';

export interface ConfigSources {
  flags?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  /** Path of a JSON config file. */
  file?: string | undefined;
  /**
   * Values given in code by an embedder (`import { loadConfig } from 'mandate'`): the config
   * file's camelCase keys, secrets included, ranked above flags. Unknown keys are refused.
   */
  values?: Record<string, unknown>;
}

/**
 * Resolves the configuration: flag > MANDATE_* environment > config file > default, each
 * value validated. A bad value throws `invalid_config` naming the key, where it came from,
 * and what is expected.
 */
export function loadConfig(sources: ConfigSources): Config {
  const env = sources.env ?? {};
  const flags = sources.flags ?? {};
  const values = sources.values ?? {};
  const filePath = sources.file ?? env.MANDATE_CONFIG;
  const fromFile = filePath ? readConfigFile(filePath) : {};
  const out: Record<string, unknown> = {};
  const origin: Partial<Record<SettingKey, string>> = {};
  for (const [key, s] of Object.entries(settings) as [
    SettingKey,
    (typeof settings)[SettingKey],
  ][]) {
    const candidates: [unknown, string][] = [
      [values[key], `the given values (${key})`],
      [s.secret ? undefined : flags[key], `--${flagName(key)}`],
      [env[envName(key)], envName(key)],
      [fromFile[key], `${filePath} (${key})`],
    ];
    const found = candidates.find(([v]) => v !== undefined && v !== '');
    if (!found) {
      out[key] = s.default;
      continue;
    }
    const [raw, source] = found;
    origin[key] = source;
    const parsed = (
      s.schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }
    ).safeParse(raw);
    if (!parsed.success) {
      const shown = s.secret ? '<hidden>' : `\`${String(raw)}\``;
      throw new MandateError(
        'invalid_config',
        `invalid configuration: \`${key}\` from ${source} is ${shown}; expected ${s.expected}`,
        { key, source },
      );
    }
    out[key] = parsed.data;
  }
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(settings, key))
      throw new MandateError(
        'invalid_config',
        `invalid configuration: unknown key \`${key}\` in the given values; see docs/configuration.md`,
        { key },
      );
  }
  for (const key of Object.keys(fromFile)) {
    if (!Object.hasOwn(settings, key))
      throw new MandateError(
        'invalid_config',
        `invalid configuration: unknown key \`${key}\` in ${filePath}; see docs/configuration.md`,
        { key },
      );
  }
  const config = out as Config;
  config.issuer = (config.issuer ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
  crossCheck(
    config,
    (key) => `\`${key}\` (${String(config[key])} from ${origin[key] ?? 'the default'})`,
  );
  return config;
}

function crossCheck(c: Config, shown: (key: SettingKey) => string): void {
  if (c.jwtSvidTtl > c.jwtSvidMaxTtl)
    throw new MandateError(
      'invalid_config',
      `invalid configuration: ${shown('jwtSvidTtl')} must not exceed ${shown('jwtSvidMaxTtl')}`,
      { key: 'jwtSvidTtl' },
    );
  if (c.x509SvidTtl > c.x509SvidMaxTtl)
    throw new MandateError(
      'invalid_config',
      `invalid configuration: ${shown('x509SvidTtl')} must not exceed ${shown('x509SvidMaxTtl')}`,
      { key: 'x509SvidTtl' },
    );
  if (Boolean(c.tlsCert) !== Boolean(c.tlsKey))
    throw new MandateError(
      'invalid_config',
      'invalid configuration: `tlsCert` and `tlsKey` go together; set both or neither',
      { key: c.tlsCert ? 'tlsKey' : 'tlsCert' },
    );
  if (Boolean(c.caUpstreamCert) !== Boolean(c.caUpstreamKey)) {
    const set = c.caUpstreamCert ? 'caUpstreamCert' : 'caUpstreamKey';
    throw new MandateError(
      'invalid_config',
      `invalid configuration: ${shown(set)} is set without \`${set === 'caUpstreamCert' ? 'caUpstreamKey' : 'caUpstreamCert'}\`; they go together: set both or neither`,
      { key: set },
    );
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new MandateError(
      'invalid_config',
      `invalid configuration: cannot read config file \`${path}\``,
      { key: 'config' },
    );
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new MandateError(
      'invalid_config',
      `invalid configuration: config file \`${path}\` must be a JSON object`,
      { key: 'config' },
    );
  }
}
