import type { JWTPayload } from 'jose';
import { requireString, type VerifiedAccessToken } from './access-token.js';
import { TokenVerificationError } from './errors.js';

/**
 * A verified task token (RFC 9068 JWT access token with Mandate's claims), read for authorization.
 * Per RFC 8693 §4.1, access decisions use the top-level claims plus the current `actor` only;
 * the earlier actors are informational.
 */
export interface Principal {
  /** The token itself, for forwarding. Non-enumerable, so logging or serializing the principal leaves it out. */
  token: string;
  jti: string;
  issuer: string;
  /** `sub`: the agent's SPIFFE ID, or the human's id for an on-behalf-of task. */
  subject: string;
  /** `client_id`: SPIFFE ID of the agent the token was issued to. */
  clientId: string;
  audience: string[];
  scopes: string[];
  authorizationDetails: Record<string, unknown>[];
  taskId: string;
  /** 0 for a task's root token, +1 per delegation. */
  depth: number;
  /** jtis of the ancestor tokens, root first; `ancestors.length === depth`. */
  ancestors: string[];
  /** Actor chain, current actor first: `[act.sub, act.act.sub, ...]`; empty when no `act`. */
  actors: string[];
  /** The agent acting now: `actors[0] ?? subject`. */
  actor: string;
  /** The human the agent acts for (`subject`) when the token has both `act` and `grant_id`; otherwise null. */
  onBehalfOf: string | null;
  grantId: string | null;
  /** `cnf.jkt`: the DPoP key thumbprint the token is bound to (RFC 9449 §6.1), or null. */
  cnfJkt: string | null;
  /** `kid` of the token's JWS header: the Mandate signing key that signed it (a revoked key kills its tokens), or null. */
  keyId: string | null;
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
  /** Every claim as signed. */
  claims: JWTPayload;
}

/** Longer act chains than this are refused before walking them; far above any depth limit. */
const MAX_ACTORS = 64;

function missing(message: string): TokenVerificationError {
  return new TokenVerificationError('missing_claim', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 8693 §4.1: the outermost `act` is the current actor; nested `act`s are the earlier ones. */
function readActors(act: unknown): string[] {
  const actors: string[] = [];
  let node = act;
  while (node !== undefined) {
    if (!isObject(node) || typeof node.sub !== 'string' || node.sub.length === 0) {
      throw new TokenVerificationError(
        'bad_chain',
        'each `act` must be an object with a `sub` string',
      );
    }
    if (actors.length === MAX_ACTORS)
      throw new TokenVerificationError(
        'bad_chain',
        `the \`act\` chain is longer than ${MAX_ACTORS}`,
      );
    actors.push(node.sub);
    node = node.act;
  }
  return actors;
}

/**
 * The delegation chain's consistency. A task's root token has depth 0 and no ancestors; each
 * delegation adds one ancestor (the parent's jti) and one actor (the delegate). The root of an
 * on-behalf-of task (`grant_id`) already names its agent in `act`, so it carries one actor more.
 */
function checkChain(
  jti: string,
  depth: number,
  ancestors: string[],
  actors: string[],
  onBehalf: boolean,
): void {
  if (ancestors.length !== depth)
    throw new TokenVerificationError(
      'bad_chain',
      `the token has depth ${depth} but ${ancestors.length} ancestors`,
    );
  if (new Set(ancestors).size !== ancestors.length || ancestors.includes(jti))
    throw new TokenVerificationError('bad_chain', "the token's ancestors repeat a jti");
  if (depth > 0 && actors.length === 0)
    throw new TokenVerificationError(
      'bad_chain',
      'a delegated token must name its actors in `act`',
    );
  const expected = depth + (onBehalf ? 1 : 0);
  if (actors.length !== expected)
    throw new TokenVerificationError(
      'bad_chain',
      `the token has depth ${depth} but ${actors.length} actors in \`act\` (expected ${expected})`,
    );
}

function readAuthorizationDetails(value: unknown): Record<string, unknown>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((d) => isObject(d) && typeof d.type === 'string')) {
    throw missing('`authorization_details` must be an array of objects with a `type` string');
  }
  return value as Record<string, unknown>[];
}

function optionalString(claims: JWTPayload, name: string): string | null {
  const value = claims[name];
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0)
    throw missing(`\`${name}\` must be a string`);
  return value;
}

function readCnfJkt(cnf: unknown): string | null {
  if (cnf === undefined) return null;
  if (!isObject(cnf) || (cnf.jkt !== undefined && typeof cnf.jkt !== 'string'))
    throw missing('`cnf` must be an object with an optional `jkt` string');
  return cnf.jkt ?? null;
}

/**
 * Reads an access token that passed RFC 9068 (./access-token.ts) as a principal: Mandate's
 * task-token claims and the delegation chain's consistency. The token string itself is attached
 * non-enumerable, so logging or serializing the principal leaves it out.
 *
 * @example
 * const principal = principalOf(await verifyAccessToken(token, getKey, expect, now), token);
 */
export function principalOf(verified: VerifiedAccessToken, token: string): Principal {
  const { claims, audience, exp, iat, header } = verified;
  const jti = requireString(claims, 'jti');
  const subject = requireString(claims, 'sub');
  const clientId = requireString(claims, 'client_id');
  const taskId = requireString(claims, 'task_id');
  const { depth, ancestors } = claims;
  if (typeof depth !== 'number' || !Number.isSafeInteger(depth) || depth < 0)
    throw missing('the token has no `depth` integer of at least 0');
  if (!Array.isArray(ancestors) || !ancestors.every((a) => typeof a === 'string' && a.length > 0))
    throw missing('the token has no `ancestors` array of strings');
  if (claims.scope !== undefined && typeof claims.scope !== 'string')
    throw missing('`scope` must be a space-separated string');
  const scopes = claims.scope === undefined ? [] : claims.scope.split(' ').filter((s) => s !== '');
  const authorizationDetails = readAuthorizationDetails(claims.authorization_details);
  const grantId = optionalString(claims, 'grant_id');
  const cnfJkt = readCnfJkt(claims.cnf);
  const actors = readActors(claims.act);
  checkChain(jti, depth, ancestors as string[], actors, grantId !== null);
  const principal = {
    jti,
    issuer: claims.iss as string,
    subject,
    clientId,
    audience,
    scopes,
    authorizationDetails,
    taskId,
    depth,
    ancestors: [...(ancestors as string[])],
    actors,
    actor: actors[0] ?? subject,
    onBehalfOf: actors.length > 0 && grantId !== null ? subject : null,
    grantId,
    cnfJkt,
    keyId: typeof header.kid === 'string' ? header.kid : null,
    issuedAt: iat,
    expiresAt: exp,
    claims,
  } as Principal;
  Object.defineProperty(principal, 'token', { value: token, enumerable: false });
  return principal;
}

/**
 * The delegation chain of a principal: the current actor first, then the earlier actors, then
 * the task's root agent (the subject, unless the task acts for a human).
 *
 * @example chainOf(principal) // ['spiffe://td/agent/helper', 'spiffe://td/agent/planner']
 */
export function chainOf(p: Principal): string[] {
  const chain = [...p.actors];
  if (p.onBehalfOf === null && !chain.includes(p.subject)) chain.push(p.subject);
  return chain;
}
