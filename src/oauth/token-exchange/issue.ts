import type { AuditEventInput, TaskRecord, TaskTokenRecord } from '../../core/store/index.js';
import { formatScope } from '../../delegation/scope.js';
import { signTaskToken, type TaskTokenClaims } from '../task-token.js';
import type { ExchangeDeps, IssuedTaskToken } from './context.js';

/**
 * Signs a task token and records it — with its task when it starts one, and its audit event —
 * in one transaction. `beforeCommit` re-checks inside the transaction what could have
 * changed since the caller looked (the parent's revocation, the task's status).
 */
export async function issueTaskToken(
  deps: ExchangeDeps,
  claims: TaskTokenClaims,
  record: { task?: TaskRecord; parentJti: string | null; holder: string },
  audit: AuditEventInput,
  beforeCommit?: (
    tx: Parameters<Parameters<ExchangeDeps['store']['transaction']>[0]>[0],
  ) => Promise<void>,
): Promise<IssuedTaskToken> {
  const key = await deps.keys.signingKey('token');
  const accessToken = await signTaskToken(key, claims);
  const token: TaskTokenRecord = {
    jti: claims.jti,
    taskId: claims.task_id,
    parentJti: record.parentJti,
    ancestors: claims.ancestors,
    depth: claims.depth,
    subject: claims.sub,
    holder: record.holder,
    clientId: claims.client_id,
    scopes: claims.scope ? claims.scope.split(' ') : [],
    audience: claims.aud,
    cnfJkt: claims.cnf?.jkt ?? null,
    issuedAt: claims.iat * 1000,
    expiresAt: claims.exp * 1000,
    revokedAt: null,
    revokedBy: null,
  };
  await deps.store.transaction(async (tx) => {
    if (beforeCommit) await beforeCommit(tx);
    if (record.task) await tx.tasks.insert(record.task);
    await tx.tokens.insert(token);
    await tx.credentials.insert({
      id: claims.jti,
      kind: 'task-token',
      subject: claims.sub,
      audience: claims.aud,
      signer: key.kid,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
    });
    await tx.audit.append(audit);
  });
  return {
    accessToken,
    tokenType: claims.cnf ? 'DPoP' : 'Bearer',
    expiresIn: claims.exp - claims.iat,
    scope: formatScope(token.scopes),
    authorizationDetails: claims.authorization_details,
    taskId: claims.task_id,
    jti: claims.jti,
  };
}
