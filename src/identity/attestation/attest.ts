import type { Clock } from '../../core/clock.js';
import type { RequestContext } from '../../core/context.js';
import { MandateError } from '../../core/errors.js';
import type {
  AgentRecord,
  AuditEventInput,
  CredentialRecord,
  Store,
} from '../../core/store/index.js';
import type { CaManager, IssuedX509Svid } from '../ca-manager.js';
import { checkAudience, signJwtSvid, type SignedJwtSvid } from '../jwt-svid.js';
import type { KeyManager } from '../keys/key-manager.js';
import { createJoinToken, hashJoinToken, type IssuedJoinToken } from './join-token.js';
import type { JwtAttestor } from './jwt-attestor.js';

/** The evidence a running agent presents. */
export type AttestationEvidence =
  { method: 'join_token'; token: string } | { method: 'jwt'; token: string };

export interface SvidRequest {
  /** A JWT-SVID for these audiences. */
  jwt?: { audience: string[]; ttlSeconds?: number | undefined } | undefined;
  /** An X.509-SVID for this CSR. */
  x509?: { csrPem: string; ttlSeconds?: number | undefined } | undefined;
}

export interface AttestationResult {
  agent: AgentRecord;
  method: AttestationEvidence['method'];
  jwtSvid?: SignedJwtSvid;
  x509Svid?: IssuedX509Svid;
}

export interface AttestationOptions {
  issuer: string;
  jwtSvidTtlSeconds: number;
  jwtSvidMaxTtlSeconds: number;
  x509SvidTtlSeconds: number;
  x509SvidMaxTtlSeconds: number;
}

/**
 * Attestation → SVIDs, the flow an agent instance goes through at start:
 * 1. verify the evidence (join token: exists, unused, unexpired; JWT: trusted issuer, rules);
 * 2. the agent must be active;
 * 3. sign the requested SVIDs (outside the write transaction);
 * 4. in one transaction: consume the join token, record the credentials, audit.
 * Any failure is audited and returns nothing; a join token is spent only on success.
 */
