/**
 * One object per mail handler, named by its id: the handler's configuration (webhook token sealed),
 * its place in the folder's delta, every message it has seen, the outbox of deliveries waiting for a
 * retry, and the dead letters. Runs happen here, one at a time: from an alarm when the cron hands one
 * over or a retry falls due, or at once from `POST /api/handlers/{id}/run`.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { HandlerBlockedError, HandlerDelayedError, explainMailFailure } from "../../core/handlers/errors.ts";
import { resolveHandlerFolders } from "../../core/handlers/folders.ts";
import { emptyRunCounts } from "../../core/handlers/handler.ts";
import { afterProcess, HANDLER_GRAPH_HEADERS, runHandler } from "../../core/handlers/sync.ts";
import { postToWebhook } from "../../core/jira/webhook-client.ts";
import { openSecret, sealedKeyId, sealSecret } from "../../core/crypto/secret-box.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { accountGraphClient } from "../graph.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { loadSettings } from "../settings.ts";
import { directoryShardOf } from "../stores/directory.ts";
import { applyMigrations } from "./sql-schema.ts";
import type { DeadLetter, HandlerConfig, HandlerStatus, HandlerView, RunCounts } from "../../core/handlers/handler.ts";
import type { DueDelivery, HandlerStore, ResolvedFolders, SeenMessage } from "../../core/handlers/store.ts";
import type { RunSettings } from "../../core/handlers/sync.ts";
import type { SkipReason } from "../../core/mail/auto-reply.ts";
import type { Env } from "../env.ts";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE handler (
     id TEXT PRIMARY KEY,
     config TEXT NOT NULL,
     webhook_token TEXT,
     mailbox_address TEXT NOT NULL,
     account_label TEXT NOT NULL,
     read_folder_id TEXT,
     move_folder_id TEXT,
     cursor TEXT,
     last_run_at INTEGER,
     last_success_at INTEGER,
     last_error TEXT,
     last_outcome TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   )`,
  `CREATE TABLE messages (
     message_id TEXT PRIMARY KEY,
     dedupe_key TEXT NOT NULL,
     internet_message_id TEXT,
     conversation_id TEXT,
     subject TEXT NOT NULL,
     sender TEXT,
     received_at TEXT NOT NULL,
     state TEXT NOT NULL,
     skip_reason TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER,
     last_error TEXT,
     last_attempt_at INTEGER,
     after_due INTEGER NOT NULL DEFAULT 0
   )`,
  "CREATE INDEX messages_by_state ON messages (state, next_attempt_at)",
  "CREATE INDEX messages_after_due ON messages (after_due)",
  `CREATE TABLE payloads (
     message_id TEXT NOT NULL,
     part INTEGER NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (message_id, part)
   )`,
];

/** Payloads are stored in parts: a SQLite row holds at most 2 MB. */
const PAYLOAD_PART_CHARS = 500_000;

interface HandlerRow extends Record<string, SqlStorageValue> {
  id: string;
  config: string;
  webhook_token: string | null;
  mailbox_address: string;
  account_label: string;
  read_folder_id: string | null;
  move_folder_id: string | null;
  cursor: string | null;
  last_run_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  last_outcome: string | null;
  created_at: string;
  updated_at: string;
}

/** What the API hands over when a handler is created or changed. */
export interface HandlerSetup {
  id: string;
  config: HandlerConfig;
  /** Plain text; `null` for none, `undefined` on a change to keep the stored one. */
  webhookToken: string | null | undefined;
  /** `data.mailbox` of the payload: the account's own address for `me`. */
  mailboxAddress: string;
  /** How errors name the account, e.g. `adele@contoso.com`. */
  accountLabel: string;
  /** Folder ids when the API could resolve them now (null: the first run does; undefined on a change: keep). */
  resolvedFolders: ResolvedFolders | null | undefined;
  /** Forget the delta cursor (another mailbox or folder). */
  resetCursor: boolean;
}

export type HandlerRunReport =
  | { found: false }
  | { found: true; ran: false }
  | { found: true; ran: true; counts: RunCounts; status: HandlerStatus; lastError: string | null };

