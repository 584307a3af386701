// OWASP Agentic Top 10 2026: ASI06 Memory and Context Poisoning, ASI02 Tool Misuse and
// Exploitation. A task's session state (its taint, the tools it called, the hosts it reached) is
// what stops "read something confidential, then send it out". An attacker who can make that state
// disappear launders the taint: push the task out of the in-memory cache with other tasks, wait
// for a restart, or damage the stored row. Each is tried here over plain HTTP (fetch against
// POST /v1/authorize): the external send after a confidential read stays denied, and state that
// cannot be read counts as tainted at the top classification.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { DATABASE_FILE } from '../../../src/server/mandate.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent } from '../helpers/agents.js';
import { catalog, decide, newTask } from '../signals/helpers.js';

const SCOPES = ['tool:docs/*', 'tool:mail/send'];
const SEND = { arguments: { to: 'drop@attacker.example' } };
const TAINT_RULE = ['deny', ['mandate.no-external-after-confidential']];

describe('ASI06/ASI02 attack: session state that never fails open', () => {
  describe('eviction from the session cache', () => {
    let server: TestServer;
    let alpha: MandateAgent;

    before(async () => {
      // A small cache, so that pushing a task out takes three others instead of 10,000 (the unit
      // test in src/session/session-states.test.ts does it with 10,001 at the default size).
      server = await startTestServer({ flags: { sessionCacheSize: 2 } });
      await catalog(server);
      alpha = await attestedAgent(server, 'alpha', SCOPES);
    });
    after(() => server.stop());

    test('a tainted task pushed out of memory by other tasks is still tainted when it comes back', async () => {
      const victim = await newTask(alpha, SCOPES);
      assert.equal((await decide(server, victim.token, 'docs/secret'))[0], 'allow');
      for (let i = 0; i < 3; i++) {
        const other = await newTask(alpha, SCOPES);
        assert.equal((await decide(server, other.token, 'docs/read'))[0], 'allow');
      }
      assert.ok(server.mandate.decisions.sessionCount <= 2, "the victim's session left the cache");
      assert.deepEqual(await decide(server, victim.token, 'mail/send', SEND), TAINT_RULE);
    });

    test('an untainted task that comes back is not tainted: only unreadable state fails closed', async () => {
      const clean = await newTask(alpha, SCOPES);
      assert.equal((await decide(server, clean.token, 'docs/read'))[0], 'allow');
      for (let i = 0; i < 3; i++)
        await decide(server, (await newTask(alpha, SCOPES)).token, 'docs/read');
      assert.equal((await decide(server, clean.token, 'mail/send', SEND))[0], 'allow');
    });
  });

  describe('a restart', () => {
    let server: TestServer;
    let dataDir: string;
    let alpha: MandateAgent;

    const restart = async (between?: () => void) => {
      const port = Number(new URL(server.url).port);
      await server.stop({ keepData: true });
      between?.();
      server = await startTestServer({ dataDir, flags: { port } });
    };

    before(async () => {
      server = await startTestServer();
      dataDir = server.dataDir;
      await catalog(server);
      alpha = await attestedAgent(server, 'alpha', SCOPES);
    });
    after(async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('taint is kept across a restart; a clean task stays clean', async () => {
      const tainted = await newTask(alpha, SCOPES);
      const clean = await newTask(alpha, SCOPES);
      assert.equal((await decide(server, tainted.token, 'docs/secret'))[0], 'allow');
      assert.equal((await decide(server, clean.token, 'docs/read'))[0], 'allow');
      await restart();
      assert.deepEqual(await decide(server, tainted.token, 'mail/send', SEND), TAINT_RULE);
      assert.equal((await decide(server, clean.token, 'mail/send', SEND))[0], 'allow');
    });

    test('a stored session that cannot be read counts as tainted at the top classification', async () => {
      const damaged = await newTask(alpha, SCOPES);
      assert.equal((await decide(server, damaged.token, 'docs/read'))[0], 'allow');
      await restart(() => {
        const db = new Database(join(dataDir, DATABASE_FILE));
        try {
          const changed = db
            .prepare('UPDATE task_sessions SET data = ? WHERE task_id = ?')
            .run('{"tools_called": 7', damaged.taskId).changes;
          assert.equal(changed, 1, 'the session was stored');
        } finally {
          db.close();
        }
      });
      assert.deepEqual(await decide(server, damaged.token, 'mail/send', SEND), TAINT_RULE);
    });
  });
});
