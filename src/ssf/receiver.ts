import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import type { GrantRecord, Store } from '../core/store/index.js';
import { joseFailure } from '../protocol/jose-errors.js';
import { SIGNATURE_ALGORITHMS } from '../protocol/jws-algorithms.js';
import { CAEP, type SubjectId } from './caep.js';
import { SET_TYP } from './set.js';

/** RFC 8935 §2.3 / §2.4 error codes a refused SET is answered with. */
export type SetErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'authentication_failed'
  | 'access_denied';

export class SetError extends Error {
  constructor(
    readonly err: SetErrorCode,
    readonly description: string,
  ) {
    super(description);
  }
}

export interface ReceiverOptions {
  /** The identity provider's `iss`. */
  issuer: string;
  /** The `aud` its SETs must carry (Mandate's receiver endpoint, or what the stream was given). */
  audience: string;
  keys: JWTVerifyGetKey;
  clock: Clock;
  /** Asymmetric algorithms accepted; never `none` nor an HMAC. */
  algorithms?: string[];
  /** A SET older than this (by `iat`) is refused, and its jti remembered this long (replay), seconds. */
  maxAgeSeconds?: number;
}

const MAX_SEEN = 100_000;

/** What a received SET did. */
export interface Received {
  jti: string;
  events: string[];
  /** The human it was about, when it named one. */
  human: string | null;
  revokedGrants: string[];
}

/**
 * Mandate as an SSF receiver of one identity provider (RFC 8935 push): each SET is verified (typ
 * `secevent+jwt`, an asymmetric algorithm, the provider's key, `iss`, `aud`, `iat` not older than
 * `maxAgeSeconds` nor in the future, `jti` not seen before); a CAEP `session-revoked` or
 * `credential-change` about a human (`email`, or `iss_sub` of this provider) revokes every active
 * grant of that human, as `POST /v1/grants/:id/revoke` does, in one transaction audited
 * `ssf.received`.
 */
export class SsfReceiver {
  readonly #seen = new Map<string, number>();
  constructor(
    private readonly store: Store,
    private readonly opts: ReceiverOptions,
  ) {}

  async receive(jwt: string, ctx: RequestContext): Promise<Received> {
    const payload = await this.#verify(jwt);
    const jti = payload.jti!;
    const events = Object.keys(payload.events as Record<string, unknown>);
    const acting = events.filter((e) => e === CAEP.sessionRevoked || e === CAEP.credentialChange);
    const human = acting.length > 0 ? this.#humanOf(payload, acting[0]!) : null;
    const now = this.opts.clock.now();
    const actor = `ssf:${this.opts.issuer}`;
    const revokedGrants = await this.store.transaction(async (tx) => {
      const revoked: string[] = [];
      if (human !== null) {
        for (const g of await tx.grants.list({ human, status: 'active' })) {
          if (g.expiresAt <= now) continue;
          const updated: GrantRecord = { ...g, status: 'revoked', revokedAt: now };
          await tx.grants.update(updated);
          await tx.revocations.append({
            kind: 'grant',
            subject: g.id,
            at: now,
            expiresAt: g.expiresAt,
            cause: 'ssf.received',
          });
          await tx.audit.append({
            actor,
            action: 'grant.revoke',
            target: `grant:${g.id}`,
            outcome: 'success',
            requestId: ctx.requestId,
            details: { human: g.human, agent: g.agent, set: jti },
          });
          revoked.push(g.id);
        }
      }
      await tx.audit.append({
        actor,
        action: 'ssf.received',
        target: human !== null ? `human:${human}` : `set:${jti}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { jti, events, human, revoked_grants: revoked },
      });
      return revoked;
    });
    return { jti, events, human, revokedGrants };
  }

  async #verify(jwt: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, this.opts.keys, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        typ: SET_TYP,
        algorithms: this.opts.algorithms ?? [...SIGNATURE_ALGORITHMS],
        currentDate: new Date(this.opts.clock.now()),
        requiredClaims: ['iat', 'jti'],
        maxTokenAge: this.opts.maxAgeSeconds ?? 300,
      }));
    } catch (err) {
      throw refusal(err);
    }
    if (typeof payload.jti !== 'string' || payload.jti.length > 256)
      throw new SetError('invalid_request', 'the set has no usable `jti`');
    const events = payload.events;
    if (
      typeof events !== 'object' ||
      events === null ||
      Array.isArray(events) ||
      Object.keys(events).length === 0
    )
      throw new SetError('invalid_request', 'the set has no `events`');
    const now = this.opts.clock.now();
    this.#remember(now);
    if (this.#seen.has(payload.jti))
      throw new SetError('invalid_request', 'this set was received before (`jti` replayed)');
    this.#seen.set(payload.jti, now + (this.opts.maxAgeSeconds ?? 300) * 1000 + 60_000);
    return payload;
  }

  #remember(now: number): void {
    for (const [jti, until] of this.#seen) {
      if (until > now && this.#seen.size < MAX_SEEN) break;
      this.#seen.delete(jti);
    }
  }

  /** The human a CAEP event is about: `sub_id` (SSF) or the event's `subject` (CAEP before SSF 1.0). */
  #humanOf(payload: JWTPayload, event: string): string | null {
    const legacy = (payload.events as Record<string, { subject?: unknown }>)[event]?.subject;
    const subject = (payload.sub_id ?? legacy) as
      SubjectId | { format: 'complex'; user?: SubjectId } | undefined;
    const simple = subject && subject.format === 'complex' ? subject.user : subject;
    if (!simple || typeof simple !== 'object') return null;
    if (simple.format === 'email' && typeof simple.email === 'string') return simple.email;
    if (
      simple.format === 'iss_sub' &&
      simple.iss === this.opts.issuer &&
      typeof simple.sub === 'string'
    )
      return simple.sub;
    return null;
  }
}

function refusal(err: unknown): SetError {
  const failure = joseFailure(err);
  switch (failure.kind) {
    case 'claim':
      if (failure.claim === 'iss')
        return new SetError('invalid_issuer', 'the set is not from the configured issuer');
      if (failure.claim === 'aud')
        return new SetError('invalid_audience', 'the set is not for this receiver');
      if (failure.claim === 'typ')
        return new SetError('invalid_request', "the set's `typ` is not `secevent+jwt`");
      return new SetError(
        'invalid_request',
        `the set's \`${failure.claim}\` is not acceptable (${failure.reason})`,
      );
    case 'expired':
      return new SetError('invalid_request', 'the set is too old');
    case 'bad_signature':
    case 'unknown_kid':
      return new SetError(
        'invalid_key',
        "the set's signature does not verify with the issuer's keys",
      );
    case 'alg_not_allowed':
      return new SetError('invalid_request', "the set's algorithm is not allowed");
    default:
      return new SetError('invalid_request', 'the set is not a well-formed signed jwt');
  }
}
