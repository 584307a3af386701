/**
 * Every SQLite migration, in version order. Forward-only: never edit a released migration (its
 * SQL is pinned by hash in ./migrations.test.ts), add the next file, `NNNN-<name>.ts`, and list
 * it here. Each runs in its own transaction and records its version in `schema_migrations`
 * (../sqlite-store.ts `migrate`).
 */
import type { Migration } from './migration.js';
import { migration as m0001 } from './0001-identity-foundation.js';
import { migration as m0002 } from './0002-tasks-task-tokens-delegation-federation.js';
import { migration as m0003 } from './0003-policy-sets.js';
import { migration as m0004 } from './0004-tool-catalog.js';
import { migration as m0005 } from './0005-secrets.js';
import { migration as m0006 } from './0006-approvals.js';
import { migration as m0007 } from './0007-revocation-events.js';
import { migration as m0008 } from './0008-grant-requests-human-sessions.js';
import { migration as m0009 } from './0009-ssf-streams.js';
import { migration as m0010 } from './0010-ssf-stream-receiver-tokens.js';
import { migration as m0011 } from './0011-risk-signals.js';
import { migration as m0012 } from './0012-task-sessions.js';
import { migration as m0013 } from './0013-retention-indexes.js';
import { migration as m0014 } from './0014-oauth-clients.js';

export type { Migration } from './migration.js';

export const migrations: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
  m0012,
  m0013,
  m0014,
];
