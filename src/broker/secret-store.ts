import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { SecretRecord, SecretVersionRecord, Store, StoreTx } from '../core/store/index.js';
import type { Envelope } from './envelope.js';

/**
 * The broker's secrets: write-only, versioned, encrypted at rest (./envelope.ts). Operators put,
 * rotate, disable and delete them and read their metadata; the value is never returned by any
 * route or SDK call. `reveal` is for the credential broker alone. Every change is audited in
 * the same transaction, naming only the secret id and version.
 */

/** A secret id: a URL path segment an operator can type. */
export const SECRET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SECRET_TYPE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const MAX_SECRET_BYTES = 64 * 1024;
const MAX_DESCRIPTION = 1024;
export const DEFAULT_SECRET_TYPE = 'opaque';

export interface SecretVersionInfo {
  version: number;
  createdAt: number;
  createdBy: string;
}

/** Everything about a secret except its value. */
export interface SecretMetadata {
  id: string;
  description: string;
  type: string;
  status: 'active' | 'disabled';
  /** The version the broker uses. */
  version: number;
  /** The versions still stored, oldest first. */
  versions: SecretVersionInfo[];
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface PutSecretInput {
  value: string;
  description?: string;
  type?: string;
}

/** What `reveal` hands the broker: the value and the only thing about it that may be audited. */
export interface RevealedSecret {
  value: string;
  ref: { id: string; version: number };
}

/** What the broker needs of the secret store. */
export interface SecretSource {
  /** The id and version `reveal` would give now, without decrypting; same refusals as `reveal`. */
  current(id: string): Promise<{ id: string; version: number }>;
  reveal(id: string): Promise<RevealedSecret>;
}

/** A committed change to a secret, as CAEP's `credential-change` names it (never the value). */
export interface SecretChange {
  id: string;
  /** The version the broker uses after the change (the last one, for a delete). */
  version: number;
  change: 'create' | 'update' | 'revoke' | 'delete';
  at: number;
}

export class SecretStore implements SecretSource {
  constructor(
    private readonly store: Store,
    private readonly envelope: Envelope,
    private readonly clock: Clock,
    /** Told after each change commits (SSF `credential-change`); it must not throw. */
    private readonly onChange: (change: SecretChange) => void = () => undefined,
  ) {}

