import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { MandateError } from '../core/errors.js';
import { systemContext } from '../core/context.js';
import { DATABASE_FILE } from '../server/mandate.js';
import { startTestServer } from '../../test/fakes/server.js';

test('a checkpoint is never signed over a tampered segment', async () => {
  const server = await startTestServer();
  try {
    const { mandate } = server;
    await mandate.agents.register({ name: 'a1', owner: 'o', purpose: 'p' }, systemContext);
    assert.ok((await mandate.checkpointer.checkpoint()) !== null);
    await mandate.agents.register({ name: 'a2', owner: 'o', purpose: 'p' }, systemContext);
    await mandate.agents.suspend('a2', systemContext);
    const head = await mandate.store.read.audit.head();

    const db = new Database(join(server.dataDir, DATABASE_FILE));
    db.prepare('UPDATE audit_events SET actor = ? WHERE seq = ?').run('mallory', head!.seq - 1);
    db.close();

    await assert.rejects(
      mandate.checkpointer.checkpoint(),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'audit_chain_broken' &&
        err.details?.firstBadSeq === head!.seq - 1,
    );
    assert.ok(
      (await mandate.store.read.audit.checkpoints()).every((c) => c.seq < head!.seq),
      'no checkpoint covers the tampered event',
    );
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
});