export type DeadLetterRetry =
  | { found: false }
  | { found: true; delivered: true }
  | { found: true; delivered: false; error: string };

export class HandlerObject extends DurableObject<Env> {
  readonly #store: HandlerStore;
  #running: Promise<HandlerRunReport> | null = null;
  /**
   * Whether this object has tables yet. An object is only given them when a handler is created, so
   * that a call to an id that names no handler (the cron's dispatch to a deleted one, say) writes nothing.
   */
  #hasSchema: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#hasSchema =
      ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'handler'").toArray().length >
      0;
    if (this.#hasSchema) {
      applyMigrations(ctx.storage.sql, MIGRATIONS);
    }
    this.#store = createStore(ctx.storage.sql);
  }

  /** Creates the handler and lists it in the directory; nothing stays behind if listing fails. */
  async create(setup: HandlerSetup): Promise<HandlerView> {
    applyMigrations(this.ctx.storage.sql, MIGRATIONS);
    this.#hasSchema = true;
    const now = new Date().toISOString();
    this.ctx.storage.sql.exec(
      `INSERT INTO handler (id, config, webhook_token, mailbox_address, account_label, read_folder_id, move_folder_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      setup.id,
      JSON.stringify(setup.config),
      await this.#sealToken(setup.id, setup.webhookToken ?? null),
      setup.mailboxAddress,
      setup.accountLabel,
      setup.resolvedFolders?.readId ?? null,
      setup.resolvedFolders?.moveId ?? null,
      now,
      now,
    );
    try {
      return await this.#publish({ required: true });
    } catch (error) {
      await this.#erase();
      throw error;
    }
  }

  /** Changes the handler once any run in progress has finished, so the run cannot save a stale cursor. */
  async update(setup: HandlerSetup): Promise<HandlerView | null> {
    await this.#settled();
    const row = this.#row();
    if (row === null) {
      return null;
    }
    const token =
      setup.webhookToken === undefined ? row.webhook_token : await this.#sealToken(row.id, setup.webhookToken);
    this.ctx.storage.sql.exec(
      `UPDATE handler SET config = ?, webhook_token = ?, mailbox_address = ?, account_label = ?,
         read_folder_id = CASE WHEN ? THEN ? ELSE read_folder_id END, move_folder_id = CASE WHEN ? THEN ? ELSE move_folder_id END,
         cursor = CASE WHEN ? THEN NULL ELSE cursor END, updated_at = ? WHERE id = ?`,
      JSON.stringify(setup.config),
      token,
      setup.mailboxAddress,
      setup.accountLabel,
      setup.resolvedFolders === undefined ? 0 : 1,
      setup.resolvedFolders?.readId ?? null,
      setup.resolvedFolders === undefined ? 0 : 1,
      setup.resolvedFolders?.moveId ?? null,
      setup.resetCursor ? 1 : 0,
      new Date().toISOString(),
      row.id,
    );
    return this.#publish({ required: false });
  }

  view(): HandlerView | null {
    const row = this.#row();
    return row === null ? null : this.#view(row);
  }

  /** Runs now, or joins the run in progress: one handler never runs twice at once. */
  run(): Promise<HandlerRunReport> {
    if (this.#running === null) {
      this.#running = this.#runOnce().finally(() => {
        this.#running = null;
      });
    }
    return this.#running;
  }

  /** The cron's hand-over: the run happens in this object's alarm, so the cron does not wait for it. */
  async wake(): Promise<boolean> {
    const row = this.#row();
    if (row === null || !parseConfig(row).enabled) {
      return false;
    }
    await this.ctx.storage.setAlarm(Date.now());
    return true;
  }

  override async alarm(): Promise<void> {
    await this.run();
  }

  deadLetters(): DeadLetter[] | null {
    if (this.#row() === null) {
      return null;
    }
    return this.ctx.storage.sql
      .exec<{
        message_id: string;
        internet_message_id: string | null;
        subject: string;
        sender: string | null;
        received_at: string;
        attempts: number;
        last_error: string | null;
        last_attempt_at: number | null;
      }>(
        `SELECT message_id, internet_message_id, subject, sender, received_at, attempts, last_error, last_attempt_at
         FROM messages WHERE state = 'dead' ORDER BY received_at`,
      )
      .toArray()
      .map((row) => ({
        messageId: row.message_id,
        internetMessageId: row.internet_message_id,
        subject: row.subject,
        from: row.sender,
        receivedAt: row.received_at,
        attempts: row.attempts,
        lastError: row.last_error ?? "",
        lastAttemptAt: new Date(row.last_attempt_at ?? 0).toISOString(),
      }));
  }

  /** One more attempt for a dead letter; `attempts` counts on. Delivered, it leaves the list and is marked read or moved. */
  async retryDeadLetter(messageId: string): Promise<DeadLetterRetry> {
    const row = this.#row();
    const letter =
      row === null
        ? undefined
        : this.ctx.storage.sql
            .exec<{ dedupe_key: string; attempts: number }>(
              "SELECT dedupe_key, attempts FROM messages WHERE message_id = ? AND state = 'dead'",
              messageId,
            )
            .toArray()[0];
    if (row === null || letter === undefined) {
      return { found: false };
    }
    const settings = await this.#runSettings(row, { readId: row.read_folder_id ?? "", moveId: row.move_folder_id });
    const outcome = await postToWebhook(
      {
        url: settings.webhook.url,
        token: settings.webhook.token,
        idempotencyKey: letter.dedupe_key,
        body: this.#store.payload(messageId),
      },
      { http: (request) => fetch(request), clock: SYSTEM_CLOCK },
    );
    const now = Date.now();
    if (outcome.kind !== "delivered") {
      this.ctx.storage.sql.exec(
        "UPDATE messages SET attempts = attempts + 1, last_error = ?, last_attempt_at = ? WHERE message_id = ?",
        outcome.error,
        now,
        messageId,
      );
      await this.#publish({ required: false });
      return { found: true, delivered: false, error: outcome.error };
    }
    this.#store.recordDelivered(messageId, { attempts: letter.attempts + 1, now });
    if (this.#count("dead") === 0 && row.last_outcome === "ok") {
      this.ctx.storage.sql.exec("UPDATE handler SET last_error = NULL WHERE id = ?", row.id);
    }
    if (row.read_folder_id !== null) {
      await this.#afterProcessQuietly(row, settings);
    }
    await this.#publish({ required: false });
    return { found: true, delivered: true };
  }

  /** Leaves the directory first (so a failure keeps the handler visible and retryable), then forgets everything. */
  async remove(): Promise<boolean> {
    await this.#settled();
    const row = this.#row();
    if (row === null) {
      return false;
    }
    await directoryShardOf(this.env, row.id).removeHandler(row.id);
    await this.#erase();
    return true;
  }

  /** Re-seals the webhook token under the first key of ENCRYPTION_KEYS; false when it already was. */
  async reencrypt(): Promise<boolean> {
    const row = this.#row();
    const keyRing = (await loadSettings(this.env)).keyRing;
    if (row === null || row.webhook_token === null || sealedKeyId(row.webhook_token) === keyRing.primaryId) {
      return false;
    }
    const token = await openSecret(keyRing, row.webhook_token, tokenContext(row.id));
    this.ctx.storage.sql.exec(
      "UPDATE handler SET webhook_token = ? WHERE id = ?",
      await sealSecret(keyRing, token, tokenContext(row.id)),
      row.id,
    );
    return true;
  }

  /** Waits for the run in progress, if any, whatever its outcome. */
  async #settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #runOnce(): Promise<HandlerRunReport> {
    const startedAt = Date.now();
    const row = this.#row();
    if (row === null) {
      return { found: false };
    }
    const config = parseConfig(row);
    if (!config.enabled) {
      return { found: true, ran: false };
    }
    const settings = await loadSettings(this.env);
    const graph = accountGraphClient(this.env, settings, config.accountId, { headers: HANDLER_GRAPH_HEADERS });
    const counts = emptyRunCounts();
    let outcome: "ok" | "blocked" | "delayed" = "ok";
    let lastError: string | null = null;
    let moreWork = false;
    try {
      const folders = this.#store.resolvedFolders() ?? (await this.#resolveAndKeep(graph, config));
      const result = await runHandler(await this.#runSettings(row, folders), this.#runDeps(graph), counts);
      lastError =
        counts.deadLettered > 0
          ? `${counts.deadLettered} message(s) went to the dead letters; last error: ${this.#lastDeadError()}`
          : result.warning;
      moreWork = result.moreWork;
    } catch (error) {
      const verdict = explainMailFailure(error, {
        mailbox: config.mailbox,
        accountLabel: `account ${config.accountId} (${row.account_label})`,
        folder: config.folder,
      });
      outcome = verdict instanceof HandlerDelayedError ? "delayed" : "blocked";
      lastError =
        verdict instanceof HandlerBlockedError || verdict instanceof HandlerDelayedError
          ? verdict.message
          : "The run failed unexpectedly; the Worker's log has the details";
      if (!(verdict instanceof HandlerBlockedError || verdict instanceof HandlerDelayedError)) {
        CONSOLE_LOGGER.error("handler.run_failed", {
          handlerId: row.id,
          error: verdict.name,
          message: verdict.message,
        });
      }
    }
    counts.pending = this.#store.pendingCount();
    this.ctx.storage.sql.exec(
      `UPDATE handler SET last_run_at = ?, last_success_at = CASE WHEN ? THEN ? ELSE last_success_at END,
         last_error = ?, last_outcome = ? WHERE id = ?`,
      startedAt,
      outcome === "ok" ? 1 : 0,
      startedAt,
      lastError,
      outcome,
      row.id,
    );
    await this.#scheduleNext({ moreWork });
    const view = await this.#publish({ required: false });
    CONSOLE_LOGGER.info("handler.run", { handlerId: row.id, outcome, ...counts });
    return { found: true, ran: true, counts, status: view.status, lastError };
  }

  async #resolveAndKeep(graph: ReturnType<typeof accountGraphClient>, config: HandlerConfig): Promise<ResolvedFolders> {
    const folders = await resolveHandlerFolders(graph, config);
    this.#store.saveResolvedFolders(folders);
    return folders;
  }

  async #runSettings(row: HandlerRow, folders: ResolvedFolders): Promise<RunSettings> {
    const config = parseConfig(row);
    const keyRing = (await loadSettings(this.env)).keyRing;
    return {
      handlerId: row.id,
      mailbox: config.mailbox,
      mailboxAddress: row.mailbox_address,
      folderId: folders.readId,
      moveToFolderId: folders.moveId,
      onlyUnread: config.onlyUnread,
      afterProcessing: config.afterProcessing,
      includeAttachments: config.includeAttachments,
      maxAttachmentBytes: config.maxAttachmentBytes,
      skipAutoReplies: config.skipAutoReplies,
      webhook: {
        url: config.webhookUrl,
        token: row.webhook_token === null ? null : await openSecret(keyRing, row.webhook_token, tokenContext(row.id)),
      },
    };
  }

  #runDeps(graph: ReturnType<typeof accountGraphClient>): Parameters<typeof runHandler>[1] {
    return {
      graph,
      http: (request) => fetch(request),
      clock: SYSTEM_CLOCK,
      sleep: (ms) => scheduler.wait(ms),
      store: this.#store,
      logger: CONSOLE_LOGGER,
    };
  }

  async #afterProcessQuietly(row: HandlerRow, settings: RunSettings): Promise<void> {
    const graph = accountGraphClient(this.env, await loadSettings(this.env), parseConfig(row).accountId, {
      headers: HANDLER_GRAPH_HEADERS,
    });
    try {
      await afterProcess(settings, this.#runDeps(graph));
    } catch (error) {
      CONSOLE_LOGGER.warn("handler.after_processing_deferred", {
        handlerId: row.id,
        error: error instanceof Error ? error.name : "unknown",
      });
    }
  }

  /**
   * Sets the alarm: at once when the run stopped at a limit, else when the next delivery retry falls
   * due, so retries never wait for the next poll.
   */
  async #scheduleNext(options: { moreWork: boolean }): Promise<void> {
    const next = options.moreWork
      ? Date.now()
      : this.ctx.storage.sql
          .exec<{ at: number | null }>("SELECT min(next_attempt_at) AS at FROM messages WHERE state = 'pending'")
          .one().at;
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
    } else {
      await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
    }
  }

  async #publish(options: { required: boolean }): Promise<HandlerView> {
    const row = this.#row();
    if (row === null) {
      throw new Error("handler was removed during the operation");
    }
    const view = this.#view(row);
    const nextRunAt = (row.last_run_at ?? 0) + view.pollIntervalMinutes * 60_000;
    try {
      await directoryShardOf(this.env, row.id).upsertHandler(view, nextRunAt);
    } catch (error) {
      if (options.required) {
        throw error;
      }
      CONSOLE_LOGGER.error("directory.publish_failed", {
        handlerId: row.id,
        error: error instanceof Error ? error.message : "unknown",
      });
    }
    return view;
  }

  #view(row: HandlerRow): HandlerView {
    const config = parseConfig(row);
    const counts = {
      delivered: this.#count("delivered"),
      skipped: this.#count("skipped"),
      pending: this.#count("pending"),
      deadLettered: this.#count("dead"),
    };
    return {
      id: row.id,
      ...config,
      webhookTokenSet: row.webhook_token !== null,
      status: statusOf(row, config, counts.pending),
      lastRunAt: isoOrNull(row.last_run_at),
      lastSuccessAt: isoOrNull(row.last_success_at),
      lastError: row.last_error,
      counts,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  #row(): HandlerRow | null {
    return this.#hasSchema
      ? (this.ctx.storage.sql.exec<HandlerRow>("SELECT * FROM handler LIMIT 1").toArray()[0] ?? null)
      : null;
  }

  #count(state: "delivered" | "skipped" | "pending" | "dead"): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE state = ?", state).one()
      .n;
  }

  #lastDeadError(): string {
    return (
      this.ctx.storage.sql
        .exec<{ last_error: string | null }>(
          "SELECT last_error FROM messages WHERE state = 'dead' ORDER BY last_attempt_at DESC LIMIT 1",
        )
        .toArray()[0]?.last_error ?? "unknown"
    );
  }

  async #sealToken(handlerId: string, token: string | null): Promise<string | null> {
    return token === null ? null : sealSecret((await loadSettings(this.env)).keyRing, token, tokenContext(handlerId));
  }

  async #erase(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#hasSchema = false;
  }
}

