import { MandateError } from '../../core/errors.js';

/** RFC 8707 / 8693: a task token is always audience-restricted to where it will be used. */
export function requireTargets(targets: string[]): string[] {
  if (targets.length === 0)
    throw new MandateError(
      'invalid_target',
      'name where the token will be used: send `resource` (e.g. the gateway URL) or `audience`',
    );
  if (targets.length > 8)
    throw new MandateError('invalid_target', 'a task token takes at most 8 targets');
  return targets;
}

/** A delegated token's targets: the parent's by default, else a subset of them. */
export function narrowTargets(requested: string[], parent: string[]): string[] {
  if (requested.length === 0) return parent;
  const extra = requested.filter((t) => !parent.includes(t));
  if (extra.length)
    throw new MandateError(
      'invalid_target',
      `the parent token is not valid at ${extra.map((t) => `\`${t}\``).join(', ')}; a delegation can only narrow the audience`,
    );
  return requested;
}
