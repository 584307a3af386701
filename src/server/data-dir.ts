import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';

const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'the file system refused to create it',
  EEXIST: 'it exists but is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EIO: 'input/output error',
};

const HINT = 'choose another --data-dir or fix its permissions';

/** The errno code of a Node file-system error, or undefined. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A one-line cause for an errno code, lowercase. */
export function causeOf(code: string | undefined, err: unknown): string {
  return (code && CAUSES[code]) ?? (err instanceof Error ? err.message : 'unknown error');
}

/**
 * Makes sure `dir` exists and Mandate can write in it, or throws `invalid_config` naming the
 * path, the errno and what to do. Node's own errors say "unable to open database file" or an
 * ENOENT from a read-only mount, and `mkdirSync({ recursive: true })` loops forever under /proc;
 * so each missing level is created by hand and a probe file is written, synced and removed.
 */
export function prepareDataDir(dir: string): void {
  const path = resolve(dir);
  const missing: string[] = [];
  let at = path;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' && dirname(at) !== at) {
        missing.unshift(at);
        at = dirname(at);
        continue;
      }
      throw cannot(dir, code, err, code === 'ENOTDIR' ? notDirectory(at) : undefined);
    }
    if (!isDir)
      throw at === path
        ? new MandateError(
            'invalid_config',
            `data directory \`${dir}\` is not a directory; ${HINT}`,
            { key: 'dataDir' },
          )
        : cannot(dir, 'ENOTDIR', undefined, `\`${at}\` is not a directory`);
    break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (err) {
      if (errnoOf(err) === 'EEXIST') continue;
      throw cannot(dir, errnoOf(err), err);
    }
  }
  const probe = join(path, `.write-probe-${process.pid}`);
  try {
    const fd = openSync(probe, 'w', 0o600);
    try {
      writeSync(fd, 'mandate');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    rmSync(probe, { force: true });
  } catch (err) {
    const code = errnoOf(err);
    throw new MandateError(
      'invalid_config',
      `data directory \`${dir}\` is not writable${code ? ` (${code})` : ''}: ${causeOf(code, err)}; ${HINT}`,
      { key: 'dataDir', code },
      { cause: err },
    );
  }
}

function notDirectory(start: string): string | undefined {
  // The deepest existing ancestor that is a file: the one the user has to move.
  for (let at = dirname(start); dirname(at) !== at; at = dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) return `\`${at}\` is not a directory`;
    } catch {
      continue;
    }
  }
  return undefined;
}

function cannot(dir: string, code: string | undefined, err: unknown, why?: string): MandateError {
  return new MandateError(
    'invalid_config',
    `data directory \`${dir}\` cannot be created${code ? ` (${code})` : ''}: ${why ?? causeOf(code, err)}; ${HINT}`,
    { key: 'dataDir', code },
    err === undefined ? undefined : { cause: err },
  );
}

/**
 * Opens the SQLite store at `path`, naming the file and the cause when SQLite cannot (it says
 * only "unable to open database file" for a directory in the way, a lock or a bad permission).
 */
export function openDatabase(path: string, clock: Clock): SqliteStore {
  try {
    return SqliteStore.open({ path, clock });
  } catch (err) {
    if (err instanceof MandateError) throw err;
    const code = errnoOf(err);
    let why = err instanceof Error ? err.message : String(err);
    try {
      if (statSync(path).isDirectory()) why = 'it is a directory';
    } catch {
      // Absent: SQLite's own message is the cause.
    }
    throw new MandateError(
      'invalid_config',
      `cannot open the database \`${path}\`${code ? ` (${code})` : ''}: ${why}; choose another --data-dir or move that file away`,
      { key: 'dataDir', code },
      { cause: err },
    );
  }
}
