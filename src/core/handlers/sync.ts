/**
 * One run of a mail handler: read what is new in the folder through Graph's delta query, post each
 * message to the webhook (or skip it by rule), retry what is due, then mark read or move what was
 * handled, in `$batch`es of 20. The delta cursor moves past a page once every message on it is
 * recorded for good: delivered, skipped, dead-lettered, or held in the outbox with its payload until
 * its retry. Everything seen is remembered, so replays and delta resets never post a message twice.
 * @module
 */
import { Semaphore } from "../concurrency.ts";
import { autoReplyReason } from "../mail/auto-reply.ts";
import { mayHaveAttachments, readAttachments } from "../mail/attachments.ts";
import { mailboxPath } from "../mail/folder-lookup.ts";
import { MESSAGE_SELECT, parseGraphMessage } from "../mail/message.ts";
import { GraphError } from "../microsoft/graph-client.ts";
import { buildPayload, dedupeKeyOf } from "../jira/payload.ts";
import { nextAttemptDelaySeconds, MAX_DELIVERY_ATTEMPTS } from "../jira/delivery-policy.ts";
import { postToWebhook } from "../jira/webhook-client.ts";
import { emptyRunCounts } from "./handler.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";
import type { MailMessage } from "../mail/message.ts";
import type { Clock, HttpClient, Logger } from "../ports.ts";
import type { AfterProcessing, RunCounts } from "./handler.ts";
import type { DueDelivery, HandlerStore, SeenMessage } from "./store.ts";

/** Graph's largest delta page: one request for up to 1000 messages. */
const DELTA_PAGE_SIZE = 1000;
/** Graph's limit of requests per `$batch`. */
const BATCH_SIZE = 20;
/** Workers keep at most six connections open at once; deliveries use them all. */
const WEBHOOK_CONCURRENCY = 6;
/**
 * A run reads at most this many pages and posts at most this many deliveries, which keeps it well
 * inside a Workers invocation's subrequest limit (10,000 on the Paid plan) with attachments counted;
 * a run that stops at a limit asks to be continued at once.
 */
const MAX_PAGES_PER_RUN = 2;
const MAX_DELIVERIES_PER_RUN = 2500;
/** Rounds of retrying `$batch` items that Graph throttled, within one run. */
const AFTER_PROCESSING_ROUNDS = 3;
const MAX_BATCH_RETRY_WAIT_SECONDS = 30;
const SYNC_STATE_GONE = new Set(["syncstatenotfound", "resyncrequired", "syncstateinvalid"]);

export interface RunSettings {
  handlerId: string;
  /** `me` or a shared mailbox address. */
  mailbox: string;
  /** The address shown as `data.mailbox`: the account's own for `me`. */
  mailboxAddress: string;
  folderId: string;
  moveToFolderId: string | null;
  onlyUnread: boolean;
  afterProcessing: AfterProcessing;
  includeAttachments: boolean;
  maxAttachmentBytes: number;
  skipAutoReplies: boolean;
  webhook: { url: string; token: string | null };
}

export interface RunDeps {
  graph: GraphClient;
  /** For the webhook. */
  http: HttpClient;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  store: HandlerStore;
  logger: Logger;
}

/** Headers on every Graph request of a handler: immutable ids, and the largest delta pages. */
export const HANDLER_GRAPH_HEADERS: Readonly<Record<string, string>> = {
  prefer: `IdType="ImmutableId", odata.maxpagesize=${DELTA_PAGE_SIZE}`,
};

export interface RunOutcome {
  counts: RunCounts;
  /** What went wrong without stopping the run, such as messages Graph would not mark read. */
  warning: string | null;
  /** The run stopped at a limit with mail still to read or deliveries due: continue at once. */
  moreWork: boolean;
}

/** Runs the handler once; `counts` is filled in as it goes, so a run stopped by an error still reports what it did. */
export async function runHandler(
  settings: RunSettings,
  deps: RunDeps,
  counts: RunCounts = emptyRunCounts(),
): Promise<RunOutcome> {
  const budget: DeliveryBudget = { left: MAX_DELIVERIES_PER_RUN };
  const unread = await readNewMail(settings, deps, { counts, budget });
  await deliverDue(settings, deps, { counts, budget });
  const after = await afterProcess(settings, deps);
  counts.pending = deps.store.pendingCount();
  const dueLeft = deps.store.dueDeliveries(deps.clock.now(), 1).length > 0;
  return { counts, warning: after.lastError, moreWork: unread || dueLeft };
}

