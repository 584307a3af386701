import { hkdfSync } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { ApprovalRecord, GrantRecord, Store } from '../core/store/index.js';
import type { ApprovalService } from '../delegation/approvals.js';
import { HumanApprovals, type ApproverRules } from '../delegation/approvers.js';
import { GrantRequestService } from '../delegation/grant-requests.js';
import { GrantService } from '../delegation/grants.js';
import { TrustRuleService } from '../delegation/trust-rule-service.js';
import { DelegationNotices } from '../delegation/notices.js';
import { WebhookNotifier } from '../delegation/webhook.js';
import { OidcSignIn } from '../humans/oidc-sign-in.js';
import { HumanSessions } from '../humans/sessions.js';
import type { TaskService } from '../tasks/task-service.js';
import type { Config } from './config/defaults.js';
import { FailureLimiter } from './failure-limiter.js';

/** The longest grant a human may give (as for admin-created grants). */
export const MAX_GRANT_SECONDS = 30 * 86_400;
/** Unanswered grant requests one agent may have at a time. */
const MAX_PENDING_PER_AGENT = 20;
/** How long the sign-in may take between /auth/login and /auth/callback. */
export const LOGIN_TTL_SECONDS = 600;

/** Human sign-in and human-to-agent delegation (docs/delegation.md), composed once at start. */
export interface DelegationServices {
  sessions: HumanSessions;
  /** OIDC sign-in, or null without `oidcIssuer`. */
  signIn: OidcSignIn | null;
  /** HMAC key of the login-state cookie, derived from the master key. */
  loginKey: Buffer;
  /** Wrong admin tokens at /auth/local, per client address: 5 a minute, then 429. */
  localSignInFailures: FailureLimiter;
  requests: GrantRequestService;
  grants: GrantService;
  /** Which agents may delegate to which (`/v1/trust-rules`). */
  trustRules: TrustRuleService;
  approvers: HumanApprovals;
  notices: DelegationNotices;
  /** Deliveries to `webhookUrl`, or null without one. */
  webhook: WebhookNotifier | null;
  close(): void;
}

export interface DelegationDeps {
  config: Config;
  store: Store;
  clock: Clock;
  masterKey: Buffer;
  tasks: TaskService;
  fetch?: typeof fetch | undefined;
  /** Builds the approval service with the listener that tells humans about approvals. */
  approvals: (onChange: (a: ApprovalRecord) => void) => ApprovalService;
  /** Told of each grant narrowed or revoked after it commits (the SSF transmitter). */
  onGrant?: ((type: 'narrowed' | 'revoked', grant: GrantRecord) => void) | undefined;
  /** The risk and restrictions in force for an approval's task and agent, told to approvers (docs/signals.md). */
  inForce?: ((a: ApprovalRecord) => { risk: number; restrictions: readonly string[] }) | undefined;
}

export function composeDelegation(d: DelegationDeps): {
  delegation: DelegationServices;
  approvals: ApprovalService;
} {
  const { config, store, clock } = d;
  if (config.oidcIssuer && !config.oidcClientId)
    throw new MandateError(
      'invalid_config',
      'invalid configuration: `oidcIssuer` is set without `oidcClientId`; register Mandate at the identity provider and set both',
      { key: 'oidcClientId' },
    );
  if (Boolean(config.webhookUrl) !== Boolean(config.webhookSecret))
    throw new MandateError(
      'invalid_config',
      'invalid configuration: `webhookUrl` and `webhookSecret` go together; set both or neither',
      { key: config.webhookUrl ? 'webhookSecret' : 'webhookUrl' },
    );
  const webhook =
    config.webhookUrl && config.webhookSecret
      ? new WebhookNotifier({
          url: config.webhookUrl,
          secret: config.webhookSecret,
          clock,
          ...(d.fetch ? { fetch: d.fetch } : {}),
        })
      : null;
  const notices = new DelegationNotices(
    config.issuer,
    webhook && ((event) => webhook.send(event)),
    d.onGrant,
    d.inForce,
  );
  const approvals = d.approvals((a) => notices.approval(a));
  const rules: ApproverRules = {
    approverGroups: config.approverGroups ?? [],
    allowOwnerSelfApproval: config.allowOwnerSelfApproval,
  };
  const delegation: DelegationServices = {
    sessions: new HumanSessions(store, clock, { ttlSeconds: config.humanSessionTtl }),
    signIn:
      config.oidcIssuer && config.oidcClientId
        ? new OidcSignIn({
            issuer: config.oidcIssuer,
            clientId: config.oidcClientId,
            clientSecret: config.oidcClientSecret,
            scopes: config.oidcScopes,
            humanClaim: config.oidcHumanClaim,
            groupsClaim: config.oidcGroupsClaim,
            redirectUri: `${config.issuer}/auth/callback`,
            ...(d.fetch ? { fetch: d.fetch } : {}),
          })
        : null,
    loginKey: Buffer.from(
      hkdfSync('sha256', d.masterKey, Buffer.alloc(0), 'mandate human sign-in state', 32),
    ),
    requests: new GrantRequestService(store, clock, notices, {
      requestTtlSeconds: config.grantRequestTtl,
      maxGrantSeconds: MAX_GRANT_SECONDS,
      maxPendingPerAgent: MAX_PENDING_PER_AGENT,
    }),
    localSignInFailures: new FailureLimiter({ clock, limit: 5, windowMs: 60_000 }),
    grants: new GrantService(store, clock, d.tasks, notices),
    trustRules: new TrustRuleService(store, clock),
    approvers: new HumanApprovals(store, approvals, rules),
    notices,
    webhook,
    close: () => webhook?.close(),
  };
  return { delegation, approvals };
}
