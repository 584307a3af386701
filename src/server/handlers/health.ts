import { statfs } from 'node:fs/promises';
import { MandateError } from '../../core/errors.js';
import type { Mandate } from '../mandate.js';
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

/** Below this many free bytes on the data dir's file system, writes are about to fail: not ready. */
const MIN_FREE_BYTES = 1 << 20;
/** A probe result is reused this long (by the injected clock), so /readyz, which needs no auth, cannot drive writes. */
const PROBE_REUSE_MS = 1000;
const probes = new WeakMap<Mandate, { at: number; result: Promise<string | null> }>();

/** Why the store cannot take writes now, or null: free space on the data dir, then a real write in a transaction. */
async function writeProblem(mandate: Mandate): Promise<string | null> {
  try {
    const fs = await statfs(mandate.config.dataDir);
    const free = fs.bavail * fs.bsize;
    if (free < MIN_FREE_BYTES)
      return `the data directory's file system has ${free} bytes free (no space left for writes)`;
  } catch (cause) {
    return `the data directory cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  try {
    await mandate.store.transaction((tx) =>
      tx.meta.set('ready_probe', String(mandate.clock.now())),
    );
  } catch (cause) {
    return `the store cannot write: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  return null;
}

function probeWrite(mandate: Mandate): Promise<string | null> {
  const now = mandate.clock.now();
  const last = probes.get(mandate);
  if (last && now - last.at < PROBE_REUSE_MS) return last.result;
  const result = writeProblem(mandate);
  probes.set(mandate, { at: now, result });
  return result;
}

export const readyz = route({
  method: 'GET',
  url: '/readyz',
  auth: 'none',
  audit: null,
  summary: 'Readiness: the store answers and can write, and signing keys are loaded',
  tag: 'operations',
  responses: { 200: 'Ready', 503: 'Not ready, with the reason' },
  async handler({ mandate }) {
    try {
      await mandate.store.ping();
      await mandate.keys.signingKey('jwt-svid');
      await mandate.keys.signingKey('token');
    } catch (cause) {
      throw new MandateError(
        'unavailable',
        `not ready: ${cause instanceof Error ? cause.message : 'store unavailable'}`,
      );
    }
    const problem = await probeWrite(mandate);
    if (problem) throw new MandateError('unavailable', `not ready: ${problem}`);
    return { status: 'ready' };
  },
});
