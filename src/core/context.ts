/** Who is acting and under which request: every audited operation takes one. */
export interface RequestContext {
  /** `admin`, a SPIFFE ID, `system`, or `anonymous`. */
  actor: string;
  requestId: string | null;
}

export const systemContext: RequestContext = { actor: 'system', requestId: null };
