import { basename } from 'node:path';
import { canonicalDigest } from '../core/canonical-json.js';
import type { Clock } from '../core/clock.js';
import { systemContext, type RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { PolicySetRecord, Store } from '../core/store/index.js';
import type { DecisionPoint } from './decision-point.js';
import { loadDefaultPolicies, loadSchema } from './default-pack.js';
import { CedarWasmEngine, type PolicyProblem } from './engines/wasm.js';
import { diffPolicySets, type PolicyFileText, type PolicySetDiff } from './policy-diff.js';
import type { PolicySource } from './policy-source.js';

/**
 * Versioned policy sets: validated strictly against Mandate's schema before they are stored,
 * activated atomically (at most one active set), rolled back to the previous version, every
 * change audited in the same transaction. `active()` is the decision point callers ask; it is
 * the default pack (version 0) until a set is stored.
 */

export type { PolicyFileText } from './policy-diff.js';

export interface PolicyValidation {
  valid: boolean;
  errors: PolicyProblem[];
}

export type PolicyChangeListener = (point: DecisionPoint, set: PolicySetRecord | null) => void;

/** A file name of a set: a plain `.cedar` file name, no directories. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.cedar$/;
export const MAX_POLICY_FILES = 256;

/** The default pack as stored files (`chain-depth.cedar`, …). */
export function defaultPolicyFiles(): PolicyFileText[] {
  return loadDefaultPolicies().policies.map((p) => ({ name: basename(p.file), text: p.text }));
}

export class PolicyStore {
  private point: DecisionPoint;
  private current: PolicySetRecord | null = null;
  private readonly listeners = new Set<PolicyChangeListener>();
  private readonly schema: PolicySource;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    opts: { schema?: PolicySource } = {},
  ) {
    this.schema = opts.schema ?? loadSchema();
    this.point = this.build(defaultPolicyFiles(), 0);
  }

  /**
   * Loads the active set; on a store with no policy set at all, stores the default pack as
   * version 1 and activates it (audited as `ctx`, the system at start).
   */
  async initialize(ctx: RequestContext = systemContext): Promise<void> {
    if ((await this.store.read.policySets.latestVersion()) === 0) {
      const files = defaultPolicyFiles();
      const point = this.build(files, 1);
      const set = await this.store.transaction(async (tx) => {
        // INVARIANT: re-checked inside the transaction, so two starts cannot both seed version 1.
        if ((await tx.policySets.latestVersion()) !== 0) return undefined;
        const record = this.record(1, files, ctx);
        await tx.policySets.insert(record);
        await this.auditCreate(tx, record, ctx);
        await tx.policySets.setActive(1, record.createdAt);
        await tx.audit.append({
          actor: ctx.actor,
          action: 'policy.activate',
          target: 'policy_set:1',
          outcome: 'success',
          requestId: ctx.requestId,
          details: { version: 1, previous: null, digest: record.digest },
        });
        return { ...record, status: 'active' as const, activatedAt: record.createdAt };
      });
      if (set) return this.switchTo(point, set);
    }
    const active = await this.store.read.policySets.active();
    if (active) this.switchTo(this.build(active.files, active.version), active);
  }

  /** Validates files against the schema; never throws for invalid input. */
  validate(files: readonly PolicyFileText[]): PolicyValidation {
    return validatePolicyFiles(files, this.schema);
  }

  /** Stores a new version (inactive). Invalid files are refused with `invalid_request` whose `details.errors` place each problem. */
  async create(files: readonly PolicyFileText[], ctx: RequestContext): Promise<PolicySetRecord> {
    this.refuseInvalid(files);
    const copy = files.map((f) => ({ name: f.name, text: f.text }));
    return this.store.transaction(async (tx) => {
      const record = this.record((await tx.policySets.latestVersion()) + 1, copy, ctx);
      await tx.policySets.insert(record);
      await this.auditCreate(tx, record, ctx);
      return record;
    });
  }

  /**
   * A decision point over files that are not stored (a replay candidate), reporting `version`.
   * Invalid files are refused like `create` refuses them.
   */
  candidate(files: readonly PolicyFileText[], version = 'candidate'): DecisionPoint {
    this.refuseInvalid(files);
    return new CedarWasmEngine({
      policies: files.map((f) => ({ file: f.name, text: f.text })),
      schema: this.schema,
      version,
    });
  }

  /** A decision point over a stored version (0: the default pack), not activated (a shadow set). */
  async pointOf(version: number): Promise<DecisionPoint> {
    return this.build(await this.filesOf(version), version);
  }

  /** Makes `version` the active set, atomically; the previous active set becomes inactive. */
  activate(version: number, ctx: RequestContext): Promise<PolicySetRecord> {
    return this.switch(version, ctx, 'policy.activate');
  }

  /** Activates the highest version below the active one. */
  async rollback(ctx: RequestContext): Promise<PolicySetRecord> {
    const current = await this.store.read.policySets.active();
    if (!current)
      throw new MandateError(
        'conflict',
        'no policy set is active, so there is nothing to roll back',
      );
    const previous = (await this.store.read.policySets.list())
      .filter((s) => s.version < current.version)
      .pop();
    if (!previous)
      throw new MandateError(
        'conflict',
        `policy set ${current.version} is the first version; there is none to roll back to`,
      );
    return this.switch(previous.version, ctx, 'policy.rollback', current.version);
  }

  /** The active decision point (built once per activation); the default pack as version `0` when no set is active. */
  active(): DecisionPoint {
    return this.point;
  }

  /** The active set's record, or null while the default pack (version 0) decides. */
  activeSet(): PolicySetRecord | null {
    return this.current;
  }

  get(version: number): Promise<PolicySetRecord | undefined> {
    return this.store.read.policySets.get(version);
  }

  list(): Promise<PolicySetRecord[]> {
    return this.store.read.policySets.list();
  }

  /** From version `from` to version `to`; version 0 is the default pack. */
  async diff(from: number, to: number): Promise<PolicySetDiff> {
    return diffPolicySets(await this.filesOf(from), await this.filesOf(to));
  }

  /** Called after every activation with the new decision point; returns an unsubscribe function. */
  onChange(listener: PolicyChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `expectActive`: refuse with `conflict` when another activation changed the active set meanwhile (a rollback chose its target from it). */
  private async switch(
    version: number,
    ctx: RequestContext,
    action: 'policy.activate' | 'policy.rollback',
    expectActive?: number,
  ): Promise<PolicySetRecord> {
    const target = await this.store.read.policySets.get(version);
    if (!target) throw new MandateError('not_found', `policy set \`${version}\` does not exist`);
    // Built before the switch: a stored set that no longer validates (a newer schema) is refused, and the active one stays.
    const point = this.build(target.files, version);
    const set = await this.store.transaction(async (tx) => {
      const previous = (await tx.policySets.active())?.version ?? null;
      if (expectActive !== undefined && previous !== expectActive)
        throw new MandateError(
          'conflict',
          `the active policy set changed to ${previous ?? 'none'} during the rollback; try again`,
        );
      const at = this.clock.now();
      if (!(await tx.policySets.setActive(version, at)))
        throw new MandateError('not_found', `policy set \`${version}\` does not exist`);
      const details =
        action === 'policy.rollback'
          ? { version, from: previous, digest: target.digest }
          : { version, previous, digest: target.digest };
      await tx.audit.append({
        actor: ctx.actor,
        action,
        target: `policy_set:${version}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details,
      });
      return { ...target, status: 'active' as const, activatedAt: at };
    });
    this.switchTo(point, set);
    return set;
  }

  private refuseInvalid(files: readonly PolicyFileText[]): void {
    const result = this.validate(files);
    if (result.valid) return;
    const first = result.errors[0]!;
    const where =
      first.line === undefined ? first.file : `${first.file}:${first.line}:${first.column ?? 1}`;
    const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : '';
    throw new MandateError(
      'invalid_request',
      `policy set is invalid: ${where}: ${first.message}${more}`,
      { errors: result.errors },
    );
  }

  private switchTo(point: DecisionPoint, set: PolicySetRecord): void {
    this.point = point;
    this.current = set;
    for (const listener of this.listeners) listener(point, set);
  }

  private build(files: readonly PolicyFileText[], version: number): CedarWasmEngine {
    return new CedarWasmEngine({
      policies: files.map((f) => ({ file: f.name, text: f.text })),
      schema: this.schema,
      version: String(version),
    });
  }

  private record(version: number, files: PolicyFileText[], ctx: RequestContext): PolicySetRecord {
    return {
      version,
      files,
      digest: canonicalDigest(files),
      createdAt: this.clock.now(),
      createdBy: ctx.actor,
      activatedAt: null,
      status: 'inactive',
    };
  }

  private async auditCreate(
    tx: Parameters<Parameters<Store['transaction']>[0]>[0],
    record: PolicySetRecord,
    ctx: RequestContext,
  ): Promise<void> {
    await tx.audit.append({
      actor: ctx.actor,
      action: 'policy.create',
      target: `policy_set:${record.version}`,
      outcome: 'success',
      requestId: ctx.requestId,
      details: {
        version: record.version,
        digest: record.digest,
        files: record.files.map((f) => f.name),
      },
    });
  }

  private async filesOf(version: number): Promise<PolicyFileText[]> {
    if (version === 0) return defaultPolicyFiles();
    const set = await this.store.read.policySets.get(version);
    if (!set) throw new MandateError('not_found', `policy set \`${version}\` does not exist`);
    return set.files;
  }
}

/**
 * Validates policy files strictly against a schema (Mandate's by default), without a store: the
 * CLI validates offline with it. Never throws for invalid input.
 *
 * @example validatePolicyFiles([{ name: 'a.cedar', text }]) // { valid: false, errors: [{ file: 'a.cedar', line: 3, column: 7, message }] }
 */
export function validatePolicyFiles(
  files: readonly PolicyFileText[],
  schema: PolicySource = loadSchema(),
): PolicyValidation {
  const shape = checkFiles(files);
  if (shape.length > 0) return { valid: false, errors: shape };
  try {
    new CedarWasmEngine({ policies: files.map((f) => ({ file: f.name, text: f.text })), schema });
    return { valid: true, errors: [] };
  } catch (err) {
    const errors =
      err instanceof MandateError && err.code === 'invalid_request'
        ? (err.details?.errors as PolicyProblem[] | undefined)
        : undefined;
    if (!errors) throw err;
    return { valid: false, errors };
  }
}

/** Names and count, before Cedar sees the texts. */
function checkFiles(files: readonly PolicyFileText[]): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (files.length === 0)
    problems.push({ file: '', message: 'a policy set needs at least one `.cedar` file' });
  if (files.length > MAX_POLICY_FILES)
    problems.push({
      file: '',
      message: `a policy set has at most ${MAX_POLICY_FILES} files, not ${files.length}`,
    });
  const seen = new Set<string>();
  for (const f of files) {
    if (!FILE_NAME.test(f.name))
      problems.push({
        file: f.name,
        message: `file name \`${f.name}\` must be a plain \`.cedar\` file name (letters, digits, \`.\`, \`_\`, \`-\`)`,
      });
    else if (seen.has(f.name))
      problems.push({ file: f.name, message: `file \`${f.name}\` appears twice` });
    seen.add(f.name);
  }
  return problems;
}
