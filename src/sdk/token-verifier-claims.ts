import type { JWTPayload } from 'jose';
import { quote, TokenVerificationError } from './token-verifier-error.js';

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

/** What the verifier expects of every token; fixed when the verifier is built. */
export interface ClaimExpectations {
  issuer: string;
  audiences: readonly string[];
  toleranceSeconds: number;
}

/** Longer act chains than this are refused before walking them; far above any depth limit. */
const MAX_ACTORS = 64;

function missing(message: string): TokenVerificationError {
  return new TokenVerificationError('missing_claim', message);
}

function requireString(claims: JWTPayload, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string' || value.length === 0)
    throw missing(`the token has no \`${name}\` string`);
  return value;
}

function requireNumber(claims: JWTPayload, name: string): number {
  const value = claims[name];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw missing(`the token has no numeric \`${name}\``);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 9068 §4: `iss` exact, `aud` contains an expected value, `exp`/`nbf`/`iat` with bounded skew. */
function checkRegistered(
  claims: JWTPayload,
  expect: ClaimExpectations,
  nowSeconds: number,
): { audience: string[]; exp: number; iat: number } {
  const iss = requireString(claims, 'iss');
  if (iss !== expect.issuer)
    throw new TokenVerificationError(
      'wrong_issuer',
      `the token's issuer ${quote(iss)} is not the expected issuer`,
    );
  const aud = claims.aud;
  const audience = typeof aud === 'string' ? [aud] : aud;
  if (
    !Array.isArray(audience) ||
    audience.length === 0 ||
    !audience.every((a) => typeof a === 'string')
  ) {
    throw missing('the token has no `aud` string or array of strings');
  }
  if (!audience.some((a) => expect.audiences.includes(a)))
    throw new TokenVerificationError('wrong_audience', 'the token is not meant for this audience');
  const exp = requireNumber(claims, 'exp');
  if (exp <= nowSeconds - expect.toleranceSeconds)
    throw new TokenVerificationError('expired', 'the token has expired');
  const iat = requireNumber(claims, 'iat');
  if (iat > nowSeconds + expect.toleranceSeconds)
    throw new TokenVerificationError('not_yet_valid', 'the token was issued in the future');
  if (claims.nbf !== undefined) {
    const nbf = requireNumber(claims, 'nbf');
    if (nbf > nowSeconds + expect.toleranceSeconds)
      throw new TokenVerificationError('not_yet_valid', 'the token is not valid yet');
  }
  return { audience: [...audience], exp, iat };
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
 * Checks a signature-verified claims set against RFC 9068 and Mandate's task-token claims and
 * reads it into a principal (without `token` and `keyId`, which the verifier attaches).
 */
export function principalFromClaims(
  claims: JWTPayload,
  expect: ClaimExpectations,
  nowSeconds: number,
): Omit<Principal, 'token' | 'keyId'> {
  const { audience, exp, iat } = checkRegistered(claims, expect, nowSeconds);
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
  return {
    jti,
    issuer: expect.issuer,
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
    issuedAt: iat,
    expiresAt: exp,
    claims,
  };
}
