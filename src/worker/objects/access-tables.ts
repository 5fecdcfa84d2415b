/**
 * The tables of an access object: API keys (by the hash of their value), admin page sessions (by the
 * hash of their cookie) and recent failed sign-ins per client. Each instance of the object serves one
 * of these (see `stores/access.ts`), but all share one schema.
 * @module
 */
import { Database, sql } from "./sql.ts";
import type { ApiKeyView } from "../../core/access/api-keys.ts";
import type { PagePosition } from "../../core/pagination.ts";
import type { Migration } from "./sql.ts";

const MIGRATIONS: readonly Migration[] = [
  {
    description: "API keys, stored by the SHA-256 hash of their value",
    statement: `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      scopes TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL,
      last_used_at INTEGER
    )`,
  },
  {
    description: "lists keys in creation order",
    statement: "CREATE INDEX api_keys_by_creation ON api_keys (created_at, id)",
  },
  {
    description: "admin page sessions, stored by the SHA-256 hash of their cookie",
    statement: `CREATE TABLE sessions (
      id_hash TEXT PRIMARY KEY,
      token_tag TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL
    )`,
  },
  {
    description: "failed sign-ins (wrong tokens) per client address",
    statement: "CREATE TABLE failed_attempts (client TEXT NOT NULL, at INTEGER NOT NULL)",
  },
  {
    description: "counts a client's recent failures",
    statement: "CREATE INDEX failed_attempts_by_client ON failed_attempts (client, at)",
  },
];

/** `lastUsedAt` is written at most this often per key, so busy keys cost no write per request. */
const LAST_USED_PRECISION_MS = 60 * 1000;

interface KeyRow extends Record<string, SqlStorageValue> {
  id: string;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: number | null;
}

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export class AccessTables {
  readonly #db: Database;

  constructor(storage: SqlStorage) {
    this.#db = new Database(storage);
    this.#db.migrate(MIGRATIONS);
  }

  // API keys

  insertKey(key: { id: string; name: string; scopes: string[]; hash: string; createdAt: string }): ApiKeyView {
    this.#db.run(sql`INSERT INTO api_keys (id, name, scopes, hash, created_at)
      VALUES (${key.id}, ${key.name}, ${JSON.stringify(key.scopes)}, ${key.hash}, ${key.createdAt})`);
    return { id: key.id, name: key.name, scopes: key.scopes, createdAt: key.createdAt, lastUsedAt: null };
  }

  /** Up to `limit` keys after `after` in creation order. */
  listKeys(options: { limit: number; after: PagePosition | null }): ApiKeyView[] {
    const after = options.after ?? { sortKey: "", id: "" };
    return this.#db
      .all<KeyRow>(sql`SELECT id, name, scopes, created_at, last_used_at FROM api_keys
        WHERE (created_at, id) > (${after.sortKey}, ${after.id}) ORDER BY created_at, id LIMIT ${options.limit}`)
      .map(toKeyView);
  }

  deleteKey(id: string): boolean {
    const found = this.#db.first(sql`SELECT 1 AS found FROM api_keys WHERE id = ${id}`) !== null;
    this.#db.run(sql`DELETE FROM api_keys WHERE id = ${id}`);
    return found;
  }

  /** The key with this hash, its use recorded; null when there is none (never was, or deleted). */
  useKey(hash: string, now: number): ApiKeyView | null {
    const row = this.#db.first<KeyRow>(
      sql`SELECT id, name, scopes, created_at, last_used_at FROM api_keys WHERE hash = ${hash}`,
    );
    if (row === null) {
      return null;
    }
    if (row.last_used_at === null || row.last_used_at <= now - LAST_USED_PRECISION_MS) {
      this.#db.run(sql`UPDATE api_keys SET last_used_at = ${now} WHERE id = ${row.id}`);
      row.last_used_at = now;
    }
    return toKeyView(row);
  }

  // Sessions

  createSession(idHash: string, tokenTag: string, options: { now: number; limits: SessionLimits }): void {
    this.#pruneSessions(options.now, options.limits);
    this.#db.run(sql`INSERT INTO sessions (id_hash, token_tag, created_at, last_seen_at)
      VALUES (${idHash}, ${tokenTag}, ${options.now}, ${options.now})`);
  }

  /**
   * Whether the session is alive: known, made under the current admin token, used within the idle
   * time and younger than the absolute lifetime. A live session's use is recorded; a dead one is gone.
   */
  touchSession(idHash: string, tokenTag: string, options: { now: number; limits: SessionLimits }): boolean {
    const row = this.#db.first<{ token_tag: string; created_at: number; last_seen_at: number }>(
      sql`SELECT token_tag, created_at, last_seen_at FROM sessions WHERE id_hash = ${idHash}`,
    );
    if (row === null) {
      return false;
    }
    const { now, limits } = options;
    if (
      row.token_tag !== tokenTag ||
      row.last_seen_at + limits.idleMs <= now ||
      row.created_at + limits.absoluteMs <= now
    ) {
      this.revokeSession(idHash);
      return false;
    }
    this.#db.run(sql`UPDATE sessions SET last_seen_at = ${now} WHERE id_hash = ${idHash}`);
    return true;
  }

  revokeSession(idHash: string): void {
    this.#db.run(sql`DELETE FROM sessions WHERE id_hash = ${idHash}`);
  }

  #pruneSessions(now: number, limits: SessionLimits): void {
    this.#db.run(sql`DELETE FROM sessions WHERE last_seen_at <= ${now - limits.idleMs}
      OR created_at <= ${now - limits.absoluteMs}`);
  }

  // Failed sign-ins

  /**
   * Counts a failure of `client` and answers how many it had in the window, and when the oldest of
   * them leaves it.
   */
  recordFailure(client: string, options: { now: number; windowMs: number }): { count: number; oldestAt: number } {
    const since = options.now - options.windowMs;
    this.#db.run(sql`DELETE FROM failed_attempts WHERE at <= ${since}`);
    this.#db.run(sql`INSERT INTO failed_attempts (client, at) VALUES (${client}, ${options.now})`);
    const row = this.#db.first<{ n: number; oldest: number }>(
      sql`SELECT count(*) AS n, min(at) AS oldest FROM failed_attempts WHERE client = ${client}`,
    );
    return { count: row?.n ?? 1, oldestAt: row?.oldest ?? options.now };
  }
}

function toKeyView(row: KeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString(),
  };
}
