/**
 * What a credential provider is given and what it gives back: the caller an enforcement point
 * verified, and the headers (or query parameters) to inject into that caller's upstream request.
 */

/** Who is calling, as verified by the enforcement point (from a verified task token). */
export interface CallerContext {
  /** The acting agent's SPIFFE ID (the token's current actor, or its client). */
  agent: string;
  /** Token `sub`: a human for on-behalf-of, else the agent. */
  subject: string;
  /** The act chain, outermost (current actor) first, as the token carries it. */
  actors: string[];
  taskId: string;
  grantId?: string | null;
  scopes: string[];
  /** Seconds since epoch; nothing injected may outlive it where the provider can bound it. */
  tokenExp: number;
  requestId?: string | null;
}

export interface InjectedCredential {
  /** To add to the upstream HTTP request (or to env for stdio). */
  headers: Record<string, string>;
  query?: Record<string, string>;
  /** The only thing about a secret that may be audited. */
  secretRef?: { id: string; version: number };
  /** Ms since epoch, when known. */
  expiresAt?: number;
}
