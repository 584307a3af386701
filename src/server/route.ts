import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { RequestContext } from '../core/context.js';
import type { Human } from '../humans/human.js';
import type { Mandate } from './mandate.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * `admin`: the admin bearer token. `human`: a signed-in human's session cookie (state-changing
 * requests must also pass the CSRF check, server/human-auth.ts) or the admin bearer token, which
 * acts as the human `admin`. `none`: public, or authenticated by the body itself. A `BearerAuth`:
 * the admin token or a bearer token of the route's own kind, checked before the input is parsed.
 */
export type Auth = 'admin' | 'human' | 'none' | BearerAuth;

/** A route's own bearer token, accepted besides the admin token (an SSF stream's receiver token). */
export interface BearerAuth {
  /** The OpenAPI security scheme's name. */
  scheme: string;
  description: string;
  /** The actor the request acts as; throws `unauthorized` for anything else. Reads the raw request: the input is not parsed yet. */
  check: (mandate: Mandate, request: FastifyRequest) => Promise<string>;
}

export interface HandlerInput<B, Q, P> {
  mandate: Mandate;
  body: B;
  query: Q;
  params: P;
  ctx: RequestContext;
  /** Who is signed in, on `human` routes. */
  human?: Human;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** A handler returns the JSON body, or `undefined` after writing the reply itself. */
export type Handler<B, Q, P> = (input: HandlerInput<B, Q, P>) => Promise<unknown>;

export interface RouteDef<B = unknown, Q = unknown, P = unknown> {
  method: Method;
  url: string;
  auth: Auth;
  /** The audit event the operation writes, or null for reads. Documentation; the domain writes it. */
  audit: string | null;
  summary: string;
  tag: string;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** Status → description (and content type when not JSON). */
  responses: Record<number, string | { description: string; contentType: string }>;
  handler: Handler<B, Q, P>;
  /** Left out of /openapi.json (the spec endpoints themselves). */
  hidden?: boolean;
  /** `oauth`: errors as RFC 6749 §5.2 JSON (`error`, `error_description`) instead of problem+json. */
  errors?: 'problem' | 'oauth';
  /** The request body is `application/x-www-form-urlencoded`, handed over as URLSearchParams. */
  form?: boolean;
  /** The request body is left unread, of any content type, for the handler to stream from `request.raw` (the HTTP proxy). */
  stream?: boolean;
}

/** Declares a route; the schemas type the handler's input. */
export function route<B = undefined, Q = undefined, P = undefined>(
  def: RouteDef<B, Q, P>,
): RouteDef {
  return def as unknown as RouteDef;
}
