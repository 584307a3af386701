/**
 * Attacker-controlled text for an error message: in backticks, one line (controls and backticks
 * as `?`), at most 80 characters.
 *
 * @example quote('a`b\nc') // '`a?b?c`'
 */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const line = text.replace(/[\p{Cc}`]/gu, '?');
  return `\`${line.length > 80 ? `${line.slice(0, 80)}…` : line}\``;
}
