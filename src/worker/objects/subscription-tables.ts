/**
 * The push table of one handler object: the state its push is in, the Graph subscription it holds
 * (client state sealed), when that was created, renewed and reauthorized, and when a valid notification
 * last arrived. One row; it appears with the handler, like the handler's other tables.
 * @module
 */
import { Database, sql } from "./sql.ts";
import type { PushState } from "../../core/push/push-rules.ts";
import type { Migration } from "./sql.ts";

const MIGRATIONS: readonly Migration[] = [
  {
    description: "the handler's push state and its Graph subscription",
    statement: `CREATE TABLE push_subscription (
      slot INTEGER PRIMARY KEY CHECK (slot = 1),
      state TEXT NOT NULL,
      reason TEXT,
      subscription_id TEXT,
      client_state TEXT,
      resource TEXT,
      expires_at INTEGER,
      renewed_at INTEGER,
      patched_at INTEGER,
      reauthorized_at INTEGER,
      reauthorize_requested INTEGER NOT NULL DEFAULT 0,
      last_notification_at INTEGER,
      failures INTEGER NOT NULL DEFAULT 0
    )`,
  },
];

/** The subscription a handler holds at Graph. */
export interface HeldSubscription {
  id: string;
  /** Sealed, bound to `handler:{id}` / `clientState`. */
  clientState: string;
  resource: string;
  expiresAt: number;
  renewedAt: number;
  patchedAt: number | null;
  reauthorizedAt: number | null;
  /** A `reauthorizationRequired` event waits for an answer. */
  reauthorizeRequested: boolean;
}

export interface PushRecord {
  state: PushState;
  reason: string | null;
  subscription: HeldSubscription | null;
  lastNotificationAt: number | null;
  /** Consecutive failures to create, renew or reauthorize. */
  failures: number;
}

interface PushRow extends Record<string, SqlStorageValue> {
  state: string;
  reason: string | null;
  subscription_id: string | null;
  client_state: string | null;
  resource: string | null;
  expires_at: number | null;
  renewed_at: number | null;
  patched_at: number | null;
  reauthorized_at: number | null;
  reauthorize_requested: number;
  last_notification_at: number | null;
  failures: number;
}

export class SubscriptionTables {
  readonly #db: Database;
  #ready = false;

  constructor(storage: SqlStorage) {
    this.#db = new Database(storage);
  }

  /** The record, or null before push was first looked at (or when the object holds no handler). */
  read(): PushRecord | null {
    if (!this.#hasTable()) {
      return null;
    }
    const row = this.#db.first<PushRow>(sql`SELECT * FROM push_subscription WHERE slot = 1`);
    if (row === null) {
      return null;
    }
    return {
      state: row.state as PushState,
      reason: row.reason,
      subscription:
        row.subscription_id === null || row.client_state === null || row.resource === null
          ? null
          : {
              id: row.subscription_id,
              clientState: row.client_state,
              resource: row.resource,
              expiresAt: row.expires_at ?? 0,
              renewedAt: row.renewed_at ?? 0,
              patchedAt: row.patched_at,
              reauthorizedAt: row.reauthorized_at,
              reauthorizeRequested: row.reauthorize_requested === 1,
            },
      lastNotificationAt: row.last_notification_at,
      failures: row.failures,
    };
  }

  /** Sets the state and its reason; `failures` resets unless the state is `failed`. */
  setState(state: PushState, reason: string | null): void {
    this.#ensureRow();
    this.#db.run(sql`UPDATE push_subscription SET state = ${state}, reason = ${reason},
      failures = CASE WHEN ${state === "failed" ? 1 : 0} THEN failures ELSE 0 END WHERE slot = 1`);
  }

  /** Counts one more failure and returns the count. */
  recordFailure(reason: string, options: { keepState: boolean }): number {
    this.#ensureRow();
    this.#db.run(sql`UPDATE push_subscription SET failures = failures + 1, reason = ${reason},
      state = CASE WHEN ${options.keepState ? 1 : 0} THEN state ELSE 'failed' END WHERE slot = 1`);
    return this.read()?.failures ?? 1;
  }

  /** Keeps a subscription Graph just created; the state turns `active`. */
  saveSubscription(held: { id: string; clientState: string; resource: string; expiresAt: number; now: number }): void {
    this.#ensureRow();
    this.#db.run(sql`UPDATE push_subscription SET state = 'active', reason = NULL, failures = 0,
      subscription_id = ${held.id}, client_state = ${held.clientState}, resource = ${held.resource},
      expires_at = ${held.expiresAt}, renewed_at = ${held.now}, patched_at = NULL, reauthorized_at = NULL,
      reauthorize_requested = 0
      WHERE slot = 1`);
  }

  /** A renewal; it also reauthorizes the subscription. */
  recordRenewal(expiresAt: number, now: number): void {
    this.#db.run(sql`UPDATE push_subscription SET state = 'active', reason = NULL, failures = 0,
      expires_at = ${expiresAt}, renewed_at = ${now}, patched_at = ${now}, reauthorize_requested = 0 WHERE slot = 1`);
  }

  recordReauthorization(now: number): void {
    this.#db.run(sql`UPDATE push_subscription SET state = 'active', reason = NULL, failures = 0,
      reauthorized_at = ${now}, reauthorize_requested = 0 WHERE slot = 1`);
  }

  requestReauthorization(): void {
    this.#db.run(sql`UPDATE push_subscription SET reauthorize_requested = 1 WHERE slot = 1`);
  }

  /** Forgets the subscription (deleted, expired or removed by Microsoft). */
  dropSubscription(): void {
    this.#db.run(sql`UPDATE push_subscription SET subscription_id = NULL, client_state = NULL, resource = NULL,
      expires_at = NULL, renewed_at = NULL, patched_at = NULL, reauthorized_at = NULL, reauthorize_requested = 0
      WHERE slot = 1`);
  }

  recordNotification(now: number): void {
    this.#db.run(sql`UPDATE push_subscription SET last_notification_at = ${now} WHERE slot = 1`);
  }

  /** Re-seals the client state (key rotation). */
  saveClientState(sealed: string): void {
    this.#db.run(sql`UPDATE push_subscription SET client_state = ${sealed} WHERE slot = 1`);
  }

  /** Forgets that the table exists; the object deletes its storage. */
  forget(): void {
    this.#ready = false;
  }

  #ensureRow(): void {
    if (!this.#ready) {
      this.#db.migrate(MIGRATIONS, { ledger: "push" });
      this.#ready = true;
    }
    this.#db.run(sql`INSERT INTO push_subscription (slot, state) VALUES (1, 'pending') ON CONFLICT (slot) DO NOTHING`);
  }

  #hasTable(): boolean {
    if (!this.#ready && this.#db.hasTable("push_subscription")) {
      this.#db.migrate(MIGRATIONS, { ledger: "push" });
      this.#ready = true;
    }
    return this.#ready;
  }
}
