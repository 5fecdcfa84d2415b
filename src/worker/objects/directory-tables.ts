/**
 * The tables of one directory shard: summaries of the accounts and handlers whose ids fall in it (as
 * their objects report them), when each is due for a run or a keep-alive, the pending authorizations
 * keyed by a hash of their state, and the push subscriptions whose ids fall in it (a notification names
 * only its subscription, so this is how it finds its handler).
 * @module
 */
import { Database, sql } from "./sql.ts";
import type { AccountView } from "../../core/accounts/account.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { PageRequest } from "../../core/pagination.ts";
import type { Migration } from "./sql.ts";

const MIGRATIONS: readonly Migration[] = [
  {
    description: "account summaries as their objects report them",
    statement: `CREATE TABLE accounts (
      id TEXT PRIMARY KEY,
      credential_id TEXT NOT NULL,
      summary TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
  },
  {
    description: "counts accounts per credential",
    statement: "CREATE INDEX accounts_by_credential ON accounts (credential_id)",
  },
  {
    description: "account status, to keep only connected accounts alive",
    statement: "ALTER TABLE accounts ADD COLUMN status TEXT NOT NULL DEFAULT 'connected'",
  },
  {
    description: "when the refresh token was last used, to keep it alive",
    statement: "ALTER TABLE accounts ADD COLUMN refresh_used_at INTEGER NOT NULL DEFAULT 0",
  },
  {
    description: "finds accounts whose refresh token idles longest",
    statement: "CREATE INDEX accounts_by_refresh_use ON accounts (status, refresh_used_at)",
  },
  {
    description: "handlers and the account each uses",
    statement: `CREATE TABLE handlers (
      id TEXT PRIMARY KEY,
      account_id TEXT NOT NULL
    )`,
  },
  {
    description: "counts handlers per account",
    statement: "CREATE INDEX handlers_by_account ON handlers (account_id)",
  },
  {
    description: "pending sign-ins, single-use, keyed by a hash of their state",
    statement: `CREATE TABLE authorizations (
      id TEXT PRIMARY KEY,
      record TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER
    )`,
  },
  {
    description: "handler summaries as their objects report them",
    statement: "ALTER TABLE handlers ADD COLUMN summary TEXT NOT NULL DEFAULT '{}'",
  },
  {
    description: "whether the handler runs at all",
    statement: "ALTER TABLE handlers ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1",
  },
  {
    description: "when the handler is next due",
    statement: "ALTER TABLE handlers ADD COLUMN next_run_at INTEGER NOT NULL DEFAULT 0",
  },
  { description: "finds due handlers", statement: "CREATE INDEX handlers_due ON handlers (enabled, next_run_at)" },
  {
    description: "outcomes of finished sign-ins, shown once on the result page",
    statement: `CREATE TABLE sign_in_results (
      id TEXT PRIMARY KEY,
      outcome TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
  },
  {
    description: "credentials being deleted or deleted: sign-ins through them store nothing",
    statement: "CREATE TABLE deleted_credentials (id TEXT PRIMARY KEY, deleted_at INTEGER NOT NULL)",
  },
  {
    description: "push subscriptions: which handler a notification is for, and when it is due for renewal",
    statement: `CREATE TABLE subscriptions (
      id TEXT PRIMARY KEY,
      handler_id TEXT NOT NULL,
      renew_at INTEGER NOT NULL
    )`,
  },
  {
    description: "finds subscriptions due for renewal",
    statement: "CREATE INDEX subscriptions_due ON subscriptions (renew_at)",
  },
  {
    description: "what the account's summary says needs a person, as reported to the alerts object",
    statement: "ALTER TABLE accounts ADD COLUMN alert_reports TEXT NOT NULL DEFAULT ''",
  },
  {
    description: "what the alerts object last took about the account",
    statement: "ALTER TABLE accounts ADD COLUMN alert_reported TEXT NOT NULL DEFAULT ''",
  },
  {
    description: "what the handler's summary says needs a person, as reported to the alerts object",
    statement: "ALTER TABLE handlers ADD COLUMN alert_reports TEXT NOT NULL DEFAULT ''",
  },
  {
    description: "what the alerts object last took about the handler",
    statement: "ALTER TABLE handlers ADD COLUMN alert_reported TEXT NOT NULL DEFAULT ''",
  },
];

/** Accounts and handlers are the subjects whose conditions the shards report from their summaries. */
export type ReportedKind = "account" | "handler";

/** A subject's reports as written (JSON), and as the alerts object last took them. */
export interface AlertReportRow {
  reports: string;
  reported: string;
}

/** A subscription due for renewal, and the handler that holds it. */
export interface DueSubscription {
  id: string;
  handlerId: string;
}

export type AuthorizationLookup =
  | { found: true; record: string }
  | { found: false; why: "unknown" | "expired" | "used" };

export class DirectoryTables {
  readonly #db: Database;

  constructor(storage: SqlStorage) {
    this.#db = new Database(storage);
    this.#db.migrate(MIGRATIONS);
  }

  countAccountsByCredential(credentialId: string): number {
    return this.#db.count(sql`SELECT count(*) AS n FROM accounts WHERE credential_id = ${credentialId}`);
  }

  countHandlersByAccount(accountId: string): number {
    return this.#db.count(sql`SELECT count(*) AS n FROM handlers WHERE account_id = ${accountId}`);
  }

  /** The account's status as last reported, or null when the shard does not know it. */
  accountStatus(accountId: string): string | null {
    return this.#db.first<{ status: string }>(sql`SELECT status FROM accounts WHERE id = ${accountId}`)?.status ?? null;
  }

  enabledHandlersOf(accountId: string): string[] {
    return this.#db
      .all<{ id: string }>(sql`SELECT id FROM handlers WHERE account_id = ${accountId} AND enabled = 1`)
      .map((row) => row.id);
  }

  upsertAccount(view: AccountView, refreshUsedAt: number): void {
    this.#db.run(sql`INSERT INTO accounts (id, credential_id, summary, updated_at, status, refresh_used_at)
      VALUES (${view.id}, ${view.credentialId}, ${JSON.stringify(view)}, ${view.updatedAt}, ${view.status}, ${refreshUsedAt})
      ON CONFLICT (id) DO UPDATE SET credential_id = excluded.credential_id, summary = excluded.summary,
        updated_at = excluded.updated_at, status = excluded.status, refresh_used_at = excluded.refresh_used_at`);
  }

  removeAccount(accountId: string): void {
    this.#db.run(sql`DELETE FROM accounts WHERE id = ${accountId}`);
  }

  /** Every account, or a page of them in order of connection (`connectedAt`, then id). */
  listAccounts(page: PageRequest | null = null): AccountView[] {
    const query =
      page === null
        ? sql`SELECT summary FROM accounts`
        : sql`SELECT summary FROM accounts
            WHERE (json_extract(summary, '$.connectedAt'), id) > (${page.after?.sortKey ?? ""}, ${page.after?.id ?? ""})
            ORDER BY json_extract(summary, '$.connectedAt'), id LIMIT ${page.limit}`;
    return this.#db.all<{ summary: string }>(query).map((row) => JSON.parse(row.summary) as AccountView);
  }

  upsertHandler(view: HandlerView, nextRunAt: number): void {
    this.#db.run(sql`INSERT INTO handlers (id, account_id, summary, enabled, next_run_at)
      VALUES (${view.id}, ${view.accountId}, ${JSON.stringify(view)}, ${view.enabled ? 1 : 0}, ${nextRunAt})
      ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, summary = excluded.summary,
        enabled = excluded.enabled, next_run_at = excluded.next_run_at`);
  }

  removeHandler(handlerId: string): void {
    this.#db.run(sql`DELETE FROM handlers WHERE id = ${handlerId}`);
  }

  /** Every handler, or a page of them in order of creation (`createdAt`, then id). */
  listHandlers(page: PageRequest | null = null): HandlerView[] {
    const query =
      page === null
        ? sql`SELECT summary FROM handlers`
        : sql`SELECT summary FROM handlers
            WHERE (json_extract(summary, '$.createdAt'), id) > (${page.after?.sortKey ?? ""}, ${page.after?.id ?? ""})
            ORDER BY json_extract(summary, '$.createdAt'), id LIMIT ${page.limit}`;
    return this.#db.all<{ summary: string }>(query).map((row) => JSON.parse(row.summary) as HandlerView);
  }

  /** Up to `limit` enabled handlers due by `dueBy`, longest waiting first; each leased until `leaseUntil`. */
  leaseDueHandlers(options: { dueBy: number; limit: number; leaseUntil: number }): string[] {
    const due = this.#db
      .all<{ id: string }>(sql`SELECT id FROM handlers WHERE enabled = 1 AND next_run_at <= ${options.dueBy}
        ORDER BY next_run_at LIMIT ${options.limit}`)
      .map((row) => row.id);
    for (const id of due) {
      this.#db.run(sql`UPDATE handlers SET next_run_at = ${options.leaseUntil} WHERE id = ${id}`);
    }
    return due;
  }

  /**
   * Up to `limit` connected accounts whose refresh token was last used by `idleSince`, longest idle
   * first; each marked as used at `leaseAs` so the next ticks pass it over until its own report.
   */
  leaseIdleAccounts(options: { idleSince: number; limit: number; leaseAs: number }): string[] {
    const due = this.#db
      .all<{
        id: string;
      }>(sql`SELECT id FROM accounts WHERE status = 'connected' AND refresh_used_at <= ${options.idleSince}
        ORDER BY refresh_used_at LIMIT ${options.limit}`)
      .map((row) => row.id);
    for (const id of due) {
      this.#db.run(sql`UPDATE accounts SET refresh_used_at = ${options.leaseAs} WHERE id = ${id}`);
    }
    return due;
  }

  /** Keeps what the subject's summary says needs a person (JSON of its reports). */
  setAlertReports(kind: ReportedKind, id: string, reports: string): void {
    if (kind === "account") {
      this.#db.run(sql`UPDATE accounts SET alert_reports = ${reports} WHERE id = ${id}`);
    } else {
      this.#db.run(sql`UPDATE handlers SET alert_reports = ${reports} WHERE id = ${id}`);
    }
  }

  alertReports(kind: ReportedKind, id: string): AlertReportRow | null {
    const row =
      kind === "account"
        ? this.#db.first<{ reports: string; reported: string }>(
            sql`SELECT alert_reports AS reports, alert_reported AS reported FROM accounts WHERE id = ${id}`,
          )
        : this.#db.first<{ reports: string; reported: string }>(
            sql`SELECT alert_reports AS reports, alert_reported AS reported FROM handlers WHERE id = ${id}`,
          );
    return row;
  }

  /** Records that the alerts object took `reports`. */
  markAlertsReported(kind: ReportedKind, id: string, reports: string): void {
    if (kind === "account") {
      this.#db.run(sql`UPDATE accounts SET alert_reported = ${reports} WHERE id = ${id}`);
    } else {
      this.#db.run(sql`UPDATE handlers SET alert_reported = ${reports} WHERE id = ${id}`);
    }
  }

  /** Up to `limit` subjects whose latest reports the alerts object has not taken (it failed, or was busy). */
  unreportedAlerts(limit: number): { kind: ReportedKind; id: string }[] {
    const accounts = this.#db
      .all<{ id: string }>(sql`SELECT id FROM accounts WHERE alert_reports != alert_reported LIMIT ${limit}`)
      .map((row) => ({ kind: "account" as const, id: row.id }));
    const handlers = this.#db
      .all<{ id: string }>(sql`SELECT id FROM handlers WHERE alert_reports != alert_reported LIMIT ${limit}`)
      .map((row) => ({ kind: "handler" as const, id: row.id }));
    return [...accounts, ...handlers].slice(0, limit);
  }

  /** Routes notifications of subscription `id` to `handlerId`; the cron renews it from `renewAt` (epoch ms). */
  putSubscription(id: string, handlerId: string, renewAt: number): void {
    this.#db.run(sql`INSERT INTO subscriptions (id, handler_id, renew_at) VALUES (${id}, ${handlerId}, ${renewAt})
      ON CONFLICT (id) DO UPDATE SET handler_id = excluded.handler_id, renew_at = excluded.renew_at`);
  }

  removeSubscription(id: string): void {
    this.#db.run(sql`DELETE FROM subscriptions WHERE id = ${id}`);
  }

  /** The handler holding subscription `id`, or null when edgepost does not know it. */
  subscriptionOwner(id: string): string | null {
    return (
      this.#db.first<{ handler_id: string }>(sql`SELECT handler_id FROM subscriptions WHERE id = ${id}`)?.handler_id ??
      null
    );
  }

  /** Up to `limit` subscriptions due for renewal by `dueBy`, most urgent first; each leased until `leaseUntil`. */
  leaseDueSubscriptions(options: { dueBy: number; limit: number; leaseUntil: number }): DueSubscription[] {
    const due = this.#db
      .all<{ id: string; handler_id: string }>(sql`SELECT id, handler_id FROM subscriptions
        WHERE renew_at <= ${options.dueBy} ORDER BY renew_at LIMIT ${options.limit}`)
      .map((row) => ({ id: row.id, handlerId: row.handler_id }));
    for (const subscription of due) {
      this.#db.run(sql`UPDATE subscriptions SET renew_at = ${options.leaseUntil} WHERE id = ${subscription.id}`);
    }
    return due;
  }

  /** Stores a pending authorization, dropping those that expired more than `tombstoneMs` ago. */
  putAuthorization(id: string, record: string, expiresAt: number, options: { now: number; tombstoneMs: number }): void {
    this.#db.run(sql`DELETE FROM authorizations WHERE expires_at < ${options.now - options.tombstoneMs}`);
    this.#db.run(sql`INSERT INTO authorizations (id, record, expires_at) VALUES (${id}, ${record}, ${expiresAt})`);
  }

  /** Keeps a sign-in's outcome for its result page, dropping outcomes past their time. */
  putSignInResult(id: string, outcome: string, options: { now: number; expiresAt: number }): void {
    this.#db.run(sql`DELETE FROM sign_in_results WHERE expires_at <= ${options.now}`);
    this.#db.run(
      sql`INSERT INTO sign_in_results (id, outcome, expires_at) VALUES (${id}, ${outcome}, ${options.expiresAt})`,
    );
  }

  /** Takes a sign-in's outcome: once, and only before it expires. */
  takeSignInResult(id: string, now: number): string | null {
    const row = this.#db.first<{ outcome: string; expires_at: number }>(
      sql`SELECT outcome, expires_at FROM sign_in_results WHERE id = ${id}`,
    );
    this.#db.run(sql`DELETE FROM sign_in_results WHERE id = ${id}`);
    return row === null || row.expires_at <= now ? null : row.outcome;
  }

  markCredentialDeleted(credentialId: string, now: number): void {
    this.#db.run(sql`INSERT INTO deleted_credentials (id, deleted_at) VALUES (${credentialId}, ${now})
      ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at`);
  }

  unmarkCredentialDeleted(credentialId: string): void {
    this.#db.run(sql`DELETE FROM deleted_credentials WHERE id = ${credentialId}`);
  }

  isCredentialDeleted(credentialId: string): boolean {
    return this.#db.first(sql`SELECT 1 AS found FROM deleted_credentials WHERE id = ${credentialId}`) !== null;
  }

  /** Takes a pending authorization exactly once: reading and marking it happen without a pause between. */
  takeAuthorization(id: string, now: number): AuthorizationLookup {
    const row = this.#db.first<{ record: string; expires_at: number; used_at: number | null }>(
      sql`SELECT record, expires_at, used_at FROM authorizations WHERE id = ${id}`,
    );
    if (row === null) {
      return { found: false, why: "unknown" };
    }
    if (row.used_at !== null) {
      return { found: false, why: "used" };
    }
    this.#db.run(sql`UPDATE authorizations SET used_at = ${now} WHERE id = ${id}`);
    return row.expires_at <= now ? { found: false, why: "expired" } : { found: true, record: row.record };
  }
}
