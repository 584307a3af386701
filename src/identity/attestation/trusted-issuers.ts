import type { Clock } from '../../core/clock.js';
import type { RequestContext } from '../../core/context.js';
import { MandateError } from '../../core/errors.js';
import type { Store, TrustedIssuerRecord } from '../../core/store/index.js';

export type TrustedIssuerInput = Omit<TrustedIssuerRecord, 'createdAt'>;

/**
 * The JWT issuers trusted for attestation (Kubernetes, CI OIDC, any OIDC JWKS) and the claim
 * rules that map their tokens to agents (`/v1/trusted-issuers`). Each change is stored with its
 * audit event (`trusted_issuer.put`, `trusted_issuer.delete`) in one transaction.
 */
export class TrustedIssuers {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Trusts an issuer, or replaces what is trusted of it: exactly one key source, every rule naming an agent that exists. */
  async put(input: TrustedIssuerInput, ctx: RequestContext): Promise<TrustedIssuerRecord> {
    if ((input.jwksUri === null) === (input.jwks === null))
      throw new MandateError('invalid_request', 'give exactly one of `jwks_uri` and `jwks`');
    for (const rule of input.rules) {
      if (!(await this.store.read.agents.get(rule.agent)))
        throw new MandateError(
          'invalid_request',
          `rule maps to agent \`${rule.agent}\`, which does not exist`,
        );
    }
    const record: TrustedIssuerRecord = { ...input, createdAt: this.clock.now() };
    await this.store.transaction(async (tx) => {
      await tx.issuers.upsert(record);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'trusted_issuer.put',
        target: record.issuer,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          jwksUri: record.jwksUri,
          inlineKeys: record.jwks?.keys.length ?? 0,
          audience: record.audience,
          rules: record.rules,
        },
      });
    });
    return record;
  }

  list(): Promise<TrustedIssuerRecord[]> {
    return this.store.read.issuers.list();
  }

  /** Stops trusting an issuer; `not_found` when it is not trusted. */
  async remove(issuer: string, ctx: RequestContext): Promise<void> {
    await this.store.transaction(async (tx) => {
      if (!(await tx.issuers.delete(issuer)))
        throw new MandateError('not_found', `issuer \`${issuer}\` is not trusted`);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'trusted_issuer.delete',
        target: issuer,
        outcome: 'success',
        requestId: ctx.requestId,
      });
    });
  }
}
