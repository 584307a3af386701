import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MandateError } from '../core/errors.js';
import { firstIssue } from '../core/validation.js';
import { scopeTokenProblem } from '../delegation/scope.js';

/**
 * The `signals` setting: the built-in detectors' thresholds and risk scores, the risk ladder that
 * turns a signal's risk into responses, per-agent response rules, declared tools per task
 * purpose, and the credentials of outside signal sources. Given inline in the `--config` JSON, as
 * a path to a JSON file, or as JSON text (`MANDATE_SIGNALS='{...}'`); every field is optional
 * and falls back to `DEFAULT_SIGNALS`. Validated at start; a bad value names its field. See
 * docs/signals.md.
 */

export const DETECTORS = [
  'denial_streak',
  'rate_spike',
  'new_external_destination',
  'classification_jump',
  'undeclared_tool',
] as const;
export type DetectorKind = (typeof DETECTORS)[number];

export const RESPONSES = ['require_approval', 'read_only', 'revoke_task', 'suspend_agent'] as const;
export type ResponseName = (typeof RESPONSES)[number];

/** The responses that restrict a task's later calls (Cedar `context.restrictions`); the others act once. */
export const RESTRICTIONS = [
  'require_approval',
  'read_only',
] as const satisfies readonly ResponseName[];
export type Restriction = (typeof RESTRICTIONS)[number];

export const isRestriction = (r: ResponseName): r is Restriction =>
  (RESTRICTIONS as readonly string[]).includes(r);

/** A signal kind: what it is about, e.g. `prompt_injection`; the detectors use their own names. */
export const SIGNAL_KIND = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
/** A signal source: who says so, e.g. `guardrail`, `llm-judge`, `edr:crowdstrike`. */
export const SIGNAL_SOURCE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
/** The source of the built-in detectors' signals; outside sources may not use it. */
export const BUILT_IN_SOURCE = 'mandate';

export interface DetectorConfig {
  enabled: boolean;
  /** The risk (0..100) of the signal a firing raises on the task. */
  risk: number;
  /** Responses on top of the ladder's for this detector's signals. */
  responses: ResponseName[];
  /** How long the signal (its risk and restrictions) lasts. */
  ttlSeconds: number;
}

export interface DetectorsConfig {
  /** Fires when a task's consecutive denials reach `threshold`. */
  denial_streak: DetectorConfig & { threshold: number };
  /** Fires when a task's decisions in the last 60 seconds reach `threshold`. */
  rate_spike: DetectorConfig & { threshold: number };
  /** Fires for each external host an allowed call contacts for the first time in the task. */
  new_external_destination: DetectorConfig;
  /** Fires when one allowed call raises the task's taint by at least `ranks` ranks, or to `restricted`. */
  classification_jump: DetectorConfig & { ranks: number };
  /** Fires when a call names a tool outside the task's declared tools (its scopes and authorization details, and its purpose's tools when `purposes` lists the purpose). */
  undeclared_tool: DetectorConfig;
}

/** A per-agent response rule: signals of `kind` (`*`: any) about the matching agent get `responses` too. */
export interface ResponseRule {
  /** The agent's SPIFFE ID. */
  agent?: string;
  /** One of the agent's labels, `key:value` or `key` (a label with an empty value). */
  label?: string;
  kind: string;
  responses: ResponseName[];
}

export interface SignalSource {
  name: string;
  /** SHA-256 (hex) of the source's bearer token; the token itself is never configured. */
  tokenSha256: string;
}

export interface SignalsConfig {
  detectors: DetectorsConfig;
  /** The lowest risk at which a signal gets each response; null: never by risk. */
  ladder: Record<ResponseName, number | null>;
  rules: ResponseRule[];
  /** Task purpose (exact text) → the tool scopes that purpose declares (wildcards as in scopes). */
  purposes: Record<string, string[]>;
  sources: SignalSource[];
  /** Lifetime of an outside signal sent without `ttl_seconds`. */
  defaultTtlSeconds: number;
  /** Longest `ttl_seconds` an outside signal may ask for. */
  maxTtlSeconds: number;
  /** Live signals listed one by one per task and per agent; beyond, the weakest is folded into what the subject imposes (never lifting a restriction). */
  maxSignalsPerSubject: number;
  /** Tasks and agents with live signals kept; beyond, only those not in force make room, else a new subject is refused. */
  maxSubjects: number;
  /** Tasks of one agent with their own signals; beyond, a task signal is folded into the agent (it then counts in all its tasks). */
  maxTaskSubjectsPerAgent: number;
  /** Tasks and agents one outside source may open in the book; beyond, its signals about new subjects are refused. */
  maxSubjectsPerSource: number;
  /**
   * Token exchange (start a task, delegate, act on behalf of a human) is refused while the risk
   * that would count for the new token's calls is at least this; null: never refused for risk.
   */
  refuseTokensAtRisk: number | null;
}

