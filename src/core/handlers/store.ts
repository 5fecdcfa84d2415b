/**
 * What a handler remembers between runs: where it is in the folder's delta, every message it has seen
 * (so nothing is posted twice, even after a delta reset), the outbox of deliveries waiting for a retry,
 * the dead letters, and what is left to mark read or move. The Durable Object implements it on SQLite.
 * @module
 */
import type { SkipReason } from "../mail/auto-reply.ts";

export interface SeenMessage {
  messageId: string;
  dedupeKey: string;
  internetMessageId: string | null;
  conversationId: string | null;
  subject: string;
  from: string | null;
  receivedAt: string;
}

export interface DueDelivery {
  messageId: string;
  dedupeKey: string;
  conversationId: string | null;
  attempts: number;
}

export interface ResolvedFolders {
  readId: string;
  moveId: string | null;
}

export interface HandlerStore {
  /** The delta link (or next link of a round in progress) to read from; null to start a new round. */
  cursor(): string | null;
  saveCursor(link: string | null): void;
  resolvedFolders(): ResolvedFolders | null;
  saveResolvedFolders(folders: ResolvedFolders): void;
  isKnown(messageId: string): boolean;
  /** A new message waiting for its first delivery, with the request body to post. */
  recordPending(message: SeenMessage, payload: string, options: { now: number }): void;
  recordSkipped(message: SeenMessage, reason: SkipReason): void;
  /** Up to `limit` pending deliveries whose time has come, oldest mail first. */
  dueDeliveries(now: number, limit: number): DueDelivery[];
  payload(messageId: string): string;
  recordDelivered(messageId: string, options: { attempts: number; now: number }): void;
  recordRetry(
    messageId: string,
    options: { attempts: number; nextAttemptAt: number; error: string; now: number },
  ): void;
  recordDeadLetter(messageId: string, options: { attempts: number; error: string; now: number }): void;
  /** Delivered or skipped messages not yet marked read or moved. */
  afterProcessingDue(limit: number): string[];
  recordAfterProcessed(messageIds: readonly string[]): void;
  pendingCount(): number;
}
