import type { AgentStatus } from './records.js';

/**
 * The persisted shape of what Mandate tells enforcement points and receivers (docs/revocation.md,
 * docs/ssf.md, docs/signals.md): revocation events, SSF streams and live risk signals. Plain
 * data, epoch milliseconds, like ./records.ts.
 */

/** What a revocation event revokes (see revocation/events.ts and docs/revocation.md). */
export type RevocationKind = 'token' | 'task' | 'agent' | 'grant' | 'approval' | 'key';

/**
 * One revocation, as appended to the ordered revocation feed in the same transaction as the
 * change it reports. `subject` is a jti, task id, agent SPIFFE ID, grant id, approval id or key id.
 */
export interface RevocationEventInput {
  kind: RevocationKind;
  subject: string;
  /** When it happened (epoch ms). For an agent: tokens issued before it are dead. */
  at: number;
  /** After this (epoch ms) the entry is moot (what it revokes has expired); null: never. */
  expiresAt: number | null;
  /** What caused it: the audit action (`task.end`, `agent.suspend`, ...) or a signal. */
  cause: string;
  /** For `agent` events only: the agent's status from `at` on. */
  status?: AgentStatus | undefined;
}

export interface RevocationEventRecord extends RevocationEventInput {
  /** Assigned by the store: strictly increasing, never reused (not even after compaction). */
  seq: number;
}

/** An SSF stream's status (SSF 1.0 §8.1.2): paused holds its events, disabled drops them. */
export type SsfStreamStatus = 'enabled' | 'paused' | 'disabled';

/** How an SSF stream's SETs reach its receiver: pushed to `endpointUrl` (RFC 8935) or polled from it (RFC 8936). */
export interface SsfDelivery {
  method: 'urn:ietf:rfc:8935' | 'urn:ietf:rfc:8936';
  endpointUrl: string;
  /** For push: the `Authorization` header value the receiver asked for (never returned by reads). */
  authorizationHeader: string | null;
}

/** A Shared Signals Framework stream Mandate transmits to (src/ssf, docs/ssf.md). */
export interface SsfStreamRecord {
  id: string;
  /** The `aud` of its SETs. */
  audience: string[];
  /** Event type URIs the receiver asked for. */
  eventsRequested: string[];
  delivery: SsfDelivery;
  description: string | null;
  status: SsfStreamStatus;
  statusReason: string | null;
  /** SHA-256 (hex) of the stream's receiver token (docs/ssf.md); null for a stream created before there were any. */
  receiverTokenHash: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A live risk signal as stored (src/session/signals.ts `Signal`), so that a restart keeps the
 * restrictions and risk it carries until it expires.
 */
export interface SignalRecord {
  id: string;
  kind: string;
  source: string;
  /** 0..100. */
  risk: number;
  confidence: number | null;
  reason: string | null;
  task: string | null;
  agent: string | null;
  at: number;
  expiresAt: number;
  responses: string[];
  /** A detector's dedup key, or null. */
  key: string | null;
}
