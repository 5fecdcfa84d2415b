/**
 * The directory: an index of accounts (and the handlers that use them) and the pending
 * authorizations, in strongly consistent storage. Sharded by id (see `stores/directory.ts`): every
 * row lives in the shard of its own id, so each shard sees a 32nd of the traffic.
 *
 * Account rows are summaries the account objects push after every change; the account object stays
 * the source of truth for its own state.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { CONSOLE_LOGGER } from "../log.ts";
import { applyMigrations } from "./sql-schema.ts";
import type { AccountView } from "../../core/accounts/account.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { Env } from "../env.ts";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     credential_id TEXT NOT NULL,
     summary TEXT NOT NULL,
     updated_at TEXT NOT NULL
   )`,
  "CREATE INDEX accounts_by_credential ON accounts (credential_id)",
  "ALTER TABLE accounts ADD COLUMN status TEXT NOT NULL DEFAULT 'connected'",
  "ALTER TABLE accounts ADD COLUMN refresh_used_at INTEGER NOT NULL DEFAULT 0",
  "CREATE INDEX accounts_by_refresh_use ON accounts (status, refresh_used_at)",
  `CREATE TABLE handlers (
     id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL
   )`,
  "CREATE INDEX handlers_by_account ON handlers (account_id)",
  `CREATE TABLE authorizations (
     id TEXT PRIMARY KEY,
     record TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     used_at INTEGER
   )`,
  "ALTER TABLE handlers ADD COLUMN summary TEXT NOT NULL DEFAULT '{}'",
  "ALTER TABLE handlers ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1",
  "ALTER TABLE handlers ADD COLUMN next_run_at INTEGER NOT NULL DEFAULT 0",
  "CREATE INDEX handlers_due ON handlers (enabled, next_run_at)",
];

export type AuthorizationLookup =
  | { found: true; record: string }
  | { found: false; why: "unknown" | "expired" | "used" };

export interface TickReport {
  keepAlive: { due: number; refreshed: number; failed: number };
  handlers: { due: number; dispatched: number; failed: number };
}

/** Refresh tokens idle this long get refreshed by the cron, far ahead of Microsoft's 90 days. */
export const KEEP_ALIVE_IDLE_MS = 24 * 60 * 60 * 1000;
/** Accounts one shard keeps alive per tick; 32 shards × 25 × 1440 ticks a day covers 1,152,000 accounts. */
const KEEP_ALIVE_PER_TICK = 25;
/**
 * Handler runs one shard hands out per tick. 32 shards × 500 = 16,000 a minute, above the 10,000
 * handlers edgepost is designed for; the rest wait for the next minute, oldest first.
 */
export const DISPATCH_PER_TICK = 500;
/** A dispatched handler is not dispatched again for this long unless its own report says otherwise. */
const DISPATCH_LEASE_MS = 5 * 60 * 1000;
/**
 * A handler counts as due this long before its time: a run starts a moment after the tick that
 * dispatched it, so "its last run plus the interval" falls just after the matching later tick.
 */
const DUE_TOLERANCE_MS = 30 * 1000;
/** After a keep-alive attempt the account is not picked again for this long (its own report resets it). */
const KEEP_ALIVE_RETRY_MS = 60 * 60 * 1000;
/** Used authorizations are kept this long after expiry so a replay is told "already used". */
const AUTHORIZATION_TOMBSTONE_MS = 60 * 60 * 1000;

