/**
 * Taking a delta page in. Every message the delta shows is remembered, whatever happens to it: read
 * mail that `onlyUnread` leaves out is recorded as ignored (so a later flag or mark-unread does not
 * bring it back), a second mail with the `dedupeKey` of one already handled is skipped as `duplicate`,
 * mail a rule matches is skipped with its reason, and the rest is admitted: its attachments read, its
 * payload built, sealed and stored for delivery. An update the delta sends in part (only the changed
 * properties) is never judged from those parts: an unknown message is read in full first, in batches.
 * Each message is handled inside its own error boundary, so one bad message never stops the others.
 * @module
 */
import { mayHaveAttachments, readAttachments } from "../mail/attachments.ts";
import { ruleReason } from "../mail/auto-reply.ts";
import { mailboxPath } from "../mail/folder-lookup.ts";
import { MESSAGE_SELECT, parseMessageItem } from "../mail/graph-message.ts";
import { hasOwnMarker } from "../mail/sent-marker.ts";
import { BATCH_LIMIT, isRetryableStatus, sendBatchRetrying } from "../microsoft/graph-batch.ts";
import { buildPayload, dedupeKeyOf } from "../jira/payload.ts";
import { IMMUTABLE_IDS } from "./delta-reader.ts";
import type { MailMessage } from "../mail/message.ts";
import type { PayloadAttachment } from "../jira/payload.ts";
import type { RunCounts } from "./handler.ts";
import type { RunDeps, RunSettings } from "./handler-run.ts";
import type { SeenMessage } from "./store.ts";

/** How a page went: `complete` when every message on it is recorded for good. */
export interface PageAdmission {
  complete: boolean;
  /** Seconds Graph asked to wait before the page is read again, when a message could not be read now. */
  retryAfterSeconds: number | null;
}

/** A message accepted for delivery, waiting for its attachments. */
interface Admitted {
  message: MailMessage;
  seen: SeenMessage;
}

export async function admitPage(
  items: readonly unknown[],
  settings: RunSettings,
  deps: RunDeps,
  counts: RunCounts,
): Promise<PageAdmission> {
  const { store, logger } = deps;
  const complete: MailMessage[] = [];
  const partial: string[] = [];
  for (const raw of items) {
    const item = parseMessageItem(raw);
    if (item.kind === "invalid") {
      logger.warn("handler.invalid_item", { handlerId: settings.handlerId, messageId: item.id, problem: item.problem });
      if (item.id !== null && !store.isKnown(item.id)) {
        // Listed with the reason, so a person sees it; an item without an id cannot even be named.
        unpreparable(await unreadableSeen(item.id, raw), new Error(item.problem), settings, deps, counts);
      }
    } else if (item.kind === "complete" && !store.isKnown(item.message.id)) {
      complete.push(item.message);
    } else if (item.kind === "partial" && !store.isKnown(item.id)) {
      partial.push(item.id);
    }
  }
  const fullRead = await readInFull(partial, settings, deps);
  complete.push(...fullRead.messages);
  const admitted = await judge(complete, settings, deps, counts);
  const delivered = await prepare(admitted, settings, deps, counts);
  return {
    complete: fullRead.complete && delivered.complete,
    retryAfterSeconds: fullRead.retryAfterSeconds ?? delivered.retryAfterSeconds,
  };
}

/** Reads unknown messages the delta sent only in part, 20 per `$batch`. */
async function readInFull(
  ids: readonly string[],
  settings: RunSettings,
  deps: RunDeps,
): Promise<{ messages: MailMessage[]; complete: boolean; retryAfterSeconds: number | null }> {
  const messages: MailMessage[] = [];
  let complete = true;
  let retryAfterSeconds: number | null = null;
  const base = mailboxPath(settings.mailbox);
  for (let start = 0; start < ids.length; start += BATCH_LIMIT) {
    const chunk = ids.slice(start, start + BATCH_LIMIT);
    const results = await sendBatchRetrying(
      deps.graph,
      chunk.map((id) => ({
        method: "GET",
        url: `${base}/messages/${encodeURIComponent(id)}?$select=${MESSAGE_SELECT.join(",")}`,
      })),
      { prefer: IMMUTABLE_IDS, sleep: deps.sleep },
    );
    for (const [index, result] of results.entries()) {
      const id = chunk[index] ?? "";
      if (result.status >= 200 && result.status < 300) {
        const item = parseMessageItem(result.body);
        if (item.kind === "complete") {
          messages.push(item.message);
        } else {
          deps.logger.warn("handler.unreadable_message", {
            handlerId: settings.handlerId,
            messageId: id,
            kind: item.kind,
          });
        }
      } else if (isRetryableStatus(result.status)) {
        complete = false;
        retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, result.retryAfterSeconds ?? 0);
      }
      // Anything else (404: deleted or moved away since) has nothing left to post.
    }
  }
  return { messages, complete, retryAfterSeconds: complete ? null : retryAfterSeconds };
}

