import type Database from 'better-sqlite3';
import { MandateError } from '../../core/errors.js';

/** Prepared statements cached per connection and SQL text. */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  constructor(readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.get(sql).all(...params) as T[];
  }

  one<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.get(sql).get(...params) as T | undefined;
  }

  run(sql: string, ...params: unknown[]): Database.RunResult {
    try {
      return this.get(sql).run(...params);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (
        code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY') ||
        code.startsWith('SQLITE_CONSTRAINT_UNIQUE')
      ) {
        throw new MandateError(
          'conflict',
          'a record with the same identity already exists',
          undefined,
          { cause: err },
        );
      }
      throw err;
    }
  }
}

export const json = (value: unknown): string => JSON.stringify(value);
export const parse = <T>(text: string | null): T =>
  text === null ? (null as T) : (JSON.parse(text) as T);