/** Deliveries this run may still make. */
interface DeliveryBudget {
  left: number;
}

/** Reads new pages of the folder's delta; true when it stopped at the page limit with more to read. */
async function readNewMail(
  settings: RunSettings,
  deps: RunDeps,
  run: { counts: RunCounts; budget: DeliveryBudget },
): Promise<boolean> {
  const { counts } = run;
  const { graph, store } = deps;
  const initial = `${mailboxPath(settings.mailbox)}/mailFolders/${encodeURIComponent(settings.folderId)}/messages/delta?$select=${MESSAGE_SELECT.join(",")}`;
  let link: string | undefined = store.cursor() ?? initial;
  let restarted = false;
  for (let pages = 0; link !== undefined && pages < MAX_PAGES_PER_RUN; pages++) {
    let page: { value?: Record<string, unknown>[]; "@odata.nextLink"?: string; "@odata.deltaLink"?: string };
    try {
      page = (await graph.request({ method: "GET", path: link })).body as typeof page;
    } catch (error) {
      if (
        !restarted &&
        error instanceof GraphError &&
        (error.status === 410 || SYNC_STATE_GONE.has(error.code.toLowerCase()))
      ) {
        deps.logger.warn("handler.delta_reset", { handlerId: settings.handlerId, code: error.code });
        store.saveCursor(null);
        link = initial;
        restarted = true;
        continue;
      }
      throw error;
    }
    const messages = (page.value ?? []).flatMap((item) => parseGraphMessage(item) ?? []);
    const fresh = messages.filter((message) => !store.isKnown(message.id) && !(settings.onlyUnread && message.isRead));
    counts.fetched += fresh.length;
    await Promise.all(fresh.map((message) => admit(message, settings, deps, counts)));
    await deliverDue(settings, deps, run);
    const next = page["@odata.nextLink"] ?? page["@odata.deltaLink"];
    if (next !== undefined) {
      store.saveCursor(next);
    }
    link = page["@odata.nextLink"];
  }
  return link !== undefined;
}

/** Takes a new message in: skipped by rule, or queued for delivery with its payload built. */
async function admit(message: MailMessage, settings: RunSettings, deps: RunDeps, counts: RunCounts): Promise<void> {
  const now = deps.clock.now();
  const seen: SeenMessage = {
    messageId: message.id,
    dedupeKey: dedupeKeyOf(message),
    internetMessageId: message.internetMessageId,
    conversationId: message.conversationId,
    subject: message.subject,
    from: message.from?.address ?? null,
    receivedAt: message.receivedAt,
  };
  const reason = settings.skipAutoReplies ? autoReplyReason(message) : null;
  if (reason !== null) {
    deps.store.recordSkipped(seen, reason);
    counts.skipped++;
    return;
  }
  const attachments =
    settings.includeAttachments && mayHaveAttachments(message)
      ? await readAttachments(
          deps.graph,
          `${mailboxPath(settings.mailbox)}/messages/${encodeURIComponent(message.id)}`,
          { maxBytes: settings.maxAttachmentBytes },
        )
      : [];
  const payload = buildPayload(message, attachments, {
    handlerId: settings.handlerId,
    mailbox: settings.mailboxAddress,
  });
  deps.store.recordPending(seen, JSON.stringify(payload), { now });
}

/** Posts the deliveries that are due, within the budget: in parallel, but one conversation's messages in order. */
async function deliverDue(
  settings: RunSettings,
  deps: RunDeps,
  run: { counts: RunCounts; budget: DeliveryBudget },
): Promise<void> {
  const { counts, budget } = run;
  const limiter = new Semaphore(WEBHOOK_CONCURRENCY);
  const conversations = new Map<string, Promise<void>>();
  const due = deps.store.dueDeliveries(deps.clock.now(), budget.left);
  budget.left -= due.length;
  for (const delivery of due) {
    const key = delivery.conversationId ?? delivery.messageId;
    const previous = conversations.get(key) ?? Promise.resolve();
    conversations.set(
      key,
      previous.then(() => limiter.run(() => deliver(delivery, settings, deps, counts))),
    );
  }
  await Promise.all(conversations.values());
}