  /**
   * Creates the secret (version 1) or rotates it (the next version becomes the one the broker
   * uses). A deleted id starts again at the version after its last one, so `(id, version)`
   * names one value forever. Returns metadata only.
   */
  async put(
    id: string,
    input: PutSecretInput,
    ctx: RequestContext,
  ): Promise<{ secret: SecretMetadata; created: boolean }> {
    checkId(id);
    checkInput(input);
    const result = await this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const existing = await tx.secrets.get(id);
      const version = (existing?.currentVersion ?? 0) + 1;
      const live = existing !== undefined && existing.status !== 'deleted';
      const record: SecretRecord = live
        ? {
            ...existing,
            description: input.description ?? existing.description,
            type: input.type ?? existing.type,
            currentVersion: version,
            updatedAt: now,
            updatedBy: ctx.actor,
          }
        : {
            id,
            description: input.description ?? '',
            type: input.type ?? DEFAULT_SECRET_TYPE,
            status: 'active',
            currentVersion: version,
            createdAt: now,
            createdBy: ctx.actor,
            updatedAt: now,
            updatedBy: ctx.actor,
          };
      const sealed = this.envelope.seal(input.value, { id, version });
      await tx.secrets.upsert(record);
      await tx.secrets.insertVersion({
        secretId: id,
        version,
        ...sealed,
        createdAt: now,
        createdBy: ctx.actor,
      });
      await tx.audit.append(
        live
          ? {
              actor: ctx.actor,
              action: 'secret.rotate',
              target: `secret:${id}`,
              outcome: 'success',
              requestId: ctx.requestId,
              details: { version, previous: version - 1 },
            }
          : {
              actor: ctx.actor,
              action: 'secret.put',
              target: `secret:${id}`,
              outcome: 'success',
              requestId: ctx.requestId,
              details: { version },
            },
      );
      return { secret: metadata(record, await tx.secrets.listVersions(id)), created: !live };
    });
    this.told({
      id,
      version: result.secret.version,
      change: result.created ? 'create' : 'update',
      at: result.secret.updatedAt,
    });
    return result;
  }

  async list(): Promise<SecretMetadata[]> {
    const secrets = await this.store.read.secrets.list();
    return Promise.all(
      secrets.map(async (s) => metadata(s, await this.store.read.secrets.listVersions(s.id))),
    );
  }

  /** Throws `not_found` for an unknown or deleted secret. */
  async get(id: string): Promise<SecretMetadata> {
    const s = await this.store.read.secrets.get(id);
    if (!s || s.status === 'deleted') throw notFound(id);
    return metadata(s, await this.store.read.secrets.listVersions(id));
  }

  /** The broker refuses a disabled secret until it is enabled again; its versions are kept. */
  disable(id: string, ctx: RequestContext): Promise<SecretMetadata> {
    return this.setStatus(id, 'disabled', ctx, 'secret.disable');
  }

  enable(id: string, ctx: RequestContext): Promise<SecretMetadata> {
    return this.setStatus(id, 'active', ctx, 'secret.enable');
  }

  /** Destroys every stored version; the id and its last version number are kept (audit, no reuse). */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    checkId(id);
    const deleted = await this.store.transaction(async (tx) => {
      const s = await live(tx, id);
      const now = this.clock.now();
      const destroyed = await tx.secrets.deleteVersions(id);
      await tx.secrets.upsert({ ...s, status: 'deleted', updatedAt: now, updatedBy: ctx.actor });
      await tx.audit.append({
        actor: ctx.actor,
        action: 'secret.delete',
        target: `secret:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { version: s.currentVersion, versions_destroyed: destroyed },
      });
      return { version: s.currentVersion, at: now };
    });
    this.told({ id, change: 'delete', ...deleted });
  }

  /**
   * The current value, for the credential broker only: never exposed by a route or the SDK.
   * Throws `credential_unavailable` (no secret material in it) when the secret is unknown,
   * deleted, disabled, or does not decrypt.
   */
  async reveal(id: string): Promise<RevealedSecret> {
    const s = await this.usable(id);
    const row = await this.store.read.secrets.getVersion(id, s.currentVersion);
    if (!row)
      throw unavailable(
        id,
        `secret \`${id}\` has no stored version ${s.currentVersion}`,
        'secret_not_found',
      );
    try {
      return {
        value: this.envelope.open(row, { id, version: row.version }),
        ref: { id, version: row.version },
      };
    } catch {
      // The cause is dropped on purpose: nothing from the decryption path travels further.
      throw unavailable(
        id,
        `secret \`${id}\` version ${row.version} cannot be decrypted with this master key`,
        'secret_undecryptable',
      );
    }
  }

  async current(id: string): Promise<{ id: string; version: number }> {
    return { id, version: (await this.usable(id)).currentVersion };
  }

  private async usable(id: string): Promise<SecretRecord> {
    const s = await this.store.read.secrets.get(id);
    if (!s || s.status === 'deleted')
      throw unavailable(id, `secret \`${id}\` does not exist`, 'secret_not_found');
    if (s.status === 'disabled')
      throw unavailable(id, `secret \`${id}\` is disabled`, 'secret_disabled');
    return s;
  }

  private async setStatus(
    id: string,
    status: 'active' | 'disabled',
    ctx: RequestContext,
    action: 'secret.disable' | 'secret.enable',
  ): Promise<SecretMetadata> {
    checkId(id);
    const { secret, changed } = await this.store.transaction(async (tx) => {
      const s = await live(tx, id);
      const record = { ...s, status, updatedAt: this.clock.now(), updatedBy: ctx.actor };
      await tx.secrets.upsert(record);
      await tx.audit.append({
        actor: ctx.actor,
        action,
        target: `secret:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { version: s.currentVersion, previous_status: s.status },
      });
      return {
        secret: metadata(record, await tx.secrets.listVersions(id)),
        changed: s.status !== status,
      };
    });
    // Disabling a disabled secret (or enabling an active one) changes nothing a receiver acts on.
    if (changed)
      this.told({
        id,
        version: secret.version,
        change: status === 'disabled' ? 'revoke' : 'update',
        at: secret.updatedAt,
      });
    return secret;
  }

  private told(change: SecretChange): void {
    try {
      this.onChange(change);
    } catch {
      // telling a receiver must never fail or undo the change itself
    }
  }
}

async function live(tx: StoreTx, id: string): Promise<SecretRecord> {
  const s = await tx.secrets.get(id);
  if (!s || s.status === 'deleted') throw notFound(id);
  return s;
}

function metadata(s: SecretRecord, versions: SecretVersionRecord[]): SecretMetadata {
  return {
    id: s.id,
    description: s.description,
    type: s.type,
    status: s.status === 'disabled' ? 'disabled' : 'active',
    version: s.currentVersion,
    versions: versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
    })),
    createdAt: s.createdAt,
    createdBy: s.createdBy,
    updatedAt: s.updatedAt,
    updatedBy: s.updatedBy,
  };
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !SECRET_ID.test(id)) {
    throw new MandateError(
      'invalid_request',
      `secret id \`${String(id).slice(0, 140)}\` must be 1-128 characters of letters, digits, \`.\`, \`_\` and \`-\`, starting with a letter or digit`,
      { field: 'id' },
    );
  }
}

function checkInput(input: PutSecretInput): void {
  // INVARIANT: no message here quotes the value.
  if (typeof input.value !== 'string' || input.value.length === 0)
    throw new MandateError('invalid_request', '`value` must be a non-empty string', {
      field: 'value',
    });
  if (Buffer.byteLength(input.value, 'utf8') > MAX_SECRET_BYTES)
    throw new MandateError(
      'invalid_request',
      `\`value\` is longer than ${MAX_SECRET_BYTES} bytes`,
      { field: 'value' },
    );
  if (
    input.description !== undefined &&
    (typeof input.description !== 'string' || input.description.length > MAX_DESCRIPTION)
  ) {
    throw new MandateError(
      'invalid_request',
      `\`description\` must be a string of at most ${MAX_DESCRIPTION} characters`,
      { field: 'description' },
    );
  }
  if (
    input.type !== undefined &&
    (typeof input.type !== 'string' || !SECRET_TYPE.test(input.type))
  ) {
    throw new MandateError(
      'invalid_request',
      '`type` must be 1-64 lowercase letters, digits, `_`, `.` or `-` (e.g. `api_key`, `basic_auth`, `oauth_client_secret`)',
      { field: 'type' },
    );
  }
}

const notFound = (id: string) =>
  new MandateError('not_found', `secret \`${id}\` does not exist`, { secret: id });

function unavailable(id: string, message: string, reason: string): MandateError {
  return new MandateError('credential_unavailable', message, { secret: id, reason });
}