export class Directory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applyMigrations(ctx.storage.sql, MIGRATIONS);
  }

  countAccountsByCredential(credentialId: string): number {
    return this.#count("SELECT count(*) AS n FROM accounts WHERE credential_id = ?", credentialId);
  }

  countHandlersByAccount(accountId: string): number {
    return this.#count("SELECT count(*) AS n FROM handlers WHERE account_id = ?", accountId);
  }

  upsertAccount(view: AccountView, refreshUsedAt: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO accounts (id, credential_id, summary, updated_at, status, refresh_used_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET credential_id = excluded.credential_id, summary = excluded.summary,
         updated_at = excluded.updated_at, status = excluded.status, refresh_used_at = excluded.refresh_used_at`,
      view.id,
      view.credentialId,
      JSON.stringify(view),
      view.updatedAt,
      view.status,
      refreshUsedAt,
    );
  }

  upsertHandler(view: HandlerView, nextRunAt: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO handlers (id, account_id, summary, enabled, next_run_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, summary = excluded.summary,
         enabled = excluded.enabled, next_run_at = excluded.next_run_at`,
      view.id,
      view.accountId,
      JSON.stringify(view),
      view.enabled ? 1 : 0,
      nextRunAt,
    );
  }

  removeHandler(handlerId: string): void {
    this.ctx.storage.sql.exec("DELETE FROM handlers WHERE id = ?", handlerId);
  }

  listHandlers(): HandlerView[] {
    return this.ctx.storage.sql
      .exec<{ summary: string }>("SELECT summary FROM handlers")
      .toArray()
      .map((row) => JSON.parse(row.summary) as HandlerView);
  }

  removeAccount(accountId: string): void {
    this.ctx.storage.sql.exec("DELETE FROM accounts WHERE id = ?", accountId);
  }

  listAccounts(): AccountView[] {
    return this.ctx.storage.sql
      .exec<{ summary: string }>("SELECT summary FROM accounts")
      .toArray()
      .map((row) => JSON.parse(row.summary) as AccountView);
  }

  putAuthorization(id: string, record: string, expiresAt: number): void {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM authorizations WHERE expires_at < ?", Date.now() - AUTHORIZATION_TOMBSTONE_MS);
    sql.exec("INSERT INTO authorizations (id, record, expires_at) VALUES (?, ?, ?)", id, record, expiresAt);
  }

  /** Takes a pending authorization exactly once: the read and the marking happen in one transaction. */
  takeAuthorization(id: string, now: number): AuthorizationLookup {
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ record: string; expires_at: number; used_at: number | null }>(
        "SELECT record, expires_at, used_at FROM authorizations WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (row === undefined) {
      return { found: false, why: "unknown" };
    }
    if (row.used_at !== null) {
      return { found: false, why: "used" };
    }
    sql.exec("UPDATE authorizations SET used_at = ? WHERE id = ?", now, id);
    return row.expires_at <= now ? { found: false, why: "expired" } : { found: true, record: row.record };
  }

  /**
   * The cron's visit: hands each due handler's run to the handler's own object (which runs it from
   * an alarm, so a slow mailbox delays nobody), and keeps idle refresh tokens alive.
   */
  async tick(now: number): Promise<TickReport> {
    const [handlers, keepAlive] = await Promise.all([this.#dispatchHandlers(now), this.#keepAlive(now)]);
    return { handlers, keepAlive };
  }

  async #dispatchHandlers(now: number): Promise<TickReport["handlers"]> {
    const due = this.ctx.storage.sql
      .exec<{ id: string }>(
        "SELECT id FROM handlers WHERE enabled = 1 AND next_run_at <= ? ORDER BY next_run_at LIMIT ?",
        now + DUE_TOLERANCE_MS,
        DISPATCH_PER_TICK,
      )
      .toArray()
      .map((row) => row.id);
    for (const id of due) {
      this.ctx.storage.sql.exec("UPDATE handlers SET next_run_at = ? WHERE id = ?", now + DISPATCH_LEASE_MS, id);
    }
    const results = await Promise.allSettled(due.map((id) => this.env.HANDLERS.getByName(id).wake()));
    const failed = results.filter((result) => result.status === "rejected").length;
    if (failed > 0) {
      CONSOLE_LOGGER.warn("dispatch.failed", { failed, due: due.length });
    }
    return {
      due: due.length,
      dispatched: results.filter((result) => result.status === "fulfilled" && result.value).length,
      failed,
    };
  }

  async #keepAlive(now: number): Promise<TickReport["keepAlive"]> {
    const due = this.ctx.storage.sql
      .exec<{ id: string }>(
        "SELECT id FROM accounts WHERE status = 'connected' AND refresh_used_at <= ? ORDER BY refresh_used_at LIMIT ?",
        now - KEEP_ALIVE_IDLE_MS,
        KEEP_ALIVE_PER_TICK,
      )
      .toArray()
      .map((row) => row.id);
    const lease = now - KEEP_ALIVE_IDLE_MS + KEEP_ALIVE_RETRY_MS;
    for (const id of due) {
      this.ctx.storage.sql.exec("UPDATE accounts SET refresh_used_at = ? WHERE id = ?", lease, id);
    }
    const results = await Promise.allSettled(due.map((id) => this.env.ACCOUNTS.getByName(id).keepAlive()));
    const refreshed = results.filter(
      (result) => result.status === "fulfilled" && result.value.refreshed && result.value.result.ok,
    ).length;
    const failed = results.filter((result) => result.status === "rejected").length;
    if (failed > 0) {
      CONSOLE_LOGGER.warn("keepalive.failed", { failed, due: due.length });
    }
    return { due: due.length, refreshed, failed };
  }

  #count(query: string, value: string): number {
    return this.ctx.storage.sql.exec<{ n: number }>(query, value).one().n;
  }
}
