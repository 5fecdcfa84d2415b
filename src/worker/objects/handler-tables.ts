/**
 * The tables of one handler object: its configuration row (webhook token sealed), every message it
 * has seen, the outbox of payloads waiting for delivery, and the dead letters. It implements the
 * core's `HandlerStore`, which a run reads and writes through, plus the queries of the admin API.
 * @module
 */
import * as z from "../../core/zod.ts";
import { readStoredConfig } from "../../core/handlers/handler.ts";
import { HANDLER_MIGRATIONS } from "./handler-schema.ts";
import { Database, sql } from "./sql.ts";
import type { FixPlace } from "../../core/advice.ts";
import type { ActivityItem, DeadLetter, HandlerConfig } from "../../core/handlers/handler.ts";
import type { RunOutcomeKind } from "../../core/handlers/run-verdict.ts";
import type {
  DeltaPaging,
  DeltaPosition,
  DueDelivery,
  HandlerStore,
  ResolvedFolders,
  SeenMessage,
  SkipReason,
} from "../../core/handlers/store.ts";

/** Payloads are stored in parts: a SQLite row holds at most 2 MB. */
const PAYLOAD_PART_CHARS = 500_000;

export interface HandlerRow extends Record<string, SqlStorageValue> {
  id: string;
  config: string;
  webhook_token: string | null;
  mailbox_address: string;
  account_label: string;
  read_folder_id: string | null;
  move_folder_id: string | null;
  cursor: string | null;
  cursor_query: string | null;
  delta_paging: string | null;
  last_run_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  last_outcome: string | null;
  last_error_where: string | null;
  created_at: string;
  updated_at: string;
}

/** The handler row's fields that creating and changing a handler set. */
export interface HandlerRowFields {
  config: HandlerConfig;
  /** Sealed, or null for none. */
  webhookToken: string | null;
  mailboxAddress: string;
  accountLabel: string;
}

/** `ignored`: read mail left out by `onlyUnread`, remembered so that it never comes back. */
export type MessageState = "pending" | "delivered" | "skipped" | "dead" | "ignored";

export interface MessageCounts {
  delivered: number;
  skipped: number;
  pending: number;
  deadLettered: number;
}

interface MessageRow extends Record<string, SqlStorageValue> {
  message_id: string;
  dedupe_key: string;
  internet_message_id: string | null;
  subject: string;
  sender: string | null;
  received_at: string;
  state: string;
  skip_reason: string | null;
  attempts: number;
  last_error: string | null;
  last_attempt_at: number | null;
  last_status: number | null;
  updated_at: number | null;
}

const pagingSchema = z.object({
  size: z.number().check(z.int(), z.positive()),
  streak: z.number().check(z.int(), z.minimum(0)),
});

/** The handler's settings as stored in its row. */
export function storedConfig(row: HandlerRow): HandlerConfig {
  return readStoredConfig(row.config);
}

export class HandlerTables implements HandlerStore {
  readonly #db: Database;
  /**
   * Whether this object has tables yet. An object only gets them when a handler is created, so that
   * a call to an id that names no handler (the cron's dispatch to a deleted one, say) writes nothing.
   */
  #hasSchema: boolean;

  constructor(storage: SqlStorage) {
    this.#db = new Database(storage);
    this.#hasSchema = this.#db.hasTable("handler");
    if (this.#hasSchema) {
      this.#db.migrate(HANDLER_MIGRATIONS);
    }
  }

  // The handler row

  row(): HandlerRow | null {
    return this.#hasSchema ? this.#db.first<HandlerRow>(sql`SELECT * FROM handler LIMIT 1`) : null;
  }

