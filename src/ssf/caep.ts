import type { RevocationEventRecord } from '../core/store/index.js';

/** CAEP 1.0 event types Mandate transmits (openid-caep-1_0 §3). */
export const CAEP = {
  sessionRevoked: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  credentialChange: 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  tokenClaimsChange: 'https://schemas.openid.net/secevent/caep/event-type/token-claims-change',
  riskLevelChange: 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change',
} as const;

/** SSF 1.0 §8.1.4: the verification event; its subject is the stream. */
export const SSF_VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';

/** What a stream may ask for (`events_supported`). */
export const EVENTS_SUPPORTED: readonly string[] = [
  CAEP.sessionRevoked,
  CAEP.credentialChange,
  CAEP.tokenClaimsChange,
  CAEP.riskLevelChange,
];

/** A subject identifier (RFC 9493): Mandate sends `uri` (SPIFFE IDs, the trust domain) and `opaque` (`task:<id>`, `token:<jti>`, `grant:<id>`). */
export type SubjectId =
  | { format: 'uri'; uri: string }
  | { format: 'opaque'; id: string }
  | { format: 'email'; email: string }
  | { format: 'iss_sub'; iss: string; sub: string };

/** One CAEP event about one subject, before it is put in a SET. */
export interface CaepEvent {
  type: string;
  subject: SubjectId;
  /** The event's own claims (`event_timestamp` and the type's members). */
  claims: Record<string, unknown>;
  /** `txn` (RFC 8417 §2.2): the revocation feed's seq, so a receiver can tie events of one change together. */
  txn?: string;
}

/**
 * The credential type of a signing key of the trust domain. CAEP's list names none for a JWT
 * signing key; §3.2 lets a transmitter and receiver agree on another value (docs/ssf.md).
 */
export const SIGNING_KEY_CREDENTIAL = 'urn:mandate:credential-type:signing-key';

/**
 * Who caused a revocation, in CAEP's terms (`initiating_entity`): a policy (a risk signal's
 * response, `signal:<kind>`, or a CAEP event received, `ssf.received`), the system (expiry) or
 * the admin (everything else: an admin or human ending, revoking, suspending).
 */
function initiatingEntity(cause: string): 'admin' | 'policy' | 'system' {
  if (cause.startsWith('signal') || cause.startsWith('ssf.')) return 'policy';
  if (cause.includes('expire') || cause === 'system') return 'system';
  return 'admin';
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * The CAEP event a committed revocation is told as, or null for one no receiver is told about (an
 * agent made active again, an approval revoked): task end, token revocation, a grant revoked and
 * an agent suspended or retired are `session-revoked`; a signing key revoked is `credential-change`.
 */
export function caepEventOf(e: RevocationEventRecord, trustDomain: string): CaepEvent | null {
  const base = {
    event_timestamp: seconds(e.at),
    initiating_entity: initiatingEntity(e.cause),
    reason_admin: { en: e.cause },
  };
  const txn = String(e.seq);
  switch (e.kind) {
    case 'task':
      return {
        type: CAEP.sessionRevoked,
        subject: { format: 'opaque', id: `task:${e.subject}` },
        claims: base,
        txn,
      };
    case 'token':
      return {
        type: CAEP.sessionRevoked,
        subject: { format: 'opaque', id: `token:${e.subject}` },
        claims: base,
        txn,
      };
    case 'grant':
      return {
        type: CAEP.sessionRevoked,
        subject: { format: 'opaque', id: `grant:${e.subject}` },
        claims: base,
        txn,
      };
    case 'agent':
      if (e.status === 'active') return null;
      return {
        type: CAEP.sessionRevoked,
        subject: { format: 'uri', uri: e.subject },
        claims: base,
        txn,
      };
    case 'key':
      return {
        type: CAEP.credentialChange,
        subject: { format: 'uri', uri: `spiffe://${trustDomain}` },
        claims: {
          event_timestamp: seconds(e.at),
          initiating_entity: initiatingEntity(e.cause),
          credential_type: SIGNING_KEY_CREDENTIAL,
          change_type: 'revoke',
          friendly_name: e.subject,
        },
        txn,
      };
    default:
      return null;
  }
}

/**
 * The CAEP `risk-level-change` for a risk change, or null when the level (LOW / MEDIUM / HIGH)
 * stays the same. A task's risk is about a `SESSION` (subject `task:<id>`, opaque); an agent's
 * about the agent as the `USER` principal (subject its SPIFFE ID as a uri): CAEP has no
 * principal value for a workload, and an agent is the acting user of its calls.
 */
export function riskLevelChangeOf(change: {
  task: string | null;
  agent: string;
  previous: number;
  current: number;
  reason: string;
  at: number;
}): CaepEvent | null {
  const previous = riskLevel(change.previous);
  const current = riskLevel(change.current);
  if (previous === current) return null;
  const subject: SubjectId =
    change.task === null
      ? { format: 'uri', uri: change.agent }
      : { format: 'opaque', id: `task:${change.task}` };
  return {
    type: CAEP.riskLevelChange,
    subject,
    claims: {
      event_timestamp: seconds(change.at),
      initiating_entity: 'policy',
      principal: change.task === null ? 'USER' : 'SESSION',
      current_level: current,
      previous_level: previous,
      risk_reason: change.reason,
    },
  };
}

/** CAEP §3.7 levels from Mandate's 0..100 risk: under 40 LOW, under 70 MEDIUM, else HIGH. */
export function riskLevel(risk: number): 'LOW' | 'MEDIUM' | 'HIGH' {
  return risk < 40 ? 'LOW' : risk < 70 ? 'MEDIUM' : 'HIGH';
}

/** The credential type of a broker secret (CAEP §3.2 lets a transmitter name its own; docs/ssf.md). */
export const BROKER_SECRET_CREDENTIAL = 'urn:mandate:credential-type:broker-secret';

/**
 * The CAEP `token-claims-change` for a narrowed grant: the claims every token issued under it now
 * carries at most (`scope`, space-separated, and `exp`, seconds). Subject `grant:<id>` (opaque),
 * the same subject the grant's `session-revoked` names. Tokens issued before the narrowing are
 * not re-issued: their tasks end with it (their own `session-revoked`).
 */
export function tokenClaimsChangeOf(
  grant: { id: string; scopes: readonly string[]; expiresAt: number },
  at: number,
): CaepEvent {
  return {
    type: CAEP.tokenClaimsChange,
    subject: { format: 'opaque', id: `grant:${grant.id}` },
    claims: {
      event_timestamp: seconds(at),
      initiating_entity: 'user',
      claims: { scope: grant.scopes.join(' '), exp: seconds(grant.expiresAt) },
    },
  };
}

/**
 * The CAEP `credential-change` for a change to a broker secret (the third-party credential the
 * gateway injects): a new secret is `create`, a rotation `update`, disabling it `revoke`,
 * enabling it again `update`, deleting it `delete`. Subject `secret:<id>` (opaque); the value
 * and its version's material never leave the store, only the id and version number.
 */
export function secretCredentialChangeOf(change: {
  id: string;
  version: number;
  change: 'create' | 'update' | 'revoke' | 'delete';
  at: number;
}): CaepEvent {
  return {
    type: CAEP.credentialChange,
    subject: { format: 'opaque', id: `secret:${change.id}` },
    claims: {
      event_timestamp: seconds(change.at),
      initiating_entity: 'admin',
      credential_type: BROKER_SECRET_CREDENTIAL,
      change_type: change.change,
      friendly_name: `${change.id} v${change.version}`,
    },
  };
}