const risk = z.number().int().min(0).max(100);
const responses = z.array(z.enum(RESPONSES)).max(RESPONSES.length);
const ttl = z
  .number()
  .int()
  .min(1)
  .max(30 * 86_400);
const threshold = z.number().int().min(1).max(1_000);
const scopeToken = z
  .string()
  .refine(
    (s) => scopeTokenProblem(s) === undefined,
    'must be a scope token such as `tool:github/*`',
  );

/** The fields every built-in detector has, with its defaults. */
const detectorFields = (defaultRisk: number, defaultResponses: ResponseName[] = []) => ({
  enabled: z.boolean().default(true),
  risk: risk.default(defaultRisk),
  responses: responses.default(() => [...defaultResponses]),
  ttlSeconds: ttl.default(900),
});

// Every default is in this schema (`{}` parses to DEFAULT_SIGNALS); docs/signals.md and
// docs/configuration.md print each field's `description` and default (scripts/gen-config-docs.ts).
export const signalsConfigSchema = z.strictObject({
  detectors: z
    .strictObject({
      denial_streak: z
        .strictObject({ ...detectorFields(60), threshold: threshold.default(5) })
        .prefault({})
        .meta({
          description: "Fires when the task's consecutive denials reach `threshold`.",
        }),
      rate_spike: z
        .strictObject({ ...detectorFields(60), threshold: threshold.default(120) })
        .prefault({})
        .meta({
          description: "Fires when the task's decisions in the last 60 seconds reach `threshold`.",
        }),
      new_external_destination: z.strictObject(detectorFields(20)).prefault({}).meta({
        description:
          'Fires for each external host an allowed call contacts for the first time in the task.',
      }),
      classification_jump: z
        .strictObject({
          ...detectorFields(40, ['read_only']),
          ranks: z.number().int().min(1).max(3).default(2),
        })
        .prefault({})
        .meta({
          description:
            "Fires when one allowed call raises the task's taint by at least `ranks` ranks, or to `restricted`.",
        }),
      undeclared_tool: z.strictObject(detectorFields(60)).prefault({}).meta({
        description: "Fires when a call names a tool outside the task's declared tools.",
      }),
    })
    .prefault({})
    .meta({
      defaultText: "each detector's, below",
      description:
        "The built-in detectors, below: each `enabled`, the `risk` of its signal, `responses` on top of the ladder's, and how long the signal lasts (`ttlSeconds`).",
    }),
  ladder: z
    .strictObject({
      require_approval: risk.nullable().default(50),
      read_only: risk.nullable().default(70),
      revoke_task: risk.nullable().default(90),
      suspend_agent: risk.nullable().default(null),
    } satisfies Record<ResponseName, z.ZodType>)
    .prefault({})
    .meta({
      description: 'The lowest risk at which a signal gets each response; `null`: never by risk.',
    }),
  rules: z
    .array(
      z
        .strictObject({
          agent: z.string().startsWith('spiffe://', 'must be a spiffe id').max(2048).optional(),
          label: z.string().min(1).max(256).optional(),
          kind: z
            .union([
              z.literal('*'),
              z.string().regex(SIGNAL_KIND, 'must be `*` or a signal kind (a-z 0-9 . _ : -)'),
            ])
            .default('*'),
          responses: responses.min(1).transform((r) => [...new Set(r)]),
        })
        .refine((r) => r.agent !== undefined || r.label !== undefined, 'needs `agent` or `label`'),
    )
    .max(1_000)
    .default(() => [])
    .meta({
      description:
        'Per-agent response rules: signals of `kind` (`*`, the default: any) about the agent with SPIFFE ID `agent`, or with the label `label` (`key:value` or `key`), get `responses` too.',
    }),
  purposes: z
    .record(z.string().min(1).max(1_000), z.array(scopeToken).min(1).max(256))
    .default(() => ({}))
    .meta({
      description:
        'Task purpose (exact text) → the tool scopes that purpose declares (wildcards as in scopes).',
    }),
  sources: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(SIGNAL_SOURCE, 'must be a source name (letters, digits and . _ : @ / -)')
          .refine(
            (n) => n !== BUILT_IN_SOURCE,
            `\`${BUILT_IN_SOURCE}\` is reserved for the built-in detectors`,
          ),
        tokenSha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (the sha-256 of the token)'),
      }),
    )
    .max(100)
    .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'source names must be unique')
    .default(() => [])
    .meta({
      description:
        'Outside signal sources: `name` and `tokenSha256`, the SHA-256 (hex) of its bearer token (the token itself is never configured).',
    }),
  defaultTtlSeconds: ttl
    .default(900)
    .meta({ description: 'Lifetime of an outside signal sent without `ttl_seconds`.' }),
  maxTtlSeconds: ttl
    .default(86_400)
    .meta({ description: 'Longest `ttl_seconds` an outside signal may ask for.' }),
  maxSignalsPerSubject: z.number().int().min(1).max(10_000).default(64).meta({
    description:
      'Live signals listed one by one per task and per agent; beyond, the weakest is folded into what the subject imposes (never lifting a restriction).',
  }),
  maxSubjects: z.number().int().min(1).max(10_000_000).default(10_000).meta({
    description:
      'Tasks and agents with live signals kept; beyond, only those not in force make room, else a new subject is refused.',
  }),
  maxTaskSubjectsPerAgent: z.number().int().min(1).max(10_000_000).default(100).meta({
    description:
      'Tasks of one agent with their own signals; beyond, a task signal is folded into the agent (it then counts in all its tasks).',
  }),
  maxSubjectsPerSource: z.number().int().min(1).max(10_000_000).default(1_000).meta({
    description:
      'Tasks and agents one outside source may open in the book; beyond, its signals about new subjects are refused.',
  }),
  refuseTokensAtRisk: risk.nullable().default(80).meta({
    description:
      "Token exchange (start a task, delegate, act on behalf of a human) is refused while the risk that would count for the new token's calls is at least this; `null`: never refused for risk.",
  }),
});

