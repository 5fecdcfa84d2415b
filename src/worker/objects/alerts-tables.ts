/**
 * The tables of the alerts object: where alerts go (the webhook, its sealed token, the events sent),
 * the conditions that hold now per subject (what the banner shows and what tells a change from a
 * repeat), and the outbox of alerts with their delivery attempts.
 * @module
 */
import { Database, sql } from "./sql.ts";
import type {
  ActiveCondition,
  AlertCondition,
  AlertEvent,
  AlertSubject,
  SubjectType,
} from "../../core/alerts/alert-rules.ts";
import type { AlertPayload } from "../../core/alerts/alert-payload.ts";
import type { FixPlace } from "../../core/advice.ts";
import type { Migration } from "./sql.ts";

const MIGRATIONS: readonly Migration[] = [
  {
    description: "where alerts go: one row, the token sealed",
    statement: `CREATE TABLE alert_settings (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      webhook_url TEXT,
      webhook_token TEXT,
      events TEXT NOT NULL
    )`,
  },
  {
    description: "conditions that hold now, per subject",
    statement: `CREATE TABLE conditions (
      subject_type TEXT NOT NULL,
      subject_id TEXT NOT NULL,
      condition TEXT NOT NULL,
      subject_name TEXT NOT NULL,
      detail TEXT NOT NULL,
      fix TEXT,
      fix_where TEXT,
      level INTEGER,
      since TEXT NOT NULL,
      PRIMARY KEY (subject_type, subject_id, condition)
    )`,
  },
  {
    description: "alerts to post and posted, with their attempts",
    statement: `CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      payload TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_status INTEGER,
      last_error TEXT,
      updated_at INTEGER NOT NULL
    )`,
  },
  {
    description: "finds alerts due for an attempt",
    statement: "CREATE INDEX outbox_due ON outbox (state, next_attempt_at)",
  },
  {
    description: "when client secret expiry was last looked at",
    statement: "CREATE TABLE expiry_checks (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER NOT NULL)",
  },
];

/** Delivered and given-up alerts kept for the Alerts page. */
const HISTORY_KEPT = 100;

export interface StoredAlertSettings {
  webhookUrl: string | null;
  /** Sealed. */
  webhookToken: string | null;
  events: AlertEvent[];
}

/** A condition that holds, with its subject: a line of the banner. */
export interface HeldCondition extends ActiveCondition {
  subject: AlertSubject;
  since: string;
}

/** An alert in the outbox, as the Alerts page lists it. */
export interface AlertDelivery {
  id: number;
  payload: AlertPayload;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  updatedAt: string;
}

interface ConditionRow extends Record<string, SqlStorageValue> {
  subject_type: string;
  subject_id: string;
  condition: string;
  subject_name: string;
  detail: string;
  fix: string | null;
  fix_where: string | null;
  level: number | null;
  since: string;
}

interface OutboxRow extends Record<string, SqlStorageValue> {
  id: number;
  payload: string;
  state: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  updated_at: number;
}

export class AlertsTables {
  readonly #db: Database;

  constructor(storage: SqlStorage) {
    this.#db = new Database(storage);
    this.#db.migrate(MIGRATIONS);
  }

