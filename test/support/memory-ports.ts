/**
 * The core's storage ports in memory, for the fast tests that run the token broker and the handler
 * run on any runtime without Durable Objects. They keep the contracts the SQLite tables keep.
 * @module
 */
import type { StatusReason } from "../../src/core/accounts/account.ts";
import type { FailureKind, StoredTokens, TokenSnapshot, TokenVault } from "../../src/core/accounts/token-broker.ts";
import type { PayloadSeal } from "../../src/core/handlers/handler-run.ts";
import type {
  DeltaPaging,
  DeltaPosition,
  DueDelivery,
  HandlerStore,
  ResolvedFolders,
  SeenMessage,
  SkipReason,
} from "../../src/core/handlers/store.ts";

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
  state: "pending" | "delivered" | "skipped" | "dead" | "ignored";
  skipReason: SkipReason | null;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  lastStatus: number | null;
  afterDue: boolean;
  payload: string | null;
}

/** One handler's delta position, messages and outbox. */
export class MemoryHandlerStore implements HandlerStore {
  #position: DeltaPosition | null = null;
  #paging: DeltaPaging | null = null;
  #folders: ResolvedFolders | null = null;
  readonly messages = new Map<string, MemoryMessage>();

  deltaPosition(): DeltaPosition | null {
    return this.#position;
  }

  saveDeltaPosition(position: DeltaPosition | null): void {
    this.#position = position;
  }

  deltaPaging(): DeltaPaging | null {
    return this.#paging;
  }

  saveDeltaPaging(paging: DeltaPaging): void {
    this.#paging = paging;
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

  isDuplicate(dedupeKey: string): boolean {
    return [...this.messages.values()].some(
      (message) => message.dedupeKey === dedupeKey && ["pending", "delivered", "dead"].includes(message.state),
    );
  }

  recordIgnored(message: SeenMessage): void {
    this.#insert(message, { state: "ignored", skipReason: null, nextAttemptAt: null, afterDue: false, payload: null });
  }

  recordSkipped(message: SeenMessage, reason: SkipReason, options: { afterProcessing: boolean }): void {
    this.#insert(message, {
      state: "skipped",
      skipReason: reason,
      nextAttemptAt: null,
      afterDue: options.afterProcessing,
      payload: null,
    });
  }

  recordPending(message: SeenMessage, sealedPayload: string, options: { now: number }): void {
    this.#insert(message, {
      state: "pending",
      skipReason: null,
      nextAttemptAt: options.now,
      afterDue: false,
      payload: sealedPayload,
    });
  }

  recordUnpreparable(message: SeenMessage, options: { error: string }): void {
    this.#insert(message, { state: "dead", skipReason: null, nextAttemptAt: null, afterDue: false, payload: null });
    this.#get(message.messageId).lastError = options.error;
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

  payload(messageId: string): string | null {
    return this.#get(messageId).payload;
  }

  recordDelivered(messageId: string, options: { attempts: number; status: number }): void {
    Object.assign(this.#get(messageId), {
      state: "delivered",
      attempts: options.attempts,
      nextAttemptAt: null,
      lastError: null,
      lastStatus: options.status,
      afterDue: true,
      payload: null,
    });
  }

  recordRetry(
    messageId: string,
    options: { attempts: number; status: number; nextAttemptAt: number; error: string },
  ): void {
    Object.assign(this.#get(messageId), {
      attempts: options.attempts,
      nextAttemptAt: options.nextAttemptAt,
      lastError: options.error,
      lastStatus: options.status,
    });
  }

  recordDeadLetter(messageId: string, options: { attempts: number; status: number; error: string }): void {
    Object.assign(this.#get(messageId), {
      state: "dead",
      attempts: options.attempts,
      nextAttemptAt: null,
      lastError: options.error,
      lastStatus: options.status,
    });
  }

  afterProcessingDue(limit: number): string[] {
    return [...this.messages.values()]
      .filter((message) => message.afterDue)
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
      .slice(0, limit)
      .map((message) => message.messageId);
  }

  oldestAfterProcessingDue(): string | null {
    const due = [...this.messages.values()].filter((message) => message.afterDue).map((message) => message.receivedAt);
    return due.sort()[0] ?? null;
  }

  recordAfterProcessed(messageIds: readonly string[]): void {
    for (const id of messageIds) {
      this.#get(id).afterDue = false;
    }
  }

  pendingCount(): number {
    return [...this.messages.values()].filter((message) => message.state === "pending").length;
  }

  #insert(
    message: SeenMessage,
    fields: Omit<MemoryMessage, keyof SeenMessage | "attempts" | "lastError" | "lastStatus">,
  ): void {
    if (this.messages.has(message.messageId)) {
      throw new Error(`message ${message.messageId} stored twice`);
    }
    this.messages.set(message.messageId, { ...message, ...fields, attempts: 0, lastError: null, lastStatus: null });
  }

  #get(messageId: string): MemoryMessage {
    const message = this.messages.get(messageId);
    if (message === undefined) {
      throw new Error(`no message ${messageId}`);
    }
    return message;
  }
}

/** Payloads as they are: the tests that use it look into the store. */
export const CLEAR_PAYLOADS: PayloadSeal = {
  seal: async (_messageId, payload) => payload,
  open: async (_messageId, sealed) => sealed,
};