export class Attestation {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly keys: KeyManager,
    private readonly ca: CaManager,
    private readonly jwtAttestor: JwtAttestor,
    private readonly options: AttestationOptions,
  ) {}

  /** A one-time join token for an active agent, shown once; only its SHA-256 is stored. Audited as `join_token.create`. */
  createJoinToken(
    agentName: string,
    ttlSeconds: number,
    ctx: RequestContext,
  ): Promise<IssuedJoinToken> {
    return createJoinToken(this.store, this.clock, agentName, ttlSeconds, ctx);
  }

  async attest(
    evidence: AttestationEvidence,
    want: SvidRequest,
    ctx: RequestContext,
  ): Promise<AttestationResult> {
    try {
      return await this.run(evidence, want, ctx);
    } catch (err) {
      await this.auditFailure(evidence, err, ctx);
      throw err;
    }
  }

  private async run(
    evidence: AttestationEvidence,
    want: SvidRequest,
    ctx: RequestContext,
  ): Promise<AttestationResult> {
    if (!want.jwt && !want.x509)
      throw new MandateError(
        'invalid_request',
        'ask for a jwt-svid (audience), an x509-svid (csr), or both',
      );
    const audience = want.jwt ? checkAudience(want.jwt.audience) : undefined;
    const agentName =
      evidence.method === 'join_token'
        ? await this.peekJoinToken(evidence.token)
        : (await this.jwtAttestor.attest(evidence.token, (iss) => this.store.read.issuers.get(iss)))
            .agentName;
    const agent = await this.activeAgent(agentName);
    const now = this.clock.now();

    const jwtSvid = audience
      ? await signJwtSvid(await this.keys.signingKey('jwt-svid'), {
          spiffeId: agent.spiffeId,
          audience,
          ttlSeconds: capTtl(
            want.jwt?.ttlSeconds,
            this.options.jwtSvidTtlSeconds,
            this.options.jwtSvidMaxTtlSeconds,
          ),
          now,
          issuer: this.options.issuer,
        })
      : undefined;
    const x509Svid = want.x509
      ? await this.ca.issue(
          want.x509.csrPem,
          agent.spiffeId,
          capTtl(
            want.x509.ttlSeconds,
            this.options.x509SvidTtlSeconds,
            this.options.x509SvidMaxTtlSeconds,
          ),
        )
      : undefined;

    await this.store.transaction(async (tx) => {
      if (evidence.method === 'join_token') {
        const consumed = await tx.joinTokens.consume(
          hashJoinToken(evidence.token),
          this.clock.now(),
        );
        if (!consumed)
          throw new MandateError('attestation_failed', 'join token was used concurrently', {
            reason: 'join_token_used',
          });
      }
      // INVARIANT: re-read inside the transaction so a suspension that committed meanwhile wins.
      const current = await tx.agents.get(agent.name);
      if (current?.status !== 'active')
        throw new MandateError(
          'agent_inactive',
          `agent \`${agent.name}\` is ${current?.status ?? 'gone'}`,
        );
      const credentials: CredentialRecord[] = [];
      if (jwtSvid)
        credentials.push({
          id: jwtSvid.jti,
          kind: 'jwt-svid',
          subject: agent.spiffeId,
          audience: audience ?? [],
          signer: jwtSvid.kid,
          issuedAt: jwtSvid.issuedAt,
          expiresAt: jwtSvid.expiresAt,
        });
      if (x509Svid)
        credentials.push({
          id: `x509:${x509Svid.serial}`,
          kind: 'x509-svid',
          subject: agent.spiffeId,
          audience: [],
          signer: x509Svid.caId,
          issuedAt: x509Svid.notBefore,
          expiresAt: x509Svid.notAfter,
        });
      for (const c of credentials) await tx.credentials.insert(c);
      await tx.audit.append({
        actor: agent.spiffeId,
        action: 'agent.attest',
        target: agent.spiffeId,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {
          method: evidence.method,
          ...(jwtSvid
            ? {
                jwtSvid: {
                  jti: jwtSvid.jti,
                  kid: jwtSvid.kid,
                  audience,
                  expiresAt: jwtSvid.expiresAt,
                },
              }
            : {}),
          ...(x509Svid
            ? { x509Svid: { serial: x509Svid.serial, expiresAt: x509Svid.notAfter } }
            : {}),
        },
      });
    });
    return {
      agent,
      method: evidence.method,
      ...(jwtSvid ? { jwtSvid } : {}),
      ...(x509Svid ? { x509Svid } : {}),
    };
  }

  /**
   * A fresh JWT-SVID for an agent that proved itself with a current one (the caller spent it
   * as a single-use client assertion). Like SPIRE's SVID rotation: identity continues while
   * the agent stays active, and a stolen SVID raced against its owner shows up as a replay.
   */
  async renewJwtSvid(
    agent: AgentRecord,
    audience: unknown,
    ttlSeconds: number | undefined,
    ctx: RequestContext,
  ): Promise<SignedJwtSvid> {
    const aud = checkAudience(audience);
    const svid = await signJwtSvid(await this.keys.signingKey('jwt-svid'), {
      spiffeId: agent.spiffeId,
      audience: aud,
      ttlSeconds: capTtl(
        ttlSeconds,
        this.options.jwtSvidTtlSeconds,
        this.options.jwtSvidMaxTtlSeconds,
      ),
      now: this.clock.now(),
      issuer: this.options.issuer,
    });
    await this.store.transaction(async (tx) => {
      const current = await tx.agents.get(agent.name);
      if (current?.status !== 'active')
        throw new MandateError(
          'agent_inactive',
          `agent \`${agent.name}\` is ${current?.status ?? 'gone'}`,
        );
      await tx.credentials.insert({
        id: svid.jti,
        kind: 'jwt-svid',
        subject: agent.spiffeId,
        audience: aud,
        signer: svid.kid,
        issuedAt: svid.issuedAt,
        expiresAt: svid.expiresAt,
      });
      await tx.audit.append({
        actor: agent.spiffeId,
        action: 'svid.renew',
        target: agent.spiffeId,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { jti: svid.jti, audience: aud, expiresAt: svid.expiresAt },
      });
    });
    return svid;
  }

  /** Checks a join token without spending it; it is consumed in the issuing transaction. */
  private async peekJoinToken(token: string): Promise<string> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256)
      throw new MandateError('attestation_failed', 'join token is malformed', {
        reason: 'malformed',
      });
    const record = await this.store.read.joinTokens.get(hashJoinToken(token));
    if (!record)
      throw new MandateError('attestation_failed', 'join token is unknown', {
        reason: 'join_token_unknown',
      });
    if (record.usedAt !== null)
      throw new MandateError('attestation_failed', 'join token was already used', {
        reason: 'join_token_used',
      });
    if (record.expiresAt <= this.clock.now())
      throw new MandateError('attestation_failed', 'join token has expired', {
        reason: 'join_token_expired',
      });
    return record.agentName;
  }

  private async activeAgent(name: string): Promise<AgentRecord> {
    const agent = await this.store.read.agents.get(name);
    if (!agent)
      throw new MandateError('attestation_failed', `attested agent \`${name}\` is not registered`, {
        reason: 'unknown_agent',
      });
    if (agent.status !== 'active')
      throw new MandateError('agent_inactive', `agent \`${name}\` is ${agent.status}`);
    return agent;
  }

  private async auditFailure(
    evidence: AttestationEvidence,
    err: unknown,
    ctx: RequestContext,
  ): Promise<void> {
    const event: AuditEventInput = {
      actor: ctx.actor,
      action: 'agent.attest',
      target:
        evidence.method === 'join_token'
          ? `join_token:${hashJoinToken(String(evidence.token)).slice(0, 12)}`
          : 'jwt',
      outcome: 'failure',
      requestId: ctx.requestId,
      details: {
        method: evidence.method,
        code: err instanceof MandateError ? err.code : 'internal',
        reason: err instanceof MandateError ? (err.details?.reason ?? null) : null,
        message: err instanceof MandateError ? err.message : 'internal error',
      },
    };
    await this.store.transaction((tx) => tx.audit.append(event));
  }
}

/** The requested TTL, else the default, never above the maximum. */
export function capTtl(requested: number | undefined, defaultTtl: number, maxTtl: number): number {
  if (requested === undefined) return Math.min(defaultTtl, maxTtl);
  if (!Number.isInteger(requested) || requested <= 0)
    throw new MandateError('invalid_request', '`ttl` must be a positive integer number of seconds');
  return Math.min(requested, maxTtl);
}