  settings(defaults: { events: readonly AlertEvent[] }): StoredAlertSettings {
    const row = this.#db.first<{ webhook_url: string | null; webhook_token: string | null; events: string }>(
      sql`SELECT webhook_url, webhook_token, events FROM alert_settings WHERE id = 1`,
    );
    return row === null
      ? { webhookUrl: null, webhookToken: null, events: [...defaults.events] }
      : {
          webhookUrl: row.webhook_url,
          webhookToken: row.webhook_token,
          events: JSON.parse(row.events) as AlertEvent[],
        };
  }

  saveSettings(settings: StoredAlertSettings): void {
    this.#db.run(sql`INSERT INTO alert_settings (id, webhook_url, webhook_token, events)
      VALUES (1, ${settings.webhookUrl}, ${settings.webhookToken}, ${JSON.stringify(settings.events)})
      ON CONFLICT (id) DO UPDATE SET webhook_url = excluded.webhook_url, webhook_token = excluded.webhook_token,
        events = excluded.events`);
  }

  condition(subject: Pick<AlertSubject, "type" | "id">, condition: AlertCondition): ActiveCondition | null {
    const row = this.#db.first<ConditionRow>(sql`SELECT * FROM conditions
      WHERE subject_type = ${subject.type} AND subject_id = ${subject.id} AND condition = ${condition}`);
    return row === null ? null : held(row);
  }

  holdCondition(subject: AlertSubject, state: ActiveCondition, now: string): void {
    this.#db.run(sql`INSERT INTO conditions
        (subject_type, subject_id, condition, subject_name, detail, fix, fix_where, level, since)
      VALUES (${subject.type}, ${subject.id}, ${state.condition}, ${subject.name}, ${state.detail}, ${state.fix},
        ${state.where}, ${state.level}, ${now})
      ON CONFLICT (subject_type, subject_id, condition) DO UPDATE SET subject_name = excluded.subject_name,
        detail = excluded.detail, fix = excluded.fix, fix_where = excluded.fix_where, level = excluded.level`);
  }

  clearCondition(subject: Pick<AlertSubject, "type" | "id">, condition: AlertCondition): void {
    this.#db.run(sql`DELETE FROM conditions
      WHERE subject_type = ${subject.type} AND subject_id = ${subject.id} AND condition = ${condition}`);
  }

  forgetSubject(subject: Pick<AlertSubject, "type" | "id">): void {
    this.#db.run(sql`DELETE FROM conditions WHERE subject_type = ${subject.type} AND subject_id = ${subject.id}`);
  }

  /** Every condition that holds, most serious subjects first (accounts and credentials stop many handlers). */
  heldConditions(): HeldCondition[] {
    return this.#db
      .all<ConditionRow>(sql`SELECT * FROM conditions ORDER BY
        CASE subject_type WHEN 'credential' THEN 0 WHEN 'account' THEN 1 ELSE 2 END, since, subject_id, condition`)
      .map((row) => ({
        ...held(row),
        subject: { type: row.subject_type as SubjectType, id: row.subject_id, name: row.subject_name },
        since: row.since,
      }));
  }

  enqueue(payload: AlertPayload, now: number): void {
    this.#db.run(sql`INSERT INTO outbox (payload, state, next_attempt_at, updated_at)
      VALUES (${JSON.stringify(payload)}, 'pending', ${now}, ${now})`);
  }

  /** Up to `limit` pending alerts due by `now`, oldest first. */
  due(now: number, limit: number): AlertDelivery[] {
    return this.#db
      .all<OutboxRow>(sql`SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ${now}
        ORDER BY next_attempt_at, id LIMIT ${limit}`)
      .map(delivery);
  }

  /** When the next pending alert is due, or null when none waits. */
  nextDueAt(): number | null {
    return (
      this.#db.first<{ at: number }>(sql`SELECT min(next_attempt_at) AS at FROM outbox WHERE state = 'pending'`)?.at ??
      null
    );
  }

  recordAttempt(
    id: number,
    outcome: { state: AlertDelivery["state"]; status: number | null; error: string | null; nextAttemptAt: number },
    now: number,
  ): void {
    this.#db.run(sql`UPDATE outbox SET state = ${outcome.state}, attempts = attempts + 1,
      last_status = ${outcome.status}, last_error = ${outcome.error}, next_attempt_at = ${outcome.nextAttemptAt},
      updated_at = ${now} WHERE id = ${id}`);
    if (outcome.state !== "pending") {
      this.#db.run(sql`DELETE FROM outbox WHERE state != 'pending' AND id NOT IN
        (SELECT id FROM outbox WHERE state != 'pending' ORDER BY id DESC LIMIT ${HISTORY_KEPT})`);
    }
  }

  /** Gives up every pending alert (alerts were turned off): nothing is sent to an address no longer wanted. */
  dropPending(reason: string, now: number): void {
    this.#db.run(sql`UPDATE outbox SET state = 'failed', last_error = ${reason}, updated_at = ${now}
      WHERE state = 'pending'`);
  }

  /** The latest alerts, newest first. */
  recent(limit: number): AlertDelivery[] {
    return this.#db.all<OutboxRow>(sql`SELECT * FROM outbox ORDER BY id DESC LIMIT ${limit}`).map(delivery);
  }

  expiryCheckedAt(): number | null {
    return (
      this.#db.first<{ checked_at: number }>(sql`SELECT checked_at FROM expiry_checks WHERE id = 1`)?.checked_at ?? null
    );
  }

  markExpiryChecked(now: number): void {
    this.#db.run(sql`INSERT INTO expiry_checks (id, checked_at) VALUES (1, ${now})
      ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`);
  }
}

function held(row: ConditionRow): ActiveCondition {
  return {
    condition: row.condition as AlertCondition,
    detail: row.detail,
    fix: row.fix,
    where: row.fix_where as FixPlace | null,
    level: row.level,
  };
}

function delivery(row: OutboxRow): AlertDelivery {
  return {
    id: row.id,
    payload: JSON.parse(row.payload) as AlertPayload,
    state: row.state as AlertDelivery["state"],
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
