import { MandateError } from '../core/errors.js';
import { parseSpiffeId } from '../core/spiffe-id.js';
import { detailsSubset, type ToolAccessDetail } from './authorization-details.js';
import { formatScope, narrow } from './scope.js';
import { quote } from './text.js';

/**
 * One delegation hop as a pure function: given a parent task token's chain link and a request
 * to hand part of it to another agent, either the child link or the reason it is refused.
 * No I/O; the token exchange endpoint verifies tokens, checks trust rules, and signs the child.
 */

/** RFC 8693 §4.1 actor claim: the outermost `act` is the current actor, nested ones are earlier actors. */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

/** What Mandate keeps about one token in a delegation chain. */
export interface ChainLink {
  jti: string;
  /** The principal the token is about (`sub`): a human for on-behalf-of grants, else the root agent. */
  subject: string;
  /** Actors, current actor first (the `act` chain flattened). */
  actors: string[];
  scopes: string[];
  details: ToolAccessDetail[];
  /** Epoch seconds. */
  expiresAt: number;
  /** 0 for a root task token; each hop adds one. */
  depth: number;
  /** Ids (`jti`) of every token this one descends from, root first, so revocation can cascade. */
  ancestors: string[];
  /** The smallest delegation depth limit on the chain so far. */
  maxDepth: number;
}

export interface DelegationRequest {
  /** The delegate agent's SPIFFE ID (from its verified actor token). */
  delegate: string;
  /** The delegate agent's own delegation depth limit. */
  delegateMaxDepth: number;
  /** Requested scopes; undefined means all of the parent's. */
  scopes?: string[];
  /** Requested authorization details; undefined means all of the parent's. */
  details?: ToolAccessDetail[];
  /** Requested lifetime; undefined means `maxTtlSeconds`. */
  ttlSeconds?: number;
  /** Epoch seconds. */
  now: number;
  /** The longest lifetime the server grants a delegated token. */
  maxTtlSeconds: number;
}

export type DelegationRefusal =
  'widened_scope' | 'widened_details' | 'too_deep' | 'expired_parent' | 'self_delegation';

export type DelegationResult =
  | { ok: true; child: Omit<ChainLink, 'jti'> & { act: ActClaim } }
  | {
      ok: false;
      error: 'invalid_scope' | 'invalid_request';
      reason: DelegationRefusal;
      message: string;
    };

/**
 * The `act` claim for a token whose current actor is `current`, after the actors in `previous`
 * (RFC 8693 §4.1: the outermost `act` is the current actor).
 *
 * @example nestAct('spiffe://td/agent/b', { sub: 'spiffe://td/agent/a' })
 *   // { sub: 'spiffe://td/agent/b', act: { sub: 'spiffe://td/agent/a' } }
 */
export function nestAct(current: string, previous?: ActClaim): ActClaim {
  return previous === undefined ? { sub: current } : { sub: current, act: previous };
}

/**
 * The actors of an `act` claim, current actor first; `[]` for no claim.
 *
 * @example actorsOf({ sub: 'b', act: { sub: 'a' } }) // ['b', 'a']
 */
export function actorsOf(act?: ActClaim): string[] {
  const actors: string[] = [];
  for (let a = act; a !== undefined; a = a.act) actors.push(a.sub);
  return actors;
}

/** The `act` claim listing `actors` (current first); undefined for none. */
function actOf(actors: readonly string[]): ActClaim | undefined {
  return actors.reduceRight<ActClaim | undefined>(
    (previous, sub) => nestAct(sub, previous),
    undefined,
  );
}

function refuse(
  error: 'invalid_scope' | 'invalid_request',
  reason: DelegationRefusal,
  message: string,
): DelegationResult {
  return { ok: false, error, reason, message };
}

function requireNumber(ok: boolean, what: string): void {
  // INVARIANT: every limit is a real number. A NaN would make each `<=` / `>` below false and
  // `Math.min` NaN, so a bad value would skip a check or yield a token that never expires.
  if (!ok) throw new MandateError('internal', `delegation ${what}`);
}

function checkInputs(parent: ChainLink, req: DelegationRequest): void {
  const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
  requireNumber(Number.isFinite(req.now), '`now` must be a finite number');
  requireNumber(Number.isFinite(parent.expiresAt), 'parent `expiresAt` must be a finite number');
  requireNumber(
    isCount(parent.depth) && isCount(parent.maxDepth),
    'parent `depth` and `maxDepth` must be non-negative integers',
  );
  requireNumber(isCount(req.delegateMaxDepth), '`delegateMaxDepth` must be a non-negative integer');
  requireNumber(
    Number.isSafeInteger(req.maxTtlSeconds) && req.maxTtlSeconds > 0,
    '`maxTtlSeconds` must be a positive integer',
  );
  if (
    req.ttlSeconds !== undefined &&
    !(Number.isSafeInteger(req.ttlSeconds) && req.ttlSeconds > 0)
  ) {
    throw new MandateError(
      'invalid_request',
      'the requested lifetime must be a positive whole number of seconds',
    );
  }
}

