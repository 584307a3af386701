import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { createHash } from 'node:crypto';
import { MandateError } from '../../core/errors.js';
import { APPROVAL_ANNOTATION, APPROVAL_REQUIRED } from '../decision-point.js';
import {
  positionAt,
  splitPolicies,
  type PolicySource,
  type SourcePosition,
} from '../policy-source.js';

/**
 * Turns policy files and a schema into a policy set cedar-wasm can pre-parse: parse each file,
 * give every policy its `@id` (Cedar itself numbers policies `policy0`, `policy1`, ...), validate
 * strictly against the schema, and place every error at a file, line and column.
 */

/** One parse or validation problem, placed in the file it came from. */
export interface PolicyProblem {
  file: string;
  /** Absent only when Cedar gives no location and no policy is involved. */
  line?: number;
  column?: number;
  /** The policy id, for problems inside one policy. */
  policy?: string;
  message: string;
  help?: string;
}

export interface CompiledPolicySet {
  /** Policy id → policy text, in file order. */
  policies: Record<string, string>;
  /** Where each policy starts. */
  origins: Map<string, { file: string } & SourcePosition>;
  /** Ids of the policies annotated `@approval("required")`. */
  approval: Set<string>;
  /** Validation warnings; they do not stop the set from loading. */
  warnings: PolicyProblem[];
  /** SHA-256 (hex) of the schema and every policy with its id. */
  digest: string;
}

interface Located {
  file: string;
  text: string;
  /** Byte offset of the text Cedar was given within the file. */
  byteOffset: number;
  policy?: string;
  fallback?: SourcePosition;
}

/** Cedar's error prefixes name its own policy numbering and input form, which mean nothing in a file. */
function cleanMessage(message: string): string {
  return message.replace(
    /^failed to parse (?:policies|policy|schema)(?: with id `[^`]*`)? from string: /,
    '',
  );
}

function problem(err: cedar.DetailedError, at: Located): PolicyProblem {
  const loc = err.sourceLocations?.[0];
  const pos = loc ? positionAt(at.text, at.byteOffset + loc.start) : at.fallback;
  return {
    file: at.file,
    ...(pos ? { line: pos.line, column: pos.column } : {}),
    ...(at.policy ? { policy: at.policy } : {}),
    message: cleanMessage(err.message),
    ...(err.help ? { help: err.help } : {}),
  };
}

/** Problems in file order, then by position (Cedar reports validation errors in hash order). */
function sorted(problems: PolicyProblem[], sources: readonly PolicySource[]): PolicyProblem[] {
  const fileRank = (p: PolicyProblem): number => sources.findIndex((s) => s.file === p.file);
  return [...problems].sort(
    (a, b) =>
      fileRank(a) - fileRank(b) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0),
  );
}

function invalid(what: string, problems: PolicyProblem[]): MandateError {
  const first = problems[0]!;
  const where = [first.file, first.line, first.column].filter((x) => x !== undefined).join(':');
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new MandateError(
    'invalid_request',
    `${what} is invalid: ${where}: ${first.message}${more}`,
    { errors: problems },
  );
}

/** Parses the schema; throws `MandateError('invalid_request')` with located errors. */
export function checkSchema(schema: PolicySource): void {
  const parsed = cedar.checkParseSchema(schema.text);
  if (parsed.type === 'failure')
    throw invalid(
      'schema',
      parsed.errors.map((e) => problem(e, { ...schema, byteOffset: 0 })),
    );
}

/**
 * Parses, names and strictly validates policy files against a schema (which must already
 * parse). Throws `MandateError('invalid_request')` whose `details.errors` lists every problem
 * as a `PolicyProblem`.
 */
export function compilePolicySet(
  sources: readonly PolicySource[],
  schema: PolicySource,
): CompiledPolicySet {
  const policies: Record<string, string> = {};
  const origins = new Map<string, { file: string } & SourcePosition>();
  const located = new Map<string, Located>();
  const approval = new Set<string>();
  const problems: PolicyProblem[] = [];
  let index = 0;
  for (const source of sources) {
    // Parses templates too, so that a template is reported at its slot below.
    const parsed = cedar.policySetTextToParts(source.text);
    if (parsed.type === 'failure') {
      problems.push(...parsed.errors.map((e) => problem(e, { ...source, byteOffset: 0 })));
      continue;
    }
    const chunks = splitPolicies(source.text);
    // INVARIANT: the split follows Cedar's lexer, so it finds as many policies as Cedar does.
    if (chunks.length !== parsed.policies.length + parsed.policy_templates.length) {
      throw new MandateError('internal', `could not split \`${source.file}\` into its policies`);
    }
    for (const chunk of chunks) {
      const at: Located = {
        file: source.file,
        text: source.text,
        byteOffset: chunk.byteOffset,
        fallback: chunk.position,
      };
      const json = cedar.policyToJson(chunk.text);
      if (json.type === 'failure') {
        problems.push(...json.errors.map((e) => problem(e, at)));
        continue;
      }
      const annotations = json.json.annotations ?? {};
      const id = annotations.id ?? `policy${index}`;
      index++;
      if (id === '') {
        problems.push({ file: source.file, ...chunk.position, message: '`@id` must not be empty' });
        continue;
      }
      if (id in policies) {
        const first = origins.get(id)!;
        problems.push({
          file: source.file,
          ...chunk.position,
          policy: id,
          message: `duplicate policy id \`${id}\`; first used at ${first.file}:${first.line}:${first.column}`,
        });
        continue;
      }
      policies[id] = chunk.text;
      origins.set(id, { file: source.file, ...chunk.position });
      located.set(id, { ...at, policy: id });
      if (annotations[APPROVAL_ANNOTATION] === APPROVAL_REQUIRED) {
        if (json.json.effect !== 'forbid')
          problems.push({
            file: source.file,
            ...chunk.position,
            policy: id,
            message: '`@approval("required")` is meaningful only on a forbid policy',
          });
        approval.add(id);
      }
    }
  }
  if (problems.length > 0) throw invalid('policy set', sorted(problems, sources));

  const answer = cedar.validate({
    schema: schema.text,
    policies: { staticPolicies: policies },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure')
    throw invalid(
      'policy set',
      answer.errors.map((e) => problem(e, { ...schema, byteOffset: 0 })),
    );
  const place = (v: cedar.ValidationError): PolicyProblem => {
    const at = located.get(v.policyId);
    return at ? problem(v.error, at) : { file: '', policy: v.policyId, message: v.error.message };
  };
  if (answer.validationErrors.length > 0)
    throw invalid('policy set', sorted(answer.validationErrors.map(place), sources));
  const warnings = [
    ...sorted(answer.validationWarnings.map(place), sources),
    ...answer.otherWarnings.map((e) => ({ file: schema.file, message: e.message })),
  ];

  const hash = createHash('sha256').update(schema.text).update('\0');
  for (const [id, text] of Object.entries(policies))
    hash.update(id).update('\0').update(text).update('\0');
  return { policies, origins, approval, warnings, digest: hash.digest('hex') };
}
