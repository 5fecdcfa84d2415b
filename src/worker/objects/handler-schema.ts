/**
 * The handler object's SQLite schema, as the migrations that build it in order, each with a line
 * saying what it is for. `HandlerTables` applies them; `docs/storage.md` describes the tables. A new
 * column is one more entry at the end: entries already applied never change.
 * @module
 */
import type { Migration } from "./sql.ts";

export const HANDLER_MIGRATIONS: readonly Migration[] = [
  {
    description: "the handler's own row: configuration, sealed webhook token, folders, cursor and last run",
    statement: `CREATE TABLE handler (
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
  },
  {
    description: "every message the handler has seen, with its delivery state",
    statement: `CREATE TABLE messages (
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
  },
  {
    description: "finds due deliveries and counts per state",
    statement: "CREATE INDEX messages_by_state ON messages (state, next_attempt_at)",
  },
  {
    description: "finds messages still to mark read or move",
    statement: "CREATE INDEX messages_after_due ON messages (after_due)",
  },
  {
    description: "payloads waiting for delivery, in parts (a row holds at most 2 MB)",
    statement: `CREATE TABLE payloads (
      message_id TEXT NOT NULL,
      part INTEGER NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (message_id, part)
    )`,
  },
  {
    description: "when a message last changed, for the activity list",
    statement: "ALTER TABLE messages ADD COLUMN updated_at INTEGER",
  },
  {
    description: "the webhook's HTTP status at the last attempt (0 when it did not answer)",
    statement: "ALTER TABLE messages ADD COLUMN last_status INTEGER",
  },
  {
    description: "finds another message with the same dedupe key",
    statement: "CREATE INDEX messages_by_dedupe_key ON messages (dedupe_key)",
  },
  {
    description: "lists the activity, newest first",
    statement: "CREATE INDEX messages_by_update ON messages (updated_at)",
  },
  {
    description: "the hash of the delta query the stored cursor belongs to",
    statement: "ALTER TABLE handler ADD COLUMN cursor_query TEXT",
  },
  {
    description: "the delta page size Graph serves, and the pages served in a row at it (JSON)",
    statement: "ALTER TABLE handler ADD COLUMN delta_paging TEXT",
  },
  {
    description: "runs in a row that did not end well, for the alarm's backoff",
    statement: "ALTER TABLE handler ADD COLUMN failed_runs INTEGER NOT NULL DEFAULT 0",
  },
  {
    description: "messages past their retention, kept only as hashes of their id and dedupe key",
    statement: "CREATE TABLE seen (message_hash BLOB PRIMARY KEY, key_hash BLOB NOT NULL) WITHOUT ROWID",
  },
  {
    description: "finds a compacted message by its dedupe key",
    statement: "CREATE INDEX seen_by_key ON seen (key_hash)",
  },
  {
    description: "delivered messages compacted away, so the lifetime counts stay whole",
    statement: "ALTER TABLE handler ADD COLUMN compacted_delivered INTEGER NOT NULL DEFAULT 0",
  },
  {
    description: "skipped messages compacted away",
    statement: "ALTER TABLE handler ADD COLUMN compacted_skipped INTEGER NOT NULL DEFAULT 0",
  },
  {
    description: "where the administrator fixes the last error (account, credential, handler, …)",
    statement: "ALTER TABLE handler ADD COLUMN last_error_where TEXT",
  },
  {
    description: "finds what is left to mark read or move, oldest first, without sorting",
    statement: "CREATE INDEX messages_after_due_by_age ON messages (after_due, received_at)",
  },
  {
    description: "the last check's report, shown again when its page is reloaded",
    statement: "ALTER TABLE handler ADD COLUMN last_check TEXT",
  },
];
