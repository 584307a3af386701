import { MandateError } from '../../core/errors.js';
import { newId } from '../../core/random.js';
import { parseSpiffeId } from '../../core/spiffe-id.js';
import { actorsOf, delegate as attenuate } from '../../delegation/chain.js';
import { formatScope, parseScope } from '../../delegation/scope.js';
import { evaluateTrust } from '../../delegation/trust-rules.js';
import type { TaskTokenClaims } from '../task-token.js';
import type { Exchange, ExchangeDeps, IssuedTaskToken } from './context.js';
import { issueTaskToken } from './issue.js';
import { TOKEN_TYPE } from './request.js';
import { narrowTargets } from './targets.js';
import { verifyParent } from './parent.js';
import { refuseRisky } from './signal-check.js';

/**
 * Delegate (RFC 8693: subject_token = a parent task token, actor_token = the delegate's
 * JWT-SVID). The child keeps the parent's `sub`, nests `act`, and can only narrow: scope ⊆
 * parent, exp ≤ parent, audience ⊆ parent, depth + 1 ≤ every limit on the chain, and a trust
 * rule must allow the current holder to delegate to this delegate. The caller is the parent's
 * holder or the delegate itself.
 */
export async function delegateTask(deps: ExchangeDeps, x: Exchange): Promise<IssuedTaskToken> {
  const { client, request } = x;
  if (!request.actorToken || request.actorTokenType !== TOKEN_TYPE.jwt) {
    throw new MandateError(
      'invalid_request',
      `delegation needs the delegate's jwt-svid as \`actor_token\` (actor_token_type ${TOKEN_TYPE.jwt})`,
    );
  }
  const parent = await verifyParent(deps, request.subjectToken);
  const actor = await deps.svids.verify(
    request.actorToken,
    deps.issuer,
    'actor_token',
    'invalid_request',
  );
  const holder = parent.act?.sub ?? parent.sub;
  const callerIsHolder = client.clientId === holder;
  if (!callerIsHolder && client.clientId !== actor.spiffeId) {
    throw new MandateError(
      'invalid_request',
      "only the parent token's holder or the delegate may ask for this delegation",
    );
  }
  if (callerIsHolder && client.clientId !== actor.spiffeId) {
    // INVARIANT: the delegate consents to this delegator. Its SVID names the delegator as an
    // audience, so it is not a bearer credential for the delegate's own identity: a client
    // assertion must have the issuer as its only audience.
    const aud = actor.claims.aud;
    if (!Array.isArray(aud) || !aud.includes(holder)) {
      throw new MandateError(
        'invalid_request',
        `actor_token must name the delegator: ask the delegate for a jwt-svid with audience [${deps.issuer}, ${holder}]`,
        { reason: 'actor_not_bound' },
      );
    }
  }
  // INVARIANT: a dpop-bound token is a credential only together with its key (RFC 9449 §6),
  // so exchanging it needs a proof of that key, and only its holder can give one: a delegate
  // asking for itself proves its own key, never the parent's.
  if (parent.cnf && !callerIsHolder) {
    throw new MandateError(
      'invalid_dpop_proof',
      "the parent token is dpop-bound: only its holder may delegate it, with a DPoP proof of its key and `dpop_jkt` naming the delegate's key",
      { reason: 'dpop_bound_parent' },
    );
  }
  if (parent.cnf && x.dpopJkt !== parent.cnf.jkt) {
    throw new MandateError(
      'invalid_dpop_proof',
      'the parent token is dpop-bound: prove possession of its key with a DPoP proof',
      { reason: 'dpop_bound_parent' },
    );
  }
  if (!callerIsHolder && request.dpopJkt !== undefined) {
    throw new MandateError(
      'invalid_request',
      "`dpop_jkt` is for the parent's holder naming the delegate's key; a delegate binds its token with its own DPoP proof",
    );
  }

  // The delegate: a registered, active local agent, or an agent of a federated trust domain.
  let delegateLimit = parent.max_depth;
  let delegateNeedsDpop = deps.dpopRequired;
  if (actor.local) {
    const agent = await deps.store.read.agents.getBySpiffeId(actor.spiffeId);
    if (!agent)
      throw new MandateError(
        'invalid_request',
        `delegate \`${actor.spiffeId}\` is not a registered agent`,
      );
    if (agent.status !== 'active')
      throw new MandateError(
        'invalid_request',
        `delegate agent \`${agent.name}\` is ${agent.status}`,
      );
    delegateLimit = agent.limits.maxDelegationDepth;
    delegateNeedsDpop ||= agent.requireDpop;
  }
  const rules = (await deps.store.read.trustRules.list()).map((r) => ({
    id: r.id,
    from: r.from,
    to: r.to,
    ...(r.maxDepth !== null ? { maxDepth: r.maxDepth } : {}),
    crossDomain: r.crossDomain,
  }));
  // Signals about the task or any agent on the chain count for the child's calls; at the refusing risk, no child at all.
  refuseRisky(deps.signals, {
    agent: actor.spiffeId,
    taskId: parent.task_id,
    chain: [...actorsOf(parent.act), parent.sub, actor.spiffeId],
  });
  const trust = evaluateTrust(rules, {
    from: holder,
    to: actor.spiffeId,
    depth: parent.depth + 1,
    localTrustDomain: deps.trustDomain,
  });
  if (!trust.allowed)
    throw new MandateError('invalid_request', trust.message, { reason: 'trust_rule' });

  const now = Math.floor(deps.clock.now() / 1000);
  const result = attenuate(
    {
      jti: parent.jti,
      subject: parent.sub,
      actors: actorsOf(parent.act),
      scopes: parseScope(parent.scope),
      details: parent.authorization_details ?? [],
      expiresAt: parent.exp,
      depth: parent.depth,
      ancestors: parent.ancestors,
      maxDepth: parent.max_depth,
      ...(parent.act ? { act: parent.act } : {}),
    },
    {
      delegate: actor.spiffeId,
      delegateMaxDepth: delegateLimit,
      ...(request.scopes ? { scopes: request.scopes } : request.details ? { scopes: [] } : {}),
      ...(request.details ? { details: request.details } : request.scopes ? { details: [] } : {}),
      ...(request.ttlSeconds ? { ttlSeconds: request.ttlSeconds } : {}),
      now,
      maxTtlSeconds: deps.taskTokenMaxTtlSeconds,
    },
  );
  if (!result.ok) {
    if (result.reason === 'widened_details')
      throw new MandateError('invalid_request', result.message, {
        oauthError: 'invalid_authorization_details',
        reason: result.reason,
      });
    throw new MandateError(result.error, result.message, { reason: result.reason });
  }
  const child = result.child;
  // The holder names the delegate's key (`dpop_jkt`); a holder delegating to itself may bind the
  // child to the key it just proved. The delegate asking for itself binds to its proof's key.
  const binding = callerIsHolder
    ? (request.dpopJkt ?? (client.clientId === actor.spiffeId ? x.dpopJkt : null))
    : x.dpopJkt;
  // INVARIANT: the child of a bound parent is bound; a Bearer child would shed the binding.
  if (parent.cnf && !binding) {
    throw new MandateError(
      'invalid_dpop_proof',
      "the parent token is dpop-bound, so its child must be bound too: pass `dpop_jkt` with the thumbprint of the delegate's DPoP key",
      { reason: 'dpop_bound_parent' },
    );
  }
  if (delegateNeedsDpop && !binding) {
    throw new MandateError(
      'invalid_dpop_proof',
      'the delegate must use dpop-bound tokens: call as the delegate with a DPoP proof, or pass `dpop_jkt`',
    );
  }
  const jti = newId();
  const claims: TaskTokenClaims = {
    iss: deps.issuer,
    sub: parent.sub,
    aud: narrowTargets(request.targets, parent.aud),
    exp: child.expiresAt,
    iat: now,
    nbf: now,
    jti,
    client_id: client.clientId,
    scope: formatScope(child.scopes),
    ...(child.details.length ? { authorization_details: child.details } : {}),
    act: child.act,
    task_id: parent.task_id,
    depth: child.depth,
    max_depth: child.maxDepth,
    ancestors: child.ancestors,
    ...(binding ? { cnf: { jkt: binding } } : {}),
    ...(parent.grant_id ? { grant_id: parent.grant_id } : {}),
  };
  return issueTaskToken(
    deps,
    claims,
    { parentJti: parent.jti, holder: actor.spiffeId },
    {
      actor: client.clientId,
      action: 'token.delegate',
      target: `task:${parent.task_id}`,
      outcome: 'success',
      requestId: x.ctx.requestId,
      details: {
        jti,
        parent: parent.jti,
        from: holder,
        to: actor.spiffeId,
        crossDomain: parseSpiffeId(actor.spiffeId).trustDomain !== deps.trustDomain,
        rule: trust.rule.id,
        scopes: child.scopes,
        depth: child.depth,
        expiresAt: child.expiresAt * 1000,
      },
    },
    async (tx) => {
      // INVARIANT: the parent may have been revoked, or its task ended, while we signed.
      const stored = await tx.tokens.get(parent.jti);
      const task = await tx.tasks.get(parent.task_id);
      if (!stored || stored.revokedAt !== null || task?.status !== 'active')
        throw new MandateError(
          'invalid_request',
          'subject_token was revoked while the delegation was being issued',
        );
    },
  );
}