async function deliver(delivery: DueDelivery, settings: RunSettings, deps: RunDeps, counts: RunCounts): Promise<void> {
  const { store, clock } = deps;
  const outcome = await postToWebhook(
    {
      url: settings.webhook.url,
      token: settings.webhook.token,
      idempotencyKey: delivery.dedupeKey,
      body: store.payload(delivery.messageId),
    },
    deps,
  );
  const attempts = delivery.attempts + 1;
  const now = clock.now();
  if (outcome.kind === "delivered") {
    store.recordDelivered(delivery.messageId, { attempts, now });
    counts.delivered++;
    return;
  }
  const delay = outcome.kind === "retry" ? nextAttemptDelaySeconds(attempts, outcome.retryAfterSeconds) : null;
  if (delay === null) {
    const error =
      outcome.kind === "retry" ? `${outcome.error} (gave up after ${MAX_DELIVERY_ATTEMPTS} attempts)` : outcome.error;
    store.recordDeadLetter(delivery.messageId, { attempts, error, now });
    counts.deadLettered++;
    deps.logger.warn("handler.dead_letter", { handlerId: settings.handlerId, messageId: delivery.messageId, attempts });
    return;
  }
  store.recordRetry(delivery.messageId, { attempts, nextAttemptAt: now + delay * 1000, error: outcome.error, now });
  counts.failed++;
}

interface BatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
}

/**
 * Marks read or moves every handled message, 20 per `$batch`. Items Graph refused are retried in later
 * rounds and runs; the messages are never posted again for it.
 */
export async function afterProcess(
  settings: RunSettings,
  deps: RunDeps,
): Promise<{ failures: number; lastError: string | null }> {
  const { store } = deps;
  let lastError: string | null = null;
  let failures = 0;
  const due = store.afterProcessingDue(Number.MAX_SAFE_INTEGER);
  if (settings.afterProcessing === "none") {
    store.recordAfterProcessed(due);
    return { failures, lastError };
  }
  for (let start = 0; start < due.length; start += BATCH_SIZE) {
    let chunk = due.slice(start, start + BATCH_SIZE);
    for (let round = 1; chunk.length > 0 && round <= AFTER_PROCESSING_ROUNDS; round++) {
      const responses = await sendBatch(chunk, settings, deps);
      const done = chunk.filter((_, index) => {
        const status = responses.get(String(index))?.status ?? 0;
        return (status >= 200 && status < 300) || status === 404;
      });
      store.recordAfterProcessed(done);
      const failed = chunk.filter((id) => !done.includes(id));
      if (failed.length === 0) {
        break;
      }
      const statuses = chunk
        .map((_, index) => responses.get(String(index)))
        .filter(
          (response): response is BatchResponse =>
            response !== undefined && !(response.status >= 200 && response.status < 300) && response.status !== 404,
        );
      const retryable = statuses.every((response) => response.status === 429 || response.status >= 500);
      lastError = `Graph refused to ${settings.afterProcessing === "move" ? "move" : "mark read"} ${failed.length} message${failed.length === 1 ? "" : "s"} (HTTP ${statuses.map((response) => response.status).join(", ")})`;
      if (!retryable || round === AFTER_PROCESSING_ROUNDS) {
        failures += failed.length;
        break;
      }
      const wait = Math.max(
        ...statuses.map(
          (response) => Number(response.headers?.["Retry-After"] ?? response.headers?.["retry-after"] ?? 1) || 1,
        ),
      );
      await deps.sleep(Math.min(wait, MAX_BATCH_RETRY_WAIT_SECONDS) * 1000);
      chunk = failed;
    }
  }
  return { failures, lastError: failures > 0 ? lastError : null };
}

async function sendBatch(
  messageIds: string[],
  settings: RunSettings,
  deps: RunDeps,
): Promise<Map<string, BatchResponse>> {
  const base = mailboxPath(settings.mailbox);
  const requests = messageIds.map((id, index) => {
    const path = `${base}/messages/${encodeURIComponent(id)}`;
    const common = {
      id: String(index),
      headers: { "content-type": "application/json", prefer: 'IdType="ImmutableId"' },
    };
    return settings.afterProcessing === "move"
      ? { ...common, method: "POST", url: `${path}/move`, body: { destinationId: settings.moveToFolderId } }
      : { ...common, method: "PATCH", url: path, body: { isRead: true } };
  });
  const response = await deps.graph.request({ method: "POST", path: "/$batch", body: { requests }, repeatable: true });
  const items = (response.body as { responses?: BatchResponse[] } | undefined)?.responses ?? [];
  return new Map(items.map((item) => [String(item.id), item]));
}
