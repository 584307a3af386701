import type { Secret } from '../../../sdk/admin-client.js';

export function describeSecret(s: Secret): string {
  return [
    `id           ${s.id}`,
    `status       ${s.status}`,
    `type         ${s.type}`,
    `description  ${s.description || '-'}`,
    `version      ${s.version} (stored: ${s.versions.map((v) => v.version).join(', ') || '-'})`,
    `created      ${s.created_at} by ${s.created_by}`,
    `updated      ${s.updated_at} by ${s.updated_by}`,
  ].join('\n');
}
