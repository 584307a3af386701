/**
 * Values of `WWW-Authenticate` auth-params (RFC 9110 §11.2), built so that no input can add a
 * parameter, end the challenge or make the header unsendable. Every challenge Mandate builds
 * (./challenge.ts at every enforcement point, the OAuth endpoints' `invalid_token`) quotes its
 * values through here.
 *
 * Node refuses to send a header holding a character above U+00FF or a control (an HTTP 500
 * where the header is built from a caller's input), and a `"` left unescaped ends the value
 * and lets the rest read as parameters of the caller's choosing: so anything outside visible
 * ASCII, space and tab becomes `?`, and `"` / `\` are escaped.
 *
 * @example
 * `Bearer scope=${quotedString('tool:a/b", resource_metadata="https://evil')}`
 * // 'Bearer scope="tool:a/b\", resource_metadata=\"https://evil"'
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
