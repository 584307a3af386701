import { MandateError } from '../../core/errors.js';
import type { StaticBinding } from '../binding.js';
import type { InjectedCredential } from '../credential.js';
import type { RevealedSecret } from '../secret-store.js';

/**
 * A stored secret as it is: a bearer token, a custom header (an API key), HTTP Basic (RFC 7617)
 * from `user:pass` or JSON `{"username", "password"}`, or a query parameter.
 */
export function staticCredential(
  binding: StaticBinding,
  secret: RevealedSecret,
): InjectedCredential {
  const { value, ref } = secret;
  const base = { headers: {}, secretRef: ref };
  switch (binding.as) {
    case 'bearer':
      return { ...base, headers: { authorization: `Bearer ${headerSafe(value, ref.id)}` } };
    case 'header': {
      if (!binding.header)
        throw new MandateError('invalid_config', 'a static binding `as: header` needs `header`', {
          reason: 'bad_binding',
        });
      return { ...base, headers: { [binding.header.toLowerCase()]: headerSafe(value, ref.id) } };
    }
    case 'basic': {
      const { username, password } = basicParts(value, ref.id);
      return {
        ...base,
        headers: {
          authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`,
        },
      };
    }
    case 'query':
      if (!binding.param)
        throw new MandateError('invalid_config', 'a static binding `as: query` needs `param`', {
          reason: 'bad_binding',
        });
      return { ...base, query: { [binding.param]: value.trim() } };
    default:
      throw new MandateError(
        'invalid_config',
        "a static binding's `as` must be bearer, header, basic or query",
        { reason: 'bad_binding' },
      );
  }
}

// INVARIANT: the messages below name the secret, never quote its value.
/** Surrounding whitespace (a file's final newline) is dropped, as HTTP drops it around a field value. */
function headerSafe(value: string, id: string): string {
  const trimmed = value.trim();
  if (/[\p{Cc}]/u.test(trimmed.replace(/\t/g, '')))
    throw new MandateError(
      'credential_unavailable',
      `secret \`${id}\` contains a line break or control character and cannot be sent in a header`,
      { secret: id, reason: 'secret_not_header_safe' },
    );
  return trimmed;
}

function basicParts(value: string, id: string): { username: string; password: string } {
  const bad = (): never => {
    throw new MandateError(
      'credential_unavailable',
      `secret \`${id}\` is neither \`user:pass\` nor JSON with string \`username\` and \`password\``,
      { secret: id, reason: 'secret_not_basic' },
    );
  };
  let parts: { username: string; password: string } | undefined;
  if (value.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      return bad();
    }
    const { username, password } = (json ?? {}) as Record<string, unknown>;
    if (typeof username === 'string' && typeof password === 'string')
      parts = { username, password };
  } else {
    const i = value.indexOf(':');
    if (i > 0)
      parts = { username: value.slice(0, i), password: value.slice(i + 1).replace(/\r?\n$/, '') };
  }
  // RFC 7617 §2: the user-id cannot contain a colon; neither part may hold control characters.
  if (
    !parts ||
    parts.username.length === 0 ||
    parts.username.includes(':') ||
    /[\p{Cc}]/u.test(parts.username + parts.password)
  )
    return bad();
  return parts;
}
