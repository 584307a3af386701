import type { OAuthClient } from '../../../sdk/admin-clients.js';

/** One client as `show` and `revoke` print it. */
export function describeClient(c: OAuthClient): string {
  return [
    `id            ${c.id}`,
    `client id     ${c.client_id}`,
    `kind          ${c.kind}`,
    `name          ${c.name}`,
    `status        ${c.status}${c.revoked_at ? ` (revoked ${c.revoked_at})` : ''}`,
    `owner         ${c.owner ?? '- (nobody has consented yet)'}`,
    `spiffe id     ${c.spiffe_id}`,
    `agent         ${c.agent ? `${c.agent.name} (${c.agent.status})` : '- (created at the first consent)'}`,
    `redirect uris ${c.redirect_uris.join(' ')}`,
    ...(c.client_uri ? [`client uri    ${c.client_uri}`] : []),
    `created       ${c.created_at} by ${c.created_by}`,
  ].join('\n');
}
