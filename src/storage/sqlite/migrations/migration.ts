/**
 * One SQLite schema migration: `NNNN-<name>.ts` in this folder exports it as `migration`, with
 * `version` = NNNN. `name` is recorded in `schema_migrations`; `sql` runs as one script, in one
 * transaction, exactly as released.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
