/**
 * Several wake-up times sharing a Durable Object's single alarm: each purpose keeps its own due time
 * in a table, and the alarm is set for the earliest. The object asks which purposes are due when the
 * alarm fires. Like the object's other tables, the table appears only once the object holds a record.
 * @module
 */
import { Database, sql } from "./sql.ts";
import type { Migration } from "./sql.ts";

const MIGRATIONS: readonly Migration[] = [
  {
    description: "when the object wants to wake up, per purpose",
    statement: "CREATE TABLE alarms (purpose TEXT PRIMARY KEY, at INTEGER NOT NULL)",
  },
];

export class AlarmSchedule<Purpose extends string> {
  readonly #storage: DurableObjectStorage;
  readonly #db: Database;
  #ready = false;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#db = new Database(storage.sql);
  }

  /** Wakes for `purpose` at `at`, replacing its earlier time. */
  async set(purpose: Purpose, at: number): Promise<void> {
    this.#migrate();
    this.#db.run(sql`INSERT INTO alarms (purpose, at) VALUES (${purpose}, ${at})
      ON CONFLICT (purpose) DO UPDATE SET at = excluded.at`);
    await this.#arm();
  }

  /** Wakes for `purpose` at `at`, unless it already wakes for it earlier. */
  async setEarliest(purpose: Purpose, at: number): Promise<void> {
    this.#migrate();
    this.#db.run(sql`INSERT INTO alarms (purpose, at) VALUES (${purpose}, ${at})
      ON CONFLICT (purpose) DO UPDATE SET at = min(at, excluded.at)`);
    await this.#arm();
  }

  async clear(purpose: Purpose): Promise<void> {
    if (this.#hasTable()) {
      this.#db.run(sql`DELETE FROM alarms WHERE purpose = ${purpose}`);
      await this.#arm();
    }
  }

  /**
   * Takes the purposes that are due now, and the earliest one in any case: the alarm fired for it, and
   * the runtime's clock decides that, not a clock a test moved. Empty when the object has no schedule
   * (an alarm set before the schedule existed, which the caller treats as its default purpose).
   */
  takeDue(now: number): Set<Purpose> {
    if (!this.#hasTable()) {
      return new Set();
    }
    const earliest = this.#earliest() ?? now;
    const due = this.#db
      .all<{ purpose: string }>(sql`SELECT purpose FROM alarms WHERE at <= ${Math.max(now, earliest)}`)
      .map((row) => row.purpose as Purpose);
    for (const purpose of due) {
      this.#db.run(sql`DELETE FROM alarms WHERE purpose = ${purpose}`);
    }
    return new Set(due);
  }

  /** When `purpose` is due, or null. */
  dueAt(purpose: Purpose): number | null {
    return this.#hasTable()
      ? (this.#db.first<{ at: number }>(sql`SELECT at FROM alarms WHERE purpose = ${purpose}`)?.at ?? null)
      : null;
  }

  /** Sets the object's alarm for the earliest purpose, or removes it when none is left. */
  async #arm(): Promise<void> {
    const next = this.#earliest();
    if (next === null) {
      await this.#storage.deleteAlarm();
    } else {
      await this.#storage.setAlarm(next);
    }
  }

  /** Re-arms after the alarm fired (the runtime clears it once the handler returns unless it was set again). */
  async rearm(): Promise<void> {
    if (this.#hasTable()) {
      await this.#arm();
    }
  }

  /** Forgets that the table exists; the object deletes its storage. */
  forget(): void {
    this.#ready = false;
  }

  #earliest(): number | null {
    return this.#db.first<{ at: number | null }>(sql`SELECT min(at) AS at FROM alarms`)?.at ?? null;
  }

  #hasTable(): boolean {
    if (!this.#ready && this.#db.hasTable("alarms")) {
      this.#migrate();
    }
    return this.#ready;
  }

  #migrate(): void {
    if (!this.#ready) {
      this.#db.migrate(MIGRATIONS, { ledger: "alarms" });
      this.#ready = true;
    }
  }
}
