/**
 * SQL for SQLite-backed Durable Objects: queries written with the `sql` tag, so that each value sits
 * where it is used (`sql\`SELECT … WHERE id = ${id}\``) and is still bound as a parameter, never
 * spliced into the text; and schema migrations, each with a line saying what it does.
 * @module
 */

/** A statement and its parameters, as the `sql` tag builds them. */
export interface SqlQuery {
  readonly text: string;
  readonly values: readonly SqlStorageValue[];
}

/** Builds a statement whose `${…}` values become bound parameters. */
export function sql(strings: TemplateStringsArray, ...values: SqlStorageValue[]): SqlQuery {
  return { text: strings.join("?"), values };
}

/** A row as the SQL API returns it. */
export type SqlRow = Record<string, SqlStorageValue>;

/** One object's database: runs `sql` queries and reads their rows. */
export class Database {
  readonly #storage: SqlStorage;

  constructor(storage: SqlStorage) {
    this.#storage = storage;
  }

  run(query: SqlQuery): void {
    this.#storage.exec(query.text, ...query.values);
  }

  all<T extends SqlRow>(query: SqlQuery): T[] {
    return this.#storage.exec<T>(query.text, ...query.values).toArray();
  }

  first<T extends SqlRow>(query: SqlQuery): T | null {
    return this.all<T>(query)[0] ?? null;
  }

  /** A `count(*) AS n` or other single-number query. */
  count(query: SqlQuery): number {
    return this.#storage.exec<{ n: number }>(query.text, ...query.values).one().n;
  }

  hasTable(name: string): boolean {
    return this.first(sql`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ${name}`) !== null;
  }

  /**
   * Applies the migrations this object has not applied yet, in order. SQLite's `PRAGMA user_version`
   * is not available in Durable Objects, so the applied count lives in a table of its own. Append new
   * migrations at the end; never edit one that has shipped. Tables kept by another class of the same
   * object count their migrations in a `ledger` of their own (`schema_migrations_<ledger>`), so that
   * neither list depends on the other's length.
   */
  migrate(migrations: readonly Migration[], options: { ledger?: string } = {}): void {
    const table = options.ledger === undefined ? "schema_migrations" : `schema_migrations_${options.ledger}`;
    if (!/^[a-z_]+$/.test(table)) {
      throw new Error(`invalid migration ledger ${table}`);
    }
    this.#storage.exec(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY)`);
    const applied = this.#storage.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    for (let version = applied; version < migrations.length; version++) {
      this.#storage.exec(migrations[version]?.statement ?? "");
      this.#storage.exec(`INSERT INTO ${table} (version) VALUES (?)`, version);
    }
  }
}

/** One step of a schema: what it does, in a line, and the statement. */
export interface Migration {
  description: string;
  statement: string;
}
