import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PolicySource } from './policy-source.js';

/**
 * The policy pack a new install runs with, read from the `.cedar` files next to this module
 * (`src/policy/defaults/` in the source tree, `dist/policy/defaults/` once built: the build copies
 * them with scripts/copy-assets.mjs). `defaults/examples/` holds example policies that are not
 * loaded: copy one into your policy folder to enable it.
 */

const POLICY_DIR = new URL('./', import.meta.url);

function readDir(relative: string): PolicySource[] {
  const dir = fileURLToPath(new URL(relative, POLICY_DIR));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cedar'))
    .sort()
    .map((name) => ({ file: `${relative}${name}`, text: readFileSync(`${dir}${name}`, 'utf8') }));
}

/** Mandate's Cedar schema (`schema/mandate.cedarschema`). */
export function loadSchema(): PolicySource {
  const file = 'schema/mandate.cedarschema';
  return { file, text: readFileSync(fileURLToPath(new URL(file, POLICY_DIR)), 'utf8') };
}

/**
 * The default policies and the schema, ready for an engine.
 *
 * @example const point = new CedarWasmEngine(loadDefaultPolicies());
 */
export function loadDefaultPolicies(): { schema: PolicySource; policies: PolicySource[] } {
  return { schema: loadSchema(), policies: readDir('defaults/') };
}

/** The example policies (`defaults/examples/*.cedar`), which no install loads by default. */
export function loadExamplePolicies(): PolicySource[] {
  return readDir('defaults/examples/');
}
