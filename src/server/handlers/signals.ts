import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import { digestsEqual, sha256Hex } from '../../core/random.js';
import { signalDetails } from '../../session/signal-service.js';
import type { Signal } from '../../session/signals.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';
import { bearerToken } from '../../protocol/authorization-header.js';

/**
 * Risk signals: outside detectors (guardrails, an LLM judge, EDR) report about a task or an agent
 * with `POST /v1/signals`; `GET /v1/signals` shows what is live. The domain is
 * src/session/signal-service.ts; docs/signals.md.
 */

/** A signal as the API shows it: as the audit log does, its id as `id`. */
export function signalJson(s: Signal) {
  const { signal_id: id, ...rest } = signalDetails(s);
  return { id, ...rest };
}

/**
 * Who reports: the admin (any `source`), or a configured signal source by its own bearer token
 * (`signals.sources`, SHA-256 compared in constant time; it may report only as itself).
 */
async function caller(
  mandate: Mandate,
  request: FastifyRequest,
): Promise<{ actor: string; source: string | null }> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined)
    throw new MandateError(
      'unauthorized',
      "send the admin token or a signal source's token: `Authorization: Bearer <token>`",
    );
  if (await mandate.adminToken.check(token)) return { actor: 'admin', source: null };
  const digest = sha256Hex(token);
  const source = mandate.signals.config.sources.find((s) => digestsEqual(digest, s.tokenSha256));
  if (!source)
    throw new MandateError(
      'unauthorized',
      "the token is neither the admin token nor a configured signal source's",
    );
  return { actor: `signal_source:${source.name}`, source: source.name };
}

export const postSignal = route({
  method: 'POST',
  url: '/v1/signals',
  auth: 'none',
  audit: 'signal.received',
  summary:
    "Report a risk or confidence signal about one task or one agent (the admin token, or a configured signal source's token). Body: {task | agent, kind, risk 0..100 | confidence 0..1, source, reason?, ttl_seconds?}. Answers the signal and the responses it got",
  tag: 'signals',
  responses: {
    201: 'The signal as kept, with its responses (`response`, `outcome`, `targets`, `error`)',
    400: 'Malformed signal (nothing kept)',
    401: 'No valid credential',
    403: "A signal source reporting under another source's name",
    404: 'No such task or registered agent',
    409: 'The task is not active',
  },
  // The body is validated after the caller is authenticated, by the domain (signalInputSchema).
  async handler({ mandate, body, request, reply, ctx }) {
    const who = await caller(mandate, request);
    const named =
      typeof body === 'object' && body !== null ? (body as { source?: unknown }).source : undefined;
    if (who.source !== null && typeof named === 'string' && named !== who.source) {
      throw new MandateError(
        'forbidden',
        `this token reports as source \`${who.source}\`, not \`${named.slice(0, 128)}\``,
      );
    }
    const r = await mandate.signals.receive(body as never, { ...ctx, actor: who.actor });
    reply.status(201);
    return {
      ...signalJson(r.signal),
      responses: r.responses.map((x) => ({
        response: x.response,
        outcome: x.outcome,
        targets: x.targets,
        ...(x.error === undefined ? {} : { error: x.error }),
      })),
    };
  },
});

export const listSignals = route({
  method: 'GET',
  url: '/v1/signals',
  auth: 'admin',
  audit: null,
  summary:
    "Live signals, newest first: those that count for one task (about it and about its agent, with the risk and restrictions its own agent's calls get now), those about one agent, or all",
  tag: 'signals',
  query: z.object({
    task: z.string().min(1).max(64).optional(),
    agent: z.string().min(1).max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  }),
  responses: { 200: 'Live signals', 404: 'No such task' },
  async handler({ mandate, query }) {
    const signals = mandate.signals
      .list({
        ...(query.task ? { task: query.task } : {}),
        ...(query.agent ? { agent: query.agent } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
      })
      .map(signalJson);
    if (!query.task) return { signals };
    const task = await mandate.tasks.find(query.task);
    if (!task) throw new MandateError('not_found', `task \`${query.task}\` does not exist`);
    const call = { agent: task.agent, taskId: task.id };
    // What counts for the task's own agent's calls: the task's signals and its agent's.
    const agentWide = mandate.signals
      .list({ agent: task.agent })
      .filter((s) => s.task === null)
      .map(signalJson);
    return {
      task: task.id,
      agent: task.agent,
      status: task.status,
      risk: mandate.signals.risk(call),
      restrictions: mandate.signals.restrictions(call),
      signals: [...signals, ...agentWide],
    };
  },
});
