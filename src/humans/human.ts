/**
 * A signed-in human: someone from the organisation's identity provider, or the operator through
 * the local admin sign-in (or the admin token), who may do what the admin API may.
 */
export interface Human {
  /** The configured claim of their ID token (an email by default), or `admin`. */
  id: string;
  /** Their groups at sign-in (the configured groups claim); empty for the admin. */
  groups: string[];
  admin: boolean;
  /** How they proved it: OIDC sign-in, the local admin sign-in, or the admin bearer token. */
  method: 'oidc' | 'local' | 'token';
}

/** The operator, as the admin bearer token or the local admin sign-in presents them. */
export const ADMIN: Human = Object.freeze({
  id: 'admin',
  groups: [],
  admin: true,
  method: 'token',
}) as Human;

/** The audit actor for a human: `admin`, or `human:<id>` (so no human id can pass for `admin` or `system`). */
export function actorOf(h: Human): string {
  return h.admin ? 'admin' : `human:${h.id}`;
}

const MAX_ID = 256;

/** Why `id` cannot name a human, or undefined: 1–256 characters, none of them control characters. */
export function humanIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > MAX_ID) return `exceeds ${MAX_ID} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/u.test(id)) return 'contains a control character';
  return undefined;
}