function copyDetails(details: readonly ToolAccessDetail[]): ToolAccessDetail[] {
  return details.map((d) => ({
    type: d.type,
    tools: [...d.tools],
    ...(d.locations ? { locations: [...d.locations] } : {}),
    ...(d.actions ? { actions: [...d.actions] } : {}),
  }));
}

/**
 * Applies the attenuation rules of one delegation hop. Checks, in order: the parent has not
 * expired, the delegate is not the current actor, the new depth is within the chain's smallest
 * limit, every requested scope is covered by the parent's, and the requested details are a
 * subset of the parent's. Refusals come back as values (`error` is the OAuth error code to
 * answer with); malformed numbers or an inconsistent parent throw.
 *
 * Requested `scopes` and `details` default independently to the parent's: a caller that wants
 * "only what was named" must pass `[]` for the one not named.
 *
 * @example
 * const r = delegate(parentLink, { delegate: 'spiffe://td/agent/b', delegateMaxDepth: 3, scopes: ['tool:github/list'], now, maxTtlSeconds: 900 });
 * if (!r.ok) throw new MandateError(r.error, r.message);
 */
export function delegate(
  parent: ChainLink & { act?: ActClaim },
  req: DelegationRequest,
): DelegationResult {
  checkInputs(parent, req);
  parseSpiffeId(req.delegate);
  // INVARIANT: `act` and `actors` describe the same chain; the child's `act` is built from the
  // parent's, so a mismatch would make the signed claim disagree with what is stored.
  if (parent.act !== undefined && !sameList(actorsOf(parent.act), parent.actors)) {
    throw new MandateError(
      'internal',
      `parent ${quote(parent.jti)} has an \`act\` claim that does not match its actors`,
    );
  }

  // INVARIANT: an expired parent grants nothing, so it cannot be delegated.
  if (parent.expiresAt <= req.now) {
    return refuse(
      'invalid_request',
      'expired_parent',
      `the parent token ${quote(parent.jti)} expired at ${parent.expiresAt}`,
    );
  }

  // INVARIANT: a hop changes who acts. The current actor is the outermost `act`, or the subject
  // itself for a token without one (an agent's own task).
  const currentActor = parent.actors[0] ?? parent.subject;
  if (req.delegate === currentActor) {
    return refuse(
      'invalid_request',
      'self_delegation',
      `${quote(req.delegate)} is the current actor and cannot delegate to itself`,
    );
  }

  // INVARIANT: depth + 1 <= the smallest limit on the chain, the delegate's own limit included;
  // the limit only shrinks hop by hop, so a later hop can never reach deeper than an earlier limit.
  const depth = parent.depth + 1;
  const maxDepth = Math.min(parent.maxDepth, req.delegateMaxDepth);
  if (depth > maxDepth) {
    return refuse(
      'invalid_request',
      'too_deep',
      `delegation would reach depth ${depth}, over the chain's limit of ${maxDepth}`,
    );
  }

  // INVARIANT: child scopes ⊆ parent scopes. A requested scope the parent lacks is an error,
  // never silently dropped: the caller asked for something the parent cannot give.
  const { scopes, widened } = narrow(req.scopes, parent.scopes);
  if (widened.length > 0) {
    return refuse(
      'invalid_scope',
      'widened_scope',
      `requested scope ${quote(formatScope(widened))} is not covered by the parent token's scope`,
    );
  }

  // INVARIANT: child authorization_details ⊆ parent authorization_details (per detail).
  const details = copyDetails(req.details ?? parent.details);
  if (!detailsSubset(details, parent.details)) {
    return refuse(
      'invalid_request',
      'widened_details',
      "requested authorization_details are not covered by the parent token's authorization_details",
    );
  }

  // INVARIANT: child exp <= parent exp, and no hop lives longer than the server's maximum.
  const ttl = Math.min(req.ttlSeconds ?? req.maxTtlSeconds, req.maxTtlSeconds);
  const expiresAt = Math.min(parent.expiresAt, req.now + ttl);

  // INVARIANT: the subject never changes along a chain; the delegate becomes the current actor,
  // with every earlier actor nested inside (RFC 8693 §4.1).
  const act = nestAct(req.delegate, parent.act ?? actOf(parent.actors));
  return {
    ok: true,
    child: {
      subject: parent.subject,
      actors: [req.delegate, ...parent.actors],
      act,
      scopes,
      details,
      expiresAt,
      depth,
      // INVARIANT: ancestors = the parent's ancestors + the parent, so revoking any token is
      // found on every descendant in O(depth).
      ancestors: [...parent.ancestors, parent.jti],
      maxDepth,
    },
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
