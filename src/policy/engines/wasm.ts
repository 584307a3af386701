import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { createHash } from 'node:crypto';
import { MandateError } from '../../core/errors.js';
import {
  decide,
  refused,
  type Decision,
  type DecisionError,
  type DecisionPoint,
  type EngineAnswer,
} from '../decision-point.js';
import { loadDefaultPolicies } from '../default-pack.js';
import { tooComplex, type PolicySource, type SourcePosition } from '../policy-source.js';
import { toCedar, type CedarRequest, type DecisionRequest } from '../request.js';
import { checkSchema, compilePolicySet, type PolicyProblem } from './wasm-policy-set.js';

export { loadDefaultPolicies, loadExamplePolicies, loadSchema } from '../default-pack.js';
export type { PolicyProblem } from './wasm-policy-set.js';

export interface CedarWasmEngineOptions {
  /** Policy files; every policy should carry `@id("...")` (otherwise it is `policy<n>`, Cedar's numbering). */
  policies: readonly PolicySource[];
  schema: PolicySource;
  /** Reported in every decision; default `sha256:` + the first 16 hex digits of the set's digest. */
  version?: string;
}

/**
 * The cedar-wasm decision point: Cedar 4.13 (pinned) with the policy set and schema validated
 * strictly and pre-parsed once, then `statefulIsAuthorized` per request with request validation
 * against the schema on. The reference engine that faster ones are checked against.
 *
 * Construction throws `MandateError('invalid_request')` whose `details.errors` lists each parse
 * or validation problem as `{ file, line, column, policy?, message, help? }`.
 *
 * cedar-wasm keeps pre-parsed sets in memory for the life of the process, keyed here by content
 * digest: building an engine twice from the same files costs nothing more, and each distinct
 * set stays loaded (the binding has no call to drop one).
 *
 * @example
 * const point = new CedarWasmEngine(loadDefaultPolicies());
 * const decision = point.authorize(request); // { outcome: 'allow' | 'deny' | 'approval_required', reasons, errors, ... }
 */
export class CedarWasmEngine implements DecisionPoint {
  readonly version: string;
  /** Policy ids in file order. */
  readonly policyIds: readonly string[];
  readonly warnings: readonly PolicyProblem[];
  private readonly origins: ReadonlyMap<string, { file: string } & SourcePosition>;
  private readonly order: ReadonlyMap<string, number>;
  private readonly approval: ReadonlySet<string>;
  private readonly setId: string;
  private readonly schemaName: string;

  constructor(opts: CedarWasmEngineOptions) {
    checkComplexity(opts.schema, 'schema');
    for (const source of opts.policies) checkComplexity(source, 'policy set');
    checkSchema(opts.schema);
    const compiled = compilePolicySet(opts.policies, opts.schema);
    this.version = opts.version ?? `sha256:${compiled.digest.slice(0, 16)}`;
    this.policyIds = Object.keys(compiled.policies);
    this.order = new Map(this.policyIds.map((id, i) => [id, i]));
    this.origins = compiled.origins;
    this.approval = compiled.approval;
    this.warnings = compiled.warnings;
    this.schemaName = `mandate-schema:${createHash('sha256').update(opts.schema.text).digest('hex')}`;
    this.setId = `mandate-set:${compiled.digest}`;
    const schema = cedar.preparseSchema(this.schemaName, opts.schema.text);
    const set = cedar.preparsePolicySet(this.setId, { staticPolicies: compiled.policies });
    // INVARIANT: both texts were parsed and validated above, so pre-parsing cannot fail.
    if (schema.type === 'failure' || set.type === 'failure')
      throw new MandateError('internal', 'cedar could not pre-parse a validated policy set');
  }

  authorize(req: DecisionRequest): Decision {
    let call: CedarRequest;
    try {
      call = toCedar(req);
    } catch (err) {
      return refused(
        err instanceof MandateError ? err.message : `malformed request: ${(err as Error).message}`,
        this.version,
      );
    }
    return this.evaluate(call);
  }

  /**
   * Decides a Cedar request given in cedar-wasm's JSON forms, with Mandate's outcome rules. For
   * requests not built by `toCedar` (AuthZEN, conformance tests). `validateRequest` (default true)
   * checks the request and its entities against the schema first.
   */
  evaluate(call: CedarRequest, opts: { validateRequest?: boolean } = {}): Decision {
    const validateRequest = opts.validateRequest ?? true;
    const answer = this.run(call, validateRequest);
    if (typeof answer === 'string') return refused(answer, this.version);
    const ifApproved = (): EngineAnswer | null => {
      if (call.context.approved !== false) return null;
      const again = this.run(
        { ...call, context: { ...call.context, approved: true } },
        validateRequest,
      );
      return typeof again === 'string' ? null : again;
    };
    return decide(answer, this.version, (id) => this.approval.has(id), ifApproved);
  }

  /** Where a policy starts, for explanations. */
  origin(policyId: string): ({ file: string } & SourcePosition) | undefined {
    return this.origins.get(policyId);
  }

  /** Cedar's answer with reasons and errors in file order, or the reason the request was refused. */
  private run(call: CedarRequest, validateRequest: boolean): EngineAnswer | string {
    const answer = cedar.statefulIsAuthorized({
      principal: call.principal,
      action: call.action,
      resource: call.resource,
      context: call.context,
      entities: call.entities,
      preparsedSchemaName: this.schemaName,
      preparsedPolicySetId: this.setId,
      validateRequest,
    });
    if (answer.type === 'failure')
      return `invalid request: ${answer.errors.map((e) => e.message).join('; ')}`;
    const rank = (id: string): number => this.order.get(id) ?? Number.MAX_SAFE_INTEGER;
    const reasons = [...answer.response.diagnostics.reason].sort((a, b) => rank(a) - rank(b));
    const errors: DecisionError[] = answer.response.diagnostics.errors
      .map((e) => ({ policy: e.policyId, message: e.error.message }))
      .sort((a, b) => rank(a.policy) - rank(b.policy));
    return { decision: answer.response.decision, reasons, errors };
  }
}

/**
 * Refuses a text Cedar's parser could not take without overflowing its stack inside wasm (a
 * crash that breaks the engine for every later decision, not an error): see `tooComplex`.
 * Every text reaches Cedar through this constructor (the policy API, the CLI, the default pack),
 * so the check is here, before any Cedar call.
 */
function checkComplexity(source: PolicySource, what: 'schema' | 'policy set'): void {
  const found = tooComplex(source.text);
  if (found === undefined) return;
  const { line, column } = found.position;
  throw new MandateError(
    'invalid_request',
    `${what} is invalid: ${source.file}:${line}:${column}: ${found.message}`,
    { errors: [{ file: source.file, line, column, message: found.message }] },
  );
}

/** An engine over the default pack. */
export function createDefaultDecisionPoint(): CedarWasmEngine {
  return new CedarWasmEngine(loadDefaultPolicies());
}
