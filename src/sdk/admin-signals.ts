import type { Http } from './http.js';

/** A graduated response to a signal (docs/signals.md, the response ladder). */
export type SignalResponseName = 'require_approval' | 'read_only' | 'revoke_task' | 'suspend_agent';

/** A live risk signal, as `GET /v1/signals` shows it. */
export interface Signal {
  id: string;
  kind: string;
  source: string;
  /** 0..100, higher is worse: what the signal counts with. */
  risk: number;
  confidence: number | null;
  reason: string | null;
  /** The task it is about, or null for a signal about an agent. */
  task: string | null;
  /** The agent's SPIFFE ID: the one it is about, or the one that runs its task. */
  agent: string | null;
  at: string;
  expires_at: string;
  /** The responses it got. */
  responses: SignalResponseName[];
}

/** What one response to a new signal did. */
export interface SignalResponseOutcome {
  response: SignalResponseName;
  outcome: 'success' | 'failure';
  /** What it acted on: `task:<id>`, or an agent's SPIFFE ID. */
  targets: string[];
  error?: string;
}

/** `POST /v1/signals`'s answer: the signal as kept, with what each response did. */
export interface SentSignal extends Omit<Signal, 'responses'> {
  responses: SignalResponseOutcome[];
}

/** The body of `POST /v1/signals`: exactly one of `task` and `agent`, at least one of `risk` and `confidence`. */
export interface SendSignalInput {
  task?: string;
  /** An agent's SPIFFE ID. */
  agent?: string;
  kind: string;
  /** An integer 0..100, higher is worse. */
  risk?: number;
  /** 0..1: how sure the source is that the agent acts as intended (counts as risk `round(100 × (1 − confidence))` without `risk`). */
  confidence?: number;
  source: string;
  reason?: string;
  ttl_seconds?: number;
}

/** `GET /v1/signals`: the live signals; for one task, also the risk and restrictions its own agent's calls get now. */
export interface SignalList {
  signals: Signal[];
  task?: string;
  agent?: string;
  status?: 'active' | 'ended' | 'expired';
  risk?: number;
  restrictions?: SignalResponseName[];
}

/**
 * Risk signals through the admin API (docs/signals.md): `MandateAdminClient.signals`.
 *
 * @example
 * const sent = await admin.signals.send({ task: taskId, kind: 'prompt_injection', risk: 75, source: 'guardrail' });
 * sent.responses.map((r) => r.response); // ['require_approval', 'read_only']
 */
export class SignalsAdmin {
  constructor(private readonly http: Http) {}

  /** Reports a signal; its responses are carried out before the answer. */
  send(input: SendSignalInput): Promise<SentSignal> {
    return this.http.json('POST', '/v1/signals', input);
  }

  /** Live signals, newest first: those that count for one task, those about one agent, or all. */
  list(filter: { task?: string; agent?: string; limit?: number } = {}): Promise<SignalList> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
    return this.http.json('GET', `/v1/signals${q.size ? `?${q}` : ''}`);
  }
}
