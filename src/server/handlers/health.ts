import { MandateError } from '../../core/errors.js';
import { route } from '../route.js';

export const healthz = route({
  method: 'GET',
  url: '/healthz',
  auth: 'none',
  audit: null,
  summary: 'Liveness: the process answers',
  tag: 'operations',
  responses: { 200: 'Alive' },
  async handler() {
    return { status: 'ok' };
  },
});

export const readyz = route({
  method: 'GET',
  url: '/readyz',
  auth: 'none',
  audit: null,
  summary: 'Readiness: the store answers and can write, and signing keys are loaded',
  tag: 'operations',
  responses: { 200: 'Ready', 503: 'Not ready, with the reason' },
  async handler({ mandate }) {
    const problem = await mandate.readiness.problem();
    if (problem) throw new MandateError('unavailable', `not ready: ${problem}`);
    return { status: 'ready' };
  },
});
