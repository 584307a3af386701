import {
  listAgents,
  registerAgent,
  resumeAgent,
  retireAgent,
  showAgent,
  suspendAgent,
} from './handlers/agents.js';
import { attest, createJoinTokenRoute, renewJwtSvid } from './handlers/attestation.js';
import { checkpointAudit, exportAudit, verifyAudit } from './handlers/audit.js';
import { healthz, readyz } from './handlers/health.js';
import { deleteIssuer, listIssuers, putIssuer } from './handlers/issuers.js';
import { listKeys, rotateKeys } from './handlers/keys.js';
import {
  authorizationServerMetadata,
  jwks,
  openidConfiguration,
  spiffeBundle,
} from './handlers/well-known.js';
import {
  createRegistrationToken,
  listClients,
  revokeClient,
  showClient,
} from './handlers/clients.js';
import { registerClient } from './handlers/registration.js';
import { metrics, openapi } from './handlers/operations.js';
import type { RouteDef } from './route.js';
import {
  activatePolicySet,
  clearShadowPolicySet,
  createPolicySet,
  diffPolicySets,
  listPolicySets,
  listShadowDisagreements,
  replayPolicies,
  rollbackPolicySet,
  setShadowPolicySet,
  showPolicySet,
  validatePolicies,
} from './handlers/policies.js';
import {
  accessEvaluation,
  accessEvaluations,
  authorize,
  authzenConfiguration,
} from './handlers/authorize.js';
import { annotateTool, listTools, putServerTools, reviewTool } from './handlers/tools.js';
import { selfAuthorize } from './handlers/self-authorize.js';
import { introspection, revocation, token } from './handlers/oauth.js';
import {
  approvalStatus,
  approveApproval,
  denyApproval,
  listApprovals,
  showApproval,
} from './handlers/approvals.js';
import { endTask, listTasks, showTask } from './handlers/tasks.js';
import { mcpDelete, mcpGet, mcpPost, mcpProtectedResource } from './handlers/gateway.js';
import {
  proxyDelete,
  proxyGet,
  proxyPatch,
  proxyPost,
  proxyProtectedResource,
  proxyPut,
} from './handlers/proxy.js';
import {
  addTrustRule,
  createGrant,
  deleteFederatedDomain,
  deleteTrustRule,
  listFederatedDomains,
  listGrants,
  listTrustRules,
  narrowGrant,
  putFederatedDomain,
  revokeGrant,
} from './handlers/delegation.js';
import {
  approveGrantRequest,
  createGrantRequest,
  denyGrantRequest,
  grantRequestStatus,
  listGrantRequests,
  showGrantRequest,
} from './handlers/grant-requests.js';
import { callback, localSignIn, login, logout } from './handlers/human-auth.js';
import { inbox, inboxAct, inboxHtml } from './handlers/inbox.js';
import {
  deleteSecret,
  disableSecret,
  enableSecret,
  listSecrets,
  putSecret,
  showSecret,
} from './handlers/secrets.js';
import { listSignals, postSignal } from './handlers/signals.js';
import { events } from './handlers/events.js';
import { revokeApproval, revokeKey } from './handlers/revocations.js';
import {
  createStream,
  deleteStream,
  readStream,
  readStreamStatus,
  replaceStream,
  ssfConfiguration,
  updateStream,
  updateStreamStatus,
  verifyStream,
} from './handlers/ssf.js';
import { pollStream } from './handlers/ssf-poll.js';
import { receiveSet } from './handlers/ssf-receiver.js';

/**
 * Every route of the server, in one table. Each entry names its handler, its auth
 * requirement (`auth`) and the audit event it writes (`audit`); /openapi.json is built from it.
 */
export const routes: RouteDef[] = [
  // discovery
  authorizationServerMetadata,
  openidConfiguration,
  jwks,
  spiffeBundle,
  // attestation and SVIDs
  attest,
  renewJwtSvid,
  createJoinTokenRoute,
  putIssuer,
  listIssuers,
  deleteIssuer,
  // OAuth: task tokens
  token,
  introspection,
  revocation,
  // OAuth clients of the authorization server: MCP hosts (docs/clients.md)
  registerClient,
  listClients,
  createRegistrationToken,
  showClient,
  revokeClient,
  // tasks and delegation
  listTasks,
  showTask,
  endTask,
  addTrustRule,
  listTrustRules,
  deleteTrustRule,
  createGrant,
  listGrants,
  revokeGrant,
  narrowGrant,
  // humans: sign-in, grant requests from agents, the inbox (docs/delegation.md)
  login,
  callback,
  localSignIn,
  logout,
  createGrantRequest,
  grantRequestStatus,
  listGrantRequests,
  showGrantRequest,
  approveGrantRequest,
  denyGrantRequest,
  inbox,
  inboxHtml,
  inboxAct,
  putFederatedDomain,
  listFederatedDomains,
  deleteFederatedDomain,
  // agent registry
  registerAgent,
  listAgents,
  showAgent,
  suspendAgent,
  resumeAgent,
  retireAgent,
  // keys
  listKeys,
  rotateKeys,
  revokeKey,
  // audit
  verifyAudit,
  exportAudit,
  checkpointAudit,
  // policy sets
  validatePolicies,
  createPolicySet,
  listPolicySets,
  diffPolicySets,
  rollbackPolicySet,
  showPolicySet,
  activatePolicySet,
  replayPolicies,
  setShadowPolicySet,
  clearShadowPolicySet,
  listShadowDisagreements,
  // decisions: Mandate's API, AuthZEN 1.0, the tool catalog
  authorize,
  selfAuthorize,
  accessEvaluation,
  accessEvaluations,
  authzenConfiguration,
  putServerTools,
  annotateTool,
  reviewTool,
  // approvals
  listApprovals,
  showApproval,
  approveApproval,
  denyApproval,
  revokeApproval,
  approvalStatus,
  listTools,
  // risk signals (POST: the admin token or a configured signal source's token, checked in the handler)
  postSignal,
  listSignals,
  // broker secrets (write-only: metadata out, never a value)
  putSecret,
  listSecrets,
  showSecret,
  disableSecret,
  enableSecret,
  deleteSecret,
  // the MCP gateway (Streamable HTTP; authenticated by task token in the gateway itself)
  mcpProtectedResource,
  mcpPost,
  mcpGet,
  mcpDelete,
  // the HTTP proxy for plain APIs (authenticated by task token in the proxy itself; the body is streamed, not parsed)
  proxyProtectedResource,
  proxyGet,
  proxyPost,
  proxyPut,
  proxyPatch,
  proxyDelete,
  // revocation: the event stream remote enforcement points follow (admin token or an enforcement point's JWT-SVID)
  events,
  // Shared Signals Framework transmitter (docs/ssf.md)
  ssfConfiguration,
  createStream,
  readStream,
  updateStream,
  replaceStream,
  deleteStream,
  readStreamStatus,
  updateStreamStatus,
  verifyStream,
  pollStream,
  receiveSet,
  // operations
  healthz,
  readyz,
  metrics,
  openapi(() => routes),
];
