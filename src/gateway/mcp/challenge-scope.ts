import type { Namer } from './naming.js';

/**
 * The `scope` of the gateway's 401 and 403 challenges (RFC 6750 §3; MCP 2025-11-25 "scope
 * selection" and "runtime insufficient scope errors"): the scopes this request needs, never every
 * tool's. A client asks its authorization server for exactly these (the challenge comes before
 * `scopes_supported` of the resource metadata, which lists every tool), so the list is kept short:
 *
 * - a `tools/call` (or a batch of them) of a tool the gateway exposes: that tool's scope
 *   `tool:<server>/<tool>`; for the 403 `insufficient_scope`, the scopes of the calls refused;
 * - anything else (initialize, the lists, a name the gateway does not expose): the base scope,
 *   one `tool:<server>/*` per upstream — a human narrows it at consent.
 *
 * At most MAX_CHALLENGE_SCOPES distinct scopes and MAX_CHALLENGE_SCOPE_LENGTH characters; the
 * ones past either cap are left out (a client steps up again for them on its next call). Only
 * names the gateway resolved go in: nothing the caller wrote reaches the header.
 */

export const MAX_CHALLENGE_SCOPES = 8;
export const MAX_CHALLENGE_SCOPE_LENGTH = 512;

/** Distinct scopes, in order, cut at the count and length caps; undefined for none. */
export function boundedScope(scopes: Iterable<string>): string | undefined {
  const kept: string[] = [];
  let length = 0;
  for (const s of new Set(scopes)) {
    if (kept.length === MAX_CHALLENGE_SCOPES) break;
    const added = length + (kept.length > 0 ? 1 : 0) + s.length;
    if (added > MAX_CHALLENGE_SCOPE_LENGTH) continue;
    kept.push(s);
    length = added;
  }
  return kept.length === 0 ? undefined : kept.join(' ');
}

export interface ScopeDeps {
  namer: Namer;
  /** Whether `server` lists `tool` (its own name) now and the catalog took it in. */
  lists(server: string, tool: string): boolean;
  /** The configured upstreams' names. */
  upstreams(): readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The scope a request without a usable token is challenged with: its tools' scopes, else the base scope. */
export function requestScope(body: unknown, deps: ScopeDeps): string | undefined {
  const messages = (Array.isArray(body) ? body : [body]).filter(isObject);
  const tools: string[] = [];
  for (const m of messages) {
    if (m.method !== 'tools/call' || !isObject(m.params) || typeof m.params.name !== 'string')
      continue;
    const r = deps.namer.resolveName(m.params.name);
    if (
      r &&
      deps.lists(r.server, r.name) &&
      deps.namer.exposeName(r.server, r.name) === m.params.name
    )
      tools.push(`tool:${r.server}/${r.name}`);
  }
  if (tools.length > 0) return boundedScope(tools);
  return boundedScope(deps.upstreams().map((u) => `tool:${u}/*`));
}