  create(id: string, fields: HandlerRowFields, folders: ResolvedFolders | null, now: string): void {
    this.#db.migrate(HANDLER_MIGRATIONS);
    this.#hasSchema = true;
    this.#db.run(sql`INSERT INTO handler (id, config, webhook_token, mailbox_address, account_label, read_folder_id,
        move_folder_id, created_at, updated_at)
      VALUES (${id}, ${JSON.stringify(fields.config)}, ${fields.webhookToken}, ${fields.mailboxAddress},
        ${fields.accountLabel}, ${folders?.readId ?? null}, ${folders?.moveId ?? null}, ${now}, ${now})`);
  }

  /** Changes the configuration; `folders` undefined keeps the resolved folders, `resetCursor` starts the delta over. */
  update(
    fields: HandlerRowFields,
    options: { folders: ResolvedFolders | null | undefined; resetCursor: boolean; now: string },
  ): void {
    this.#db.run(sql`UPDATE handler SET config = ${JSON.stringify(fields.config)}, webhook_token = ${fields.webhookToken},
      mailbox_address = ${fields.mailboxAddress}, account_label = ${fields.accountLabel}, updated_at = ${options.now}`);
    if (options.folders !== undefined) {
      this.saveResolvedFolders(options.folders);
    }
    if (options.resetCursor) {
      this.saveDeltaPosition(null);
    }
  }

  saveWebhookToken(sealed: string | null): void {
    this.#db.run(sql`UPDATE handler SET webhook_token = ${sealed}`);
  }

  /** `succeeded`: the run ended well and failed no delivery; only then does `last_success_at` move. */
  recordRun(run: {
    startedAt: number;
    outcome: RunOutcomeKind;
    lastError: string | null;
    where: FixPlace | null;
    succeeded: boolean;
  }): void {
    this.#db.run(sql`UPDATE handler SET last_run_at = ${run.startedAt},
      last_success_at = CASE WHEN ${run.succeeded ? 1 : 0} THEN ${run.startedAt} ELSE last_success_at END,
      last_error = ${run.lastError}, last_error_where = ${run.where}, last_outcome = ${run.outcome},
      failed_runs = CASE WHEN ${run.outcome === "ok" ? 1 : 0} THEN 0 ELSE failed_runs + 1 END`);
  }

  /** Runs in a row that did not end well (0 after a good one). */
  failedRuns(): number {
    return this.#db.first<{ failed_runs: number }>(sql`SELECT failed_runs FROM handler LIMIT 1`)?.failed_runs ?? 0;
  }

  /** The last check's report (JSON), kept so that its page can be shown again without checking again. */
  saveLastCheck(report: string): void {
    this.#db.run(sql`UPDATE handler SET last_check = ${report}`);
  }

  lastCheck(): string | null {
    return (
      this.#db.first<{ last_check: string | null }>(sql`SELECT last_check FROM handler LIMIT 1`)?.last_check ?? null
    );
  }

  clearLastError(): void {
    this.#db.run(sql`UPDATE handler SET last_error = NULL, last_error_where = NULL`);
  }

  /** Forgets that the object has tables; the object deletes its storage. */
  forget(): void {
    this.#hasSchema = false;
  }

  // The store a run uses

  deltaPosition(): DeltaPosition | null {
    const row = this.#db.first<{ cursor: string | null; cursor_query: string | null }>(
      sql`SELECT cursor, cursor_query FROM handler LIMIT 1`,
    );
    // A cursor stored before queries were hashed has no hash: it belongs to no known query.
    return row?.cursor === null || row === null ? null : { link: row.cursor, queryHash: row.cursor_query ?? "" };
  }

  saveDeltaPosition(position: DeltaPosition | null): void {
    this.#db.run(
      sql`UPDATE handler SET cursor = ${position?.link ?? null}, cursor_query = ${position?.queryHash ?? null}`,
    );
  }

  deltaPaging(): DeltaPaging | null {
    const text = this.#db.first<{ delta_paging: string | null }>(
      sql`SELECT delta_paging FROM handler LIMIT 1`,
    )?.delta_paging;
    const parsed = text === null || text === undefined ? null : pagingSchema.safeParse(JSON.parse(text));
    return parsed?.success === true ? parsed.data : null;
  }

  saveDeltaPaging(paging: DeltaPaging): void {
    this.#db.run(sql`UPDATE handler SET delta_paging = ${JSON.stringify(paging)}`);
  }

  resolvedFolders(): ResolvedFolders | null {
    const row = this.#db.first<{ read_folder_id: string | null; move_folder_id: string | null }>(
      sql`SELECT read_folder_id, move_folder_id FROM handler LIMIT 1`,
    );
    return row === null || row.read_folder_id === null
      ? null
      : { readId: row.read_folder_id, moveId: row.move_folder_id };
  }

  saveResolvedFolders(folders: ResolvedFolders | null): void {
    this.#db.run(
      sql`UPDATE handler SET read_folder_id = ${folders?.readId ?? null}, move_folder_id = ${folders?.moveId ?? null}`,
    );
  }

  isKnown(messageId: string): boolean {
    return (
      this.#db.first(sql`SELECT 1 AS known FROM messages WHERE message_id = ${messageId}`) !== null ||
      this.#db.first(sql`SELECT 1 AS known FROM seen WHERE message_hash = ${compactHash(messageId)}`) !== null
    );
  }

  isDuplicate(dedupeKey: string): boolean {
    return (
      this.#db.first(sql`SELECT 1 AS found FROM messages
        WHERE dedupe_key = ${dedupeKey} AND state IN ('pending', 'delivered', 'dead') LIMIT 1`) !== null ||
      this.#db.first(sql`SELECT 1 AS found FROM seen WHERE key_hash = ${compactHash(dedupeKey)} LIMIT 1`) !== null
    );
  }

  recordIgnored(message: SeenMessage, options: { now: number }): void {
    this.#insertMessage(message, {
      state: "ignored",
      skipReason: null,
      afterDue: 0,
      nextAttemptAt: null,
      now: options.now,
    });
  }

  recordSkipped(message: SeenMessage, reason: SkipReason, options: { afterProcessing: boolean; now: number }): void {
    this.#insertMessage(message, {
      state: "skipped",
      skipReason: reason,
      afterDue: options.afterProcessing ? 1 : 0,
      nextAttemptAt: null,
      now: options.now,
    });
  }

  recordPending(message: SeenMessage, sealedPayload: string, options: { now: number }): void {
    this.#insertMessage(message, {
      state: "pending",
      skipReason: null,
      afterDue: 0,
      nextAttemptAt: options.now,
      now: options.now,
    });
    for (let part = 0; part * PAYLOAD_PART_CHARS < sealedPayload.length; part++) {
      const data = sealedPayload.slice(part * PAYLOAD_PART_CHARS, (part + 1) * PAYLOAD_PART_CHARS);
      this.#db.run(sql`INSERT INTO payloads (message_id, part, data) VALUES (${message.messageId}, ${part}, ${data})`);
    }
  }

  recordUnpreparable(message: SeenMessage, options: { error: string; now: number }): void {
    this.#insertMessage(message, {
      state: "dead",
      skipReason: null,
      afterDue: 0,
      nextAttemptAt: null,
      now: options.now,
    });
    this.#db.run(sql`UPDATE messages SET last_error = ${options.error}, last_attempt_at = ${options.now}
      WHERE message_id = ${message.messageId}`);
  }

  dueDeliveries(now: number, limit: number): DueDelivery[] {
    return this.#db
      .all<{ message_id: string; dedupe_key: string; conversation_id: string | null; attempts: number }>(
        sql`SELECT message_id, dedupe_key, conversation_id, attempts FROM messages
          WHERE state = 'pending' AND next_attempt_at <= ${now} ORDER BY received_at, message_id LIMIT ${limit}`,
      )
      .map((row) => ({
        messageId: row.message_id,
        dedupeKey: row.dedupe_key,
        conversationId: row.conversation_id,
        attempts: row.attempts,
      }));
  }

  payload(messageId: string): string | null {
    const parts = this.#db
      .all<{ data: string }>(sql`SELECT data FROM payloads WHERE message_id = ${messageId} ORDER BY part`)
      .map((row) => row.data);
    return parts.length === 0 ? null : parts.join("");
  }

  recordDelivered(messageId: string, options: { attempts: number; status: number; now: number }): void {
    this.#db.run(sql`UPDATE messages SET state = 'delivered', attempts = ${options.attempts}, next_attempt_at = NULL,
      last_error = NULL, last_attempt_at = ${options.now}, last_status = ${options.status}, updated_at = ${options.now},
      after_due = 1 WHERE message_id = ${messageId}`);
    this.#db.run(sql`DELETE FROM payloads WHERE message_id = ${messageId}`);
  }

  recordRetry(
    messageId: string,
    options: { attempts: number; status: number; nextAttemptAt: number; error: string; now: number },
  ): void {
    this.#db.run(sql`UPDATE messages SET attempts = ${options.attempts}, next_attempt_at = ${options.nextAttemptAt},
      last_error = ${options.error}, last_attempt_at = ${options.now}, last_status = ${options.status},
      updated_at = ${options.now} WHERE message_id = ${messageId}`);
  }

  recordDeadLetter(messageId: string, options: { attempts: number; status: number; error: string; now: number }): void {
    this.#db.run(sql`UPDATE messages SET state = 'dead', attempts = ${options.attempts}, next_attempt_at = NULL,
      last_error = ${options.error}, last_attempt_at = ${options.now}, last_status = ${options.status},
      updated_at = ${options.now} WHERE message_id = ${messageId}`);
  }

  afterProcessingDue(limit: number): string[] {
    return this.#db
      .all<{ message_id: string }>(
        sql`SELECT message_id FROM messages WHERE after_due = 1 ORDER BY received_at LIMIT ${limit}`,
      )
      .map((row) => row.message_id);
  }

  oldestAfterProcessingDue(): string | null {
    return (
      this.#db.first<{ received_at: string }>(
        sql`SELECT received_at FROM messages WHERE after_due = 1 ORDER BY received_at LIMIT 1`,
      )?.received_at ?? null
    );
  }

  recordAfterProcessed(messageIds: readonly string[]): void {
    for (const id of messageIds) {
      this.#db.run(sql`UPDATE messages SET after_due = 0 WHERE message_id = ${id}`);
    }
  }

  pendingCount(): number {
    return this.#count("pending");
  }

  // What the admin API and the object's scheduling ask

  counts(): MessageCounts {
    const compacted = this.#db.first<{ compacted_delivered: number; compacted_skipped: number }>(
      sql`SELECT compacted_delivered, compacted_skipped FROM handler LIMIT 1`,
    );
    return {
      delivered: this.#count("delivered") + (compacted?.compacted_delivered ?? 0),
      skipped: this.#count("skipped") + (compacted?.compacted_skipped ?? 0),
      pending: this.#count("pending"),
      deadLettered: this.#count("dead"),
    };
  }

  deadLetters(): DeadLetter[] {
    return this.#db
      .all<MessageRow>(sql`SELECT * FROM messages WHERE state = 'dead' ORDER BY received_at`)
      .map((row) => ({
        ...messageSummary(row),
        attempts: row.attempts,
        lastError: row.last_error ?? "",
        lastAttemptAt: new Date(row.last_attempt_at ?? 0).toISOString(),
      }));
  }

  /** What happened to the latest `limit` messages (read mail left out by `onlyUnread` aside), newest first. */
  activity(limit: number): ActivityItem[] {
    return this.#db
      .all<MessageRow>(sql`SELECT * FROM messages WHERE state != 'ignored'
        ORDER BY COALESCE(updated_at, last_attempt_at, 0) DESC, received_at DESC LIMIT ${limit}`)
      .map((row) => ({
        ...messageSummary(row),
        outcome: row.state as ActivityItem["outcome"],
        reason: row.state === "skipped" ? row.skip_reason : row.state === "delivered" ? null : row.last_error,
        attempts: row.attempts,
        lastStatus: row.last_status,
        at: new Date(row.updated_at ?? row.last_attempt_at ?? 0).toISOString(),
      }));
  }

  /** A dead letter's key and attempts so far, or null when there is no such dead letter. */
  deadLetter(messageId: string): { dedupeKey: string; attempts: number } | null {
    const row = this.#db.first<{ dedupe_key: string; attempts: number }>(
      sql`SELECT dedupe_key, attempts FROM messages WHERE message_id = ${messageId} AND state = 'dead'`,
    );
    return row === null ? null : { dedupeKey: row.dedupe_key, attempts: row.attempts };
  }

  /** One more failed attempt of a dead letter: it stays dead, `attempts` counts on. */
  recordDeadLetterAttempt(messageId: string, options: { error: string; status: number; now: number }): void {
    this.#db.run(sql`UPDATE messages SET attempts = attempts + 1, last_error = ${options.error},
      last_attempt_at = ${options.now}, last_status = ${options.status}, updated_at = ${options.now}
      WHERE message_id = ${messageId}`);
  }

  lastDeadLetterError(): string | null {
    return (
      this.#db.first<{ last_error: string | null }>(
        sql`SELECT last_error FROM messages WHERE state = 'dead' ORDER BY last_attempt_at DESC LIMIT 1`,
      )?.last_error ?? null
    );
  }

  /** When the earliest waiting delivery falls due, or null when none waits. */
  nextRetryAt(): number | null {
    return (
      this.#db.first<{ at: number | null }>(
        sql`SELECT min(next_attempt_at) AS at FROM messages WHERE state = 'pending'`,
      )?.at ?? null
    );
  }

  /**
   * Forgets up to `limit` handled messages last changed before `before` (delivered, skipped, or read
   * mail left out), keeping only hashes of their id and dedupe key: enough that a delta reset never
   * posts them again, without their subject or sender. Outbox and dead letters stay whole. Returns how
   * many were compacted.
   */
  compact(options: { before: number; limit: number }): number {
    const rows = this.#db.all<{ message_id: string; dedupe_key: string; state: string }>(
      sql`SELECT message_id, dedupe_key, state FROM messages
        WHERE state IN ('delivered', 'skipped', 'ignored') AND after_due = 0
          AND COALESCE(updated_at, last_attempt_at, 0) < ${options.before} LIMIT ${options.limit}`,
    );
    for (const row of rows) {
      // A delivered message's key still marks later copies of the same mail as duplicates; others' keys do not.
      const keyHash = row.state === "delivered" ? compactHash(row.dedupe_key) : compactHash(`-${row.message_id}`);
      this.#db.run(
        sql`INSERT OR IGNORE INTO seen (message_hash, key_hash) VALUES (${compactHash(row.message_id)}, ${keyHash})`,
      );
      this.#db.run(sql`DELETE FROM messages WHERE message_id = ${row.message_id}`);
    }
    const delivered = rows.filter((row) => row.state === "delivered").length;
    const skipped = rows.filter((row) => row.state === "skipped").length;
    this.#db.run(sql`UPDATE handler SET compacted_delivered = compacted_delivered + ${delivered},
      compacted_skipped = compacted_skipped + ${skipped}`);
    return rows.length;
  }

  #count(state: MessageState): number {
    return this.#db.count(sql`SELECT count(*) AS n FROM messages WHERE state = ${state}`);
  }

  #insertMessage(
    message: SeenMessage,
    fields: {
      state: MessageState;
      skipReason: string | null;
      afterDue: number;
      nextAttemptAt: number | null;
      now: number;
    },
  ): void {
    this.#db.run(sql`INSERT INTO messages (message_id, dedupe_key, internet_message_id, conversation_id, subject, sender,
        received_at, state, skip_reason, attempts, next_attempt_at, after_due, updated_at)
      VALUES (${message.messageId}, ${message.dedupeKey}, ${message.internetMessageId}, ${message.conversationId},
        ${message.subject}, ${message.from}, ${message.receivedAt}, ${fields.state}, ${fields.skipReason}, 0,
        ${fields.nextAttemptAt}, ${fields.afterDue}, ${fields.now})`);
  }
}

/** What the dead letters and the activity show of a message. */
function messageSummary(
  row: MessageRow,
): Pick<DeadLetter, "messageId" | "internetMessageId" | "subject" | "from" | "receivedAt"> {
  return {
    messageId: row.message_id,
    internetMessageId: row.internet_message_id,
    subject: row.subject,
    from: row.sender,
    receivedAt: row.received_at,
  };
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/**
 * FNV-1a, 64 bits, as an 8-byte blob. Synchronous (storage calls are), and with 64 bits two of a
 * handler's messages share a hash only after billions of them.
 */
function compactHash(text: string): ArrayBuffer {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * FNV_PRIME);
  }
  const bytes = new ArrayBuffer(8);
  new DataView(bytes).setBigUint64(0, hash);
  return bytes;
}