/** The parsed setting, checked across fields. */
function resolve(config: SignalsConfig): SignalsConfig {
  if (config.defaultTtlSeconds > config.maxTtlSeconds) {
    throw new MandateError(
      'invalid_config',
      `invalid configuration: \`signals.defaultTtlSeconds\` (${config.defaultTtlSeconds}) exceeds \`signals.maxTtlSeconds\` (${config.maxTtlSeconds}); see docs/signals.md`,
      { key: 'signals', field: 'signals.defaultTtlSeconds' },
    );
  }
  return config;
}

/** The defaults of every field (docs/signals.md explains each choice): what `{}` parses to. */
export const DEFAULT_SIGNALS: SignalsConfig = signalsConfigSchema.parse({});

/** What a Mandate runs with when the `signals` setting is absent: the defaults with every detector off. */
export const SIGNALS_DETECTORS_OFF: SignalsConfig = {
  ...DEFAULT_SIGNALS,
  detectors: Object.fromEntries(
    DETECTORS.map((k) => [k, { ...DEFAULT_SIGNALS.detectors[k], enabled: false }]),
  ) as unknown as DetectorsConfig,
};

/**
 * Parses the `signals` setting: an object, JSON text, or a path to a JSON file. Throws
 * `invalid_config` naming the first bad field.
 *
 * @example parseSignalsConfig('{"detectors":{"denial_streak":{"threshold":3}}}').detectors.denial_streak.threshold // 3
 */
export function parseSignalsConfig(raw: unknown): SignalsConfig {
  let value = raw;
  if (typeof raw === 'string') {
    const text = raw.trimStart().startsWith('{') ? raw : readSignalsFile(raw);
    try {
      value = JSON.parse(text);
    } catch {
      throw new MandateError(
        'invalid_config',
        `invalid configuration: \`signals\` ${text === raw ? 'is not valid json' : `file \`${raw}\` is not valid json`}`,
        { key: 'signals' },
      );
    }
  }
  const parsed = signalsConfigSchema.safeParse(value);
  if (parsed.success) return resolve(parsed.data);
  const { field, problem } = firstIssue(parsed.error, 'signals');
  throw new MandateError(
    'invalid_config',
    `invalid configuration: \`${field}\` ${problem}; see docs/signals.md`,
    { key: 'signals', field },
  );
}

function readSignalsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new MandateError(
      'invalid_config',
      `invalid configuration: cannot read signals file \`${path}\``,
      { key: 'signals' },
    );
  }
}
