import { Readable } from 'node:stream';
import { z } from 'zod';
import { parseSince, toJsonLine } from '../../audit/export.js';
import { MandateError } from '../../core/errors.js';
import { route } from '../route.js';

export const verifyAudit = route({
  method: 'POST',
  url: '/v1/audit/verify',
  auth: 'admin',
  audit: null,
  summary: 'Verify the hash chain and signed checkpoints of the audit log',
  tag: 'audit',
  responses: { 200: 'The verification result (ok: false names the first bad sequence number)' },
  async handler({ mandate }) {
    const r = await mandate.auditLog.verify();
    return {
      ok: r.ok,
      events_checked: r.eventsChecked,
      checkpoints_checked: r.checkpointsChecked,
      first_bad_seq: r.firstBadSeq,
      reason: r.reason,
      unsealed_events: r.unsealedEvents,
    };
  },
});

export const checkpointAudit = route({
  method: 'POST',
  url: '/v1/audit/checkpoint',
  auth: 'admin',
  audit: null,
  summary: 'Seal the current audit head with a signed checkpoint now',
  tag: 'audit',
  responses: { 200: 'The sealed sequence number (null when already sealed)' },
  async handler({ mandate }) {
    return { seq: await mandate.checkpointer.checkpoint() };
  },
});

export const exportAudit = route({
  method: 'GET',
  url: '/v1/audit/events',
  auth: 'admin',
  audit: null,
  summary: 'Export audit events as JSON Lines',
  tag: 'audit',
  query: z.object({
    since: z.string().optional(),
    after_seq: z.coerce.number().int().min(0).optional(),
  }),
  responses: { 200: { description: 'One event per line', contentType: 'application/x-ndjson' } },
  async handler({ mandate, query, reply }) {
    const sinceTime =
      query.since === undefined ? undefined : parseSince(query.since, mandate.clock.now());
    if (query.since !== undefined && sinceTime === undefined)
      throw new MandateError(
        'invalid_request',
        `\`since\` must be an ISO 8601 time or a duration such as 24h, got \`${query.since}\``,
      );
    const events = mandate.auditLog.events({
      ...(sinceTime !== undefined ? { sinceTime } : {}),
      ...(query.after_seq !== undefined ? { afterSeq: query.after_seq } : {}),
    });
    async function* lines() {
      for await (const e of events) yield toJsonLine(e);
    }
    reply.type('application/x-ndjson');
    return reply.send(Readable.from(lines()));
  },
});