function statusOf(row: HandlerRow, config: HandlerConfig, pending: number): HandlerStatus {
  if (!config.enabled) {
    return "disabled";
  }
  if (row.last_run_at === null) {
    return "idle";
  }
  if (row.last_outcome === "blocked") {
    return "error";
  }
  if (row.last_outcome === "delayed" || pending > 0) {
    return "retrying";
  }
  return row.last_error === null ? "ok" : "error";
}

function parseConfig(row: HandlerRow): HandlerConfig {
  return JSON.parse(row.config) as HandlerConfig;
}

function tokenContext(handlerId: string): { record: string; field: string } {
  return { record: `handler:${handlerId}`, field: "webhookToken" };
}

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

/** The `HandlerStore` over this object's SQLite tables. */
function createStore(sql: SqlStorage): HandlerStore {
  const insert = (
    message: SeenMessage,
    fields: { state: string; skipReason: string | null; afterDue: number; now: number },
  ): void => {
    sql.exec(
      `INSERT INTO messages (message_id, dedupe_key, internet_message_id, conversation_id, subject, sender, received_at,
         state, skip_reason, attempts, next_attempt_at, after_due)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      message.messageId,
      message.dedupeKey,
      message.internetMessageId,
      message.conversationId,
      message.subject,
      message.from,
      message.receivedAt,
      fields.state,
      fields.skipReason,
      fields.state === "pending" ? fields.now : null,
      fields.afterDue,
    );
  };
  return {
    cursor: () =>
      sql.exec<{ cursor: string | null }>("SELECT cursor FROM handler LIMIT 1").toArray()[0]?.cursor ?? null,
    saveCursor: (link) => {
      sql.exec("UPDATE handler SET cursor = ?", link);
    },
    resolvedFolders: () => {
      const row = sql
        .exec<{ read_folder_id: string | null; move_folder_id: string | null }>(
          "SELECT read_folder_id, move_folder_id FROM handler LIMIT 1",
        )
        .toArray()[0];
      return row?.read_folder_id === undefined || row.read_folder_id === null
        ? null
        : { readId: row.read_folder_id, moveId: row.move_folder_id };
    },
    saveResolvedFolders: (folders) => {
      sql.exec("UPDATE handler SET read_folder_id = ?, move_folder_id = ?", folders.readId, folders.moveId);
    },
    isKnown: (messageId) => sql.exec("SELECT 1 FROM messages WHERE message_id = ?", messageId).toArray().length > 0,
    recordPending: (message, payload, { now }) => {
      insert(message, { state: "pending", skipReason: null, afterDue: 0, now });
      for (let part = 0; part * PAYLOAD_PART_CHARS < payload.length; part++) {
        sql.exec(
          "INSERT INTO payloads (message_id, part, data) VALUES (?, ?, ?)",
          message.messageId,
          part,
          payload.slice(part * PAYLOAD_PART_CHARS, (part + 1) * PAYLOAD_PART_CHARS),
        );
      }
    },
    recordSkipped: (message, reason: SkipReason, { now }) => {
      insert(message, { state: "skipped", skipReason: reason, afterDue: 1, now });
    },
    dueDeliveries: (now, limit): DueDelivery[] =>
      sql
        .exec<{ message_id: string; dedupe_key: string; conversation_id: string | null; attempts: number }>(
          `SELECT message_id, dedupe_key, conversation_id, attempts FROM messages
           WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY received_at, message_id LIMIT ?`,
          now,
          limit,
        )
        .toArray()
        .map((row) => ({
          messageId: row.message_id,
          dedupeKey: row.dedupe_key,
          conversationId: row.conversation_id,
          attempts: row.attempts,
        })),
    payload: (messageId) =>
      sql
        .exec<{ data: string }>("SELECT data FROM payloads WHERE message_id = ? ORDER BY part", messageId)
        .toArray()
        .map((row) => row.data)
        .join(""),
    recordDelivered: (messageId, { attempts, now }) => {
      sql.exec(
        `UPDATE messages SET state = 'delivered', attempts = ?, next_attempt_at = NULL, last_error = NULL, last_attempt_at = ?, after_due = 1
         WHERE message_id = ?`,
        attempts,
        now,
        messageId,
      );
      sql.exec("DELETE FROM payloads WHERE message_id = ?", messageId);
    },
    recordRetry: (messageId, { attempts, nextAttemptAt, error, now }) => {
      sql.exec(
        "UPDATE messages SET attempts = ?, next_attempt_at = ?, last_error = ?, last_attempt_at = ? WHERE message_id = ?",
        attempts,
        nextAttemptAt,
        error,
        now,
        messageId,
      );
    },
    recordDeadLetter: (messageId, { attempts, error, now }) => {
      sql.exec(
        "UPDATE messages SET state = 'dead', attempts = ?, next_attempt_at = NULL, last_error = ?, last_attempt_at = ? WHERE message_id = ?",
        attempts,
        error,
        now,
        messageId,
      );
    },
    afterProcessingDue: (limit) =>
      sql
        .exec<{ message_id: string }>(
          "SELECT message_id FROM messages WHERE after_due = 1 ORDER BY received_at LIMIT ?",
          limit,
        )
        .toArray()
        .map((row) => row.message_id),
    recordAfterProcessed: (messageIds) => {
      for (const id of messageIds) {
        sql.exec("UPDATE messages SET after_due = 0 WHERE message_id = ?", id);
      }
    },
    pendingCount: () => sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE state = 'pending'").one().n,
  };
}
