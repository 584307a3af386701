/**
 * Values of `WWW-Authenticate` auth-params (RFC 9110 §11.2) for the challenges the server builds
 * (task-token refusals, OAuth endpoints' `invalid_token`), so that no input can add a parameter,
 * end the challenge or make the header unsendable (Node refuses a header holding a control or a
 * character above U+00FF: an HTTP 500).
 *
 * INVARIANT: the same rules as src/sdk/auth-param.ts, which the server may not import
 * (test/architecture.test.ts); test/server-auth-param.test.ts checks that both quote any string alike.
 */

/** A description is prose for a person; longer ones are cut so that input cannot grow the header without bound. */
const MAX_DESCRIPTION = 300;

/** RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped, anything but VCHAR / SP / HTAB as `?`. */
export function quotedString(value: string): string {
  return `"${value.replace(/[^\t\x20-\x7E]/gu, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** RFC 6750 §3 `error_description`, quoted: its value may hold only %x20-21 / %x23-5B / %x5D-7E, so anything else is `?`; at most 300 characters. */
export function quotedDescription(value: string): string {
  return `"${Array.from(value)
    .slice(0, MAX_DESCRIPTION)
    .join('')
    .replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/gu, '?')}"`;
}
