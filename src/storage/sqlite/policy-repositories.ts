import type {
  PolicySetReader,
  PolicySetRecord,
  PolicySetWriter,
  ToolServerReader,
  ToolServerRecord,
  ToolServerWriter,
} from '../../core/store/index.js';
import { json, parse, type Statements } from './statements.js';

type Row = Record<string, unknown>;

const setFromRow = (r: Row): PolicySetRecord => ({
  version: r.version as number,
  files: parse(r.files as string),
  digest: r.digest as string,
  createdAt: r.created_at as number,
  createdBy: r.created_by as string,
  activatedAt: (r.activated_at as number | null | undefined) ?? null,
  status: r.status as PolicySetRecord['status'],
});

export class SqlitePolicySets implements PolicySetReader, PolicySetWriter {
  constructor(private readonly s: Statements) {}
  async get(version: number) {
    const r = this.s.one<Row>('SELECT * FROM policy_sets WHERE version = ?', version);
    return r && setFromRow(r);
  }
  async list() {
    return this.s.all<Row>('SELECT * FROM policy_sets ORDER BY version').map(setFromRow);
  }
  async active() {
    const r = this.s.one<Row>("SELECT * FROM policy_sets WHERE status = 'active'");
    return r && setFromRow(r);
  }
  async latestVersion() {
    return this.s.one<{ v: number | null }>('SELECT MAX(version) AS v FROM policy_sets')?.v ?? 0;
  }
  async insert(p: PolicySetRecord) {
    this.s.run(
      'INSERT INTO policy_sets (version, files, digest, created_at, created_by, activated_at, status) VALUES (?, ?, ?, ?, ?, ?, ?)',
      p.version,
      json(p.files),
      p.digest,
      p.createdAt,
      p.createdBy,
      p.activatedAt,
      p.status,
    );
  }
  async setActive(version: number, at: number) {
    if (!this.s.one<Row>('SELECT version FROM policy_sets WHERE version = ?', version))
      return false;
    // Callers run this inside the store's transaction, so the switch is atomic.
    this.s.run(
      "UPDATE policy_sets SET status = 'inactive' WHERE status = 'active' AND version <> ?",
      version,
    );
    this.s.run(
      "UPDATE policy_sets SET status = 'active', activated_at = ? WHERE version = ?",
      at,
      version,
    );
    return true;
  }
}

const serverFromRow = (r: Row): ToolServerRecord => ({
  server: r.server as string,
  tools: parse(r.tools as string),
  annotations: parse(r.annotations as string),
  updatedAt: r.updated_at as number,
  updatedBy: r.updated_by as string,
});

export class SqliteToolServers implements ToolServerReader, ToolServerWriter {
  constructor(private readonly s: Statements) {}
  async get(server: string) {
    const r = this.s.one<Row>('SELECT * FROM tool_servers WHERE server = ?', server);
    return r && serverFromRow(r);
  }
  async list() {
    return this.s.all<Row>('SELECT * FROM tool_servers ORDER BY server').map(serverFromRow);
  }
  async upsert(t: ToolServerRecord) {
    this.s.run(
      'INSERT INTO tool_servers (server, tools, annotations, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (server) DO UPDATE SET tools = excluded.tools, annotations = excluded.annotations, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
      t.server,
      json(t.tools),
      json(t.annotations),
      t.updatedAt,
      t.updatedBy,
    );
  }
  async delete(server: string) {
    return this.s.run('DELETE FROM tool_servers WHERE server = ?', server).changes > 0;
  }
}
