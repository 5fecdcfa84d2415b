/**
 * Schema migrations for SQLite-backed Durable Objects. SQLite's `PRAGMA user_version` is not
 * available there, so the applied count lives in a table of its own.
 * @module
 */

/**
 * Applies the statements of `migrations` that this object has not applied yet, in order. Append new
 * migrations at the end; never edit one that has shipped.
 */
export function applyMigrations(sql: SqlStorage, migrations: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)");
  const row = sql.exec<{ applied: number }>("SELECT count(*) AS applied FROM schema_migrations").one();
  for (let version = row.applied; version < migrations.length; version++) {
    sql.exec(migrations[version] ?? "");
    sql.exec("INSERT INTO schema_migrations (version) VALUES (?)", version);
  }
}
