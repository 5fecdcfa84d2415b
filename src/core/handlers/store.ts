/**
 * What a handler remembers between runs: where it is in the folder's delta (and the query that got it
 * there), every message the delta has shown (so nothing is posted twice, even after a delta reset or a
 * partial update), the outbox of sealed payloads waiting for delivery, the dead letters, and what is
 * left to mark read or move. The Durable Object implements it on SQLite (`HandlerTables`); tests have
 * an in-memory one.
 * @module
 */
import type { RuleReason } from "../mail/auto-reply.ts";

/** Why a message was left out: a mail rule, or the same mail (by `dedupeKey`) handled before. */
export type SkipReason = RuleReason | "duplicate";

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

/** The link to read the delta from, and a hash of the query it was started with. */
export interface DeltaPosition {
  link: string;
  queryHash: string;
}

/** The page size delta reads ask for, and how many pages in a row Graph served at that size. */
export interface DeltaPaging {
  size: number;
  streak: number;
}

export interface HandlerStore {
  /** Where the delta round stands, or null to start a new one. */
  deltaPosition(): DeltaPosition | null;
  saveDeltaPosition(position: DeltaPosition | null): void;
  /** The delta page size that Graph last served well, or null before the first page. */
  deltaPaging(): DeltaPaging | null;
  saveDeltaPaging(paging: DeltaPaging): void;
  resolvedFolders(): ResolvedFolders | null;
  saveResolvedFolders(folders: ResolvedFolders): void;

  /** Whether the delta has shown this message before (in any state). */
  isKnown(messageId: string): boolean;
  /** Whether another message with this `dedupeKey` was posted or is waiting to be. */
  isDuplicate(dedupeKey: string): boolean;
  /** Read mail the handler leaves out (`onlyUnread`): remembered, never posted, not counted. */
  recordIgnored(message: SeenMessage, options: { now: number }): void;
  /** Mail a rule left out; `afterProcessing` when it must still be marked read or moved. */
  recordSkipped(message: SeenMessage, reason: SkipReason, options: { afterProcessing: boolean; now: number }): void;
  /** A new message waiting for its first delivery, with its sealed request body. */
  recordPending(message: SeenMessage, sealedPayload: string, options: { now: number }): void;
  /** A message whose payload could not be built: a dead letter without a payload. */
  recordUnpreparable(message: SeenMessage, options: { error: string; now: number }): void;

  /** Up to `limit` pending deliveries whose time has come, oldest mail first. */
  dueDeliveries(now: number, limit: number): DueDelivery[];
  /** The sealed request body of a pending or dead message, or null when it has none. */
  payload(messageId: string): string | null;
  recordDelivered(messageId: string, options: { attempts: number; status: number; now: number }): void;
  recordRetry(
    messageId: string,
    options: { attempts: number; status: number; nextAttemptAt: number; error: string; now: number },
  ): void;
  recordDeadLetter(messageId: string, options: { attempts: number; status: number; error: string; now: number }): void;

  /** Delivered (or skipped, when they follow) messages not yet marked read or moved. */
  afterProcessingDue(limit: number): string[];
  /** `receivedAt` of the oldest message still to mark read or move; null when none is. */
  oldestAfterProcessingDue(): string | null;
  recordAfterProcessed(messageIds: readonly string[]): void;
  pendingCount(): number;
}
