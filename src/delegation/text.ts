/**
 * Quoting user input into one-line error messages (Cedar style: user input in backticks).
 * Used by the delegation and clients domains.
 */

const MAX_SHOWN = 80;

/**
 * `s` in backticks, truncated to 80 characters, with everything outside printable ASCII shown as
 * `\u{..}` so that control characters, bidi overrides or line breaks cannot hide or split a message.
 */
export function quote(s: string): string {
  const chars = Array.from(s);
  const cut = chars.length > MAX_SHOWN ? [...chars.slice(0, MAX_SHOWN - 3), '...'] : chars;
  const shown = cut
    .map((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code >= 0x20 && code <= 0x7e ? ch : `\\u{${code.toString(16)}}`;
    })
    .join('');
  return `\`${shown}\``;
}
