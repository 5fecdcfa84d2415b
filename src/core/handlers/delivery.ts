/**
 * Posting stored payloads to the webhook: every delivery that is due, six at a time (all of a Worker's
 * connections), one conversation's messages in order. Each outcome is stored the moment it is known,
 * so a 2xx is never followed by a second post whatever happens next; each delivery runs inside its own
 * error boundary, so a message that cannot be posted goes to the dead letters with the reason and the
 * others go on. Deliveries tell `onDelivered` about each success, so marking read can run alongside.
 * @module
 */
import { Semaphore } from "../concurrency.ts";
import { MAX_DELIVERY_ATTEMPTS, nextAttemptDelaySeconds } from "../jira/delivery-policy.ts";
import { postToWebhook } from "../jira/webhook-client.ts";
import type { RunCounts } from "./handler.ts";
import type { RunDeps, RunSettings } from "./handler-run.ts";
import type { DueDelivery } from "./store.ts";

/** Workers keep at most six connections open at once; deliveries use them all. */
const WEBHOOK_CONCURRENCY = 6;

/** Deliveries this run may still make. */
export interface DeliveryBudget {
  left: number;
}

/** Posts the deliveries that are due, within the budget; resolves once every one has an outcome stored. */
export async function deliverDue(
  settings: RunSettings,
  deps: RunDeps,
  run: { counts: RunCounts; budget: DeliveryBudget; onDelivered: () => void },
): Promise<void> {
  const limiter = new Semaphore(WEBHOOK_CONCURRENCY);
  const conversations = new Map<string, Promise<void>>();
  const due = deps.store.dueDeliveries(deps.clock.now(), run.budget.left);
  run.budget.left -= due.length;
  for (const delivery of due) {
    const key = delivery.conversationId ?? delivery.messageId;
    const previous = conversations.get(key) ?? Promise.resolve();
    conversations.set(
      key,
      previous.then(() => limiter.run(() => deliverSafely(delivery, settings, deps, run))),
    );
  }
  await Promise.all(conversations.values());
}

/** One delivery; whatever it throws ends as a dead letter of this message alone. */
async function deliverSafely(
  delivery: DueDelivery,
  settings: RunSettings,
  deps: RunDeps,
  run: { counts: RunCounts; onDelivered: () => void },
): Promise<void> {
  try {
    await deliver(delivery, settings, deps, run);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    deps.store.recordDeadLetter(delivery.messageId, {
      attempts: delivery.attempts,
      status: 0,
      error: `could not be posted (${reason})`,
      now: deps.clock.now(),
    });
    run.counts.deadLettered++;
    deps.logger.error("handler.delivery_failed", {
      handlerId: settings.handlerId,
      messageId: delivery.messageId,
      error: reason,
    });
  }
}

async function deliver(
  delivery: DueDelivery,
  settings: RunSettings,
  deps: RunDeps,
  run: { counts: RunCounts; onDelivered: () => void },
): Promise<void> {
  const { store, clock, counts } = { ...deps, counts: run.counts };
  const sealed = store.payload(delivery.messageId);
  if (sealed === null) {
    throw new Error("its payload is missing");
  }
  const outcome = await postToWebhook(
    {
      url: settings.webhook.url,
      token: settings.webhook.token,
      idempotencyKey: delivery.dedupeKey,
      body: await deps.payloads.open(delivery.messageId, sealed),
    },
    deps,
  );
  const attempts = delivery.attempts + 1;
  const now = clock.now();
  if (outcome.kind === "delivered") {
    store.recordDelivered(delivery.messageId, { attempts, status: outcome.status, now });
    counts.delivered++;
    run.onDelivered();
    return;
  }
  const delay = outcome.kind === "retry" ? nextAttemptDelaySeconds(attempts, outcome.retryAfterSeconds) : null;
  if (delay === null) {
    const error =
      outcome.kind === "retry" ? `${outcome.error} (gave up after ${MAX_DELIVERY_ATTEMPTS} attempts)` : outcome.error;
    store.recordDeadLetter(delivery.messageId, { attempts, status: outcome.status, error, now });
    counts.deadLettered++;
    deps.logger.warn("handler.dead_letter", { handlerId: settings.handlerId, messageId: delivery.messageId, attempts });
    return;
  }
  store.recordRetry(delivery.messageId, {
    attempts,
    status: outcome.status,
    nextAttemptAt: now + delay * 1000,
    error: outcome.error,
    now,
  });
  counts.failed++;
}
