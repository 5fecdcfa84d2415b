/**
 * The core's storage ports in memory, for the fast tests that run the token broker and the handler
 * run on any runtime without Durable Objects. They keep the contracts the SQLite tables keep.
 * @module
 */
import type { StatusReason } from "../../src/core/accounts/account.ts";
import type { FailureKind, StoredTokens, TokenSnapshot, TokenVault } from "../../src/core/accounts/token-broker.ts";
import type { DueDelivery, HandlerStore, ResolvedFolders, SeenMessage } from "../../src/core/handlers/store.ts";
import type { SkipReason } from "../../src/core/mail/auto-reply.ts";

/** One account's tokens and health. */
export class MemoryTokenVault implements TokenVault {
  #snapshot: TokenSnapshot | null;
  /** How many times tokens were written, for tests that count rotations. */
  writes = 0;

  constructor(initial: { credentialId: string; tokens: Omit<StoredTokens, "version"> }) {
    this.#snapshot = {
      credentialId: initial.credentialId,
      tokens: { ...initial.tokens, version: 1 },
      health: {
        status: "connected",
        statusReason: null,
        consecutiveFailures: 0,
        lastFailure: null,
        retryNotBefore: null,
        failedCredentialVersion: null,
      },
    };
  }

  async read(): Promise<TokenSnapshot | null> {
    return this.#snapshot === null ? null : structuredClone(this.#snapshot);
  }

  async saveRefreshed(tokens: Omit<StoredTokens, "version">): Promise<StoredTokens> {
    const snapshot = this.#require();
    const stored = { ...tokens, version: snapshot.tokens.version + 1 };
    snapshot.tokens = stored;
    snapshot.health = {
      ...snapshot.health,
      consecutiveFailures: 0,
      lastFailure: null,
      retryNotBefore: null,
      failedCredentialVersion: null,
    };
    this.writes++;
    return { ...stored };
  }

  /** When forced refreshes were counted, oldest first. */
  #forced: number[] = [];

  async takeForcedRefresh(
    now: number,
    budget: { limit: number; windowMs: number },
  ): Promise<{ waitMs: number } | null> {
    this.#forced = this.#forced.filter((at) => at > now - budget.windowMs);
    const oldest = this.#forced[0];
    if (this.#forced.length >= budget.limit && oldest !== undefined) {
      return { waitMs: oldest + budget.windowMs - now };
    }
    this.#forced.push(now);
    return null;
  }

  async markReauthRequired(reason: StatusReason): Promise<void> {
    const snapshot = this.#require();
    snapshot.health = { ...snapshot.health, status: "reauth_required", statusReason: reason };
  }

  async recordFailure(failure: {
    reason: StatusReason;
    kind: FailureKind;
    retryNotBefore: number;
    credentialVersion: string | null;
  }): Promise<void> {
    const snapshot = this.#require();
    snapshot.health = {
      ...snapshot.health,
      consecutiveFailures: snapshot.health.consecutiveFailures + 1,
      lastFailure: { ...failure.reason, kind: failure.kind },
      retryNotBefore: failure.retryNotBefore,
      failedCredentialVersion: failure.credentialVersion,
    };
  }

  #require(): TokenSnapshot {
    if (this.#snapshot === null) {
      throw new Error("no account");
    }
    return this.#snapshot;
  }
}

interface MemoryMessage extends SeenMessage {
  state: "pending" | "delivered" | "skipped" | "dead";
  skipReason: SkipReason | null;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  afterDue: boolean;
  payload: string | null;
}

/** One handler's cursor, messages and outbox. */
export class MemoryHandlerStore implements HandlerStore {
  #cursor: string | null = null;
  #folders: ResolvedFolders | null = null;
  readonly messages = new Map<string, MemoryMessage>();

  cursor(): string | null {
    return this.#cursor;
  }

  saveCursor(link: string | null): void {
    this.#cursor = link;
  }

  resolvedFolders(): ResolvedFolders | null {
    return this.#folders;
  }

  saveResolvedFolders(folders: ResolvedFolders): void {
    this.#folders = folders;
  }

  isKnown(messageId: string): boolean {
    return this.messages.has(messageId);
  }

  recordPending(message: SeenMessage, payload: string, options: { now: number }): void {
    this.#insert(message, { state: "pending", skipReason: null, nextAttemptAt: options.now, afterDue: false, payload });
  }

  recordSkipped(message: SeenMessage, reason: SkipReason): void {
    this.#insert(message, { state: "skipped", skipReason: reason, nextAttemptAt: null, afterDue: true, payload: null });
  }

  dueDeliveries(now: number, limit: number): DueDelivery[] {
    return [...this.messages.values()]
      .filter((message) => message.state === "pending" && (message.nextAttemptAt ?? Infinity) <= now)
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.messageId.localeCompare(b.messageId))
      .slice(0, limit)
      .map((message) => ({
        messageId: message.messageId,
        dedupeKey: message.dedupeKey,
        conversationId: message.conversationId,
        attempts: message.attempts,
      }));
  }

  payload(messageId: string): string {
    return this.#get(messageId).payload ?? "";
  }

  recordDelivered(messageId: string, options: { attempts: number; now: number }): void {
    Object.assign(this.#get(messageId), {
      state: "delivered",
      attempts: options.attempts,
      nextAttemptAt: null,
      lastError: null,
      afterDue: true,
      payload: null,
    });
  }

  recordRetry(messageId: string, options: { attempts: number; nextAttemptAt: number; error: string }): void {
    Object.assign(this.#get(messageId), {
      attempts: options.attempts,
      nextAttemptAt: options.nextAttemptAt,
      lastError: options.error,
    });
  }

  recordDeadLetter(messageId: string, options: { attempts: number; error: string }): void {
    Object.assign(this.#get(messageId), {
      state: "dead",
      attempts: options.attempts,
      nextAttemptAt: null,
      lastError: options.error,
    });
  }

  afterProcessingDue(limit: number): string[] {
    return [...this.messages.values()]
      .filter((message) => message.afterDue)
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
      .slice(0, limit)
      .map((message) => message.messageId);
  }

  recordAfterProcessed(messageIds: readonly string[]): void {
    for (const id of messageIds) {
      this.#get(id).afterDue = false;
    }
  }

  pendingCount(): number {
    return [...this.messages.values()].filter((message) => message.state === "pending").length;
  }

  #insert(message: SeenMessage, fields: Omit<MemoryMessage, keyof SeenMessage | "attempts" | "lastError">): void {
    if (this.messages.has(message.messageId)) {
      throw new Error(`message ${message.messageId} stored twice`);
    }
    this.messages.set(message.messageId, { ...message, ...fields, attempts: 0, lastError: null });
  }

  #get(messageId: string): MemoryMessage {
    const message = this.messages.get(messageId);
    if (message === undefined) {
      throw new Error(`no message ${messageId}`);
    }
    return message;
  }
}