/** Decides each message: ignored (read), skipped (duplicate or a rule) or admitted. */
async function judge(
  messages: readonly MailMessage[],
  settings: RunSettings,
  deps: RunDeps,
  counts: RunCounts,
): Promise<Admitted[]> {
  const { store, clock } = deps;
  const admitted: Admitted[] = [];
  const keysOnPage = new Set<string>();
  for (const message of messages) {
    const seen = await seenOf(message);
    try {
      const now = clock.now();
      if (settings.onlyUnread && message.isRead) {
        store.recordIgnored(seen, { now });
        continue;
      }
      counts.fetched++;
      const skip = { afterProcessing: settings.afterProcessingSkipped === "same", now };
      if (keysOnPage.has(seen.dedupeKey) || store.isDuplicate(seen.dedupeKey)) {
        store.recordSkipped(seen, "duplicate", skip);
        counts.skipped++;
        continue;
      }
      keysOnPage.add(seen.dedupeKey);
      const reason =
        settings.skipRules.size === 0
          ? null
          : ruleReason(message, {
              rules: settings.skipRules,
              ownMail: settings.skipRules.has("own_mail") && (await hasOwnMarker(settings.markerKeys, message)),
            });
      if (reason !== null) {
        store.recordSkipped(seen, reason, skip);
        counts.skipped++;
        continue;
      }
      admitted.push({ message, seen });
    } catch (error) {
      unpreparable(seen, error, settings, deps, counts);
    }
  }
  return admitted;
}

/** Reads the admitted messages' attachments (batched), then builds, seals and stores each payload. */
async function prepare(
  admitted: readonly Admitted[],
  settings: RunSettings,
  deps: RunDeps,
  counts: RunCounts,
): Promise<{ complete: boolean; retryAfterSeconds: number | null }> {
  const byId = new Map(admitted.map((entry) => [entry.message.id, entry]));
  const withFiles = settings.includeAttachments ? admitted.filter((entry) => mayHaveAttachments(entry.message)) : [];
  for (const entry of admitted.filter((candidate) => !withFiles.includes(candidate))) {
    await store(entry, [], settings, deps, counts);
  }
  let complete = true;
  let retryAfterSeconds = 0;
  const results = readAttachments(
    deps.graph,
    mailboxPath(settings.mailbox),
    withFiles.map((entry) => ({ messageId: entry.message.id, maxBytes: settings.maxAttachmentBytes })),
    { prefer: IMMUTABLE_IDS, sleep: deps.sleep },
  );
  for await (const result of results) {
    const entry = byId.get(result.messageId);
    if (entry === undefined) {
      continue;
    }
    if (result.ok) {
      await store(entry, result.attachments, settings, deps, counts);
    } else {
      // Left unrecorded: the page is read again later and the message admitted then.
      complete = false;
      retryAfterSeconds = Math.max(retryAfterSeconds, result.retryAfterSeconds ?? 0);
    }
  }
  return { complete, retryAfterSeconds: complete ? null : retryAfterSeconds };
}

async function store(
  entry: Admitted,
  attachments: PayloadAttachment[],
  settings: RunSettings,
  deps: RunDeps,
  counts: RunCounts,
): Promise<void> {
  try {
    const payload = buildPayload(entry.message, attachments, {
      handlerId: settings.handlerId,
      mailbox: settings.mailboxAddress,
      dedupeKey: entry.seen.dedupeKey,
    });
    const sealed = await deps.payloads.seal(entry.message.id, JSON.stringify(payload));
    deps.store.recordPending(entry.seen, sealed, { now: deps.clock.now() });
  } catch (error) {
    unpreparable(entry.seen, error, settings, deps, counts);
  }
}

/** A message whose payload cannot be built goes to the dead letters with the reason. */
function unpreparable(
  seen: SeenMessage,
  error: unknown,
  settings: RunSettings,
  deps: RunDeps,
  counts: RunCounts,
): void {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  deps.store.recordUnpreparable(seen, {
    error: `could not be prepared for the webhook (${reason})`,
    now: deps.clock.now(),
  });
  counts.deadLettered++;
  deps.logger.error("handler.unpreparable", {
    handlerId: settings.handlerId,
    messageId: seen.messageId,
    error: reason,
  });
}

/** What can be said of an item Graph sent that edgepost cannot read: its id, and its subject if it has one. */
async function unreadableSeen(id: string, raw: unknown): Promise<SeenMessage> {
  const subject = (raw as { subject?: unknown }).subject;
  return {
    messageId: id,
    dedupeKey: await dedupeKeyOf({ id, internetMessageId: null }),
    internetMessageId: null,
    conversationId: null,
    subject: typeof subject === "string" ? subject : "",
    from: null,
    receivedAt: "",
  };
}

async function seenOf(message: MailMessage): Promise<SeenMessage> {
  return {
    messageId: message.id,
    dedupeKey: await dedupeKeyOf(message),
    internetMessageId: message.internetMessageId,
    conversationId: message.conversationId,
    subject: message.subject,
    from: message.from?.address ?? null,
    receivedAt: message.receivedAt,
  };
}
