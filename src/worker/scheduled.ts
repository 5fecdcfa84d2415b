/**
 * The cron's work, every minute: each directory shard does its own share (handing due handler runs and
 * push subscription renewals to their objects, keeping idle refresh tokens alive, sending alert reports
 * again that did not get through), so this invocation makes one call per shard however many mailboxes
 * there are; and the alerts object looks at client secret expiry dates once a day.
 * @module
 */
import { CONSOLE_LOGGER } from "./log.ts";
import { alertsObject } from "./stores/alerts.ts";
import { allDirectoryShards } from "./stores/directory-shards.ts";
import type { Env } from "./env.ts";
import type { TickReport } from "./objects/directory-object.ts";

export async function runScheduled(env: Env, scheduledTime: number): Promise<TickReport> {
  const [results] = await Promise.all([
    Promise.allSettled(allDirectoryShards(env).map((shard) => shard.tick(scheduledTime))),
    checkSecretExpiry(env, scheduledTime),
  ]);
  const total: TickReport = {
    keepAlive: { due: 0, refreshed: 0, failed: 0 },
    handlers: { due: 0, dispatched: 0, failed: 0 },
    subscriptions: { due: 0, dispatched: 0, failed: 0 },
    alerts: { due: 0, reported: 0 },
  };
  let failedShards = 0;
  for (const result of results) {
    if (result.status === "rejected") {
      failedShards++;
      continue;
    }
    total.keepAlive.due += result.value.keepAlive.due;
    total.keepAlive.refreshed += result.value.keepAlive.refreshed;
    total.keepAlive.failed += result.value.keepAlive.failed;
    total.handlers.due += result.value.handlers.due;
    total.handlers.dispatched += result.value.handlers.dispatched;
    total.handlers.failed += result.value.handlers.failed;
    total.subscriptions.due += result.value.subscriptions.due;
    total.subscriptions.dispatched += result.value.subscriptions.dispatched;
    total.subscriptions.failed += result.value.subscriptions.failed;
    total.alerts.due += result.value.alerts.due;
    total.alerts.reported += result.value.alerts.reported;
  }
  CONSOLE_LOGGER.info("cron.tick", {
    failedShards,
    handlersDue: total.handlers.due,
    handlersDispatched: total.handlers.dispatched,
    keepAliveDue: total.keepAlive.due,
    keepAliveRefreshed: total.keepAlive.refreshed,
    renewalsDue: total.subscriptions.due,
  });
  return total;
}

/** Client secrets close to their expiry date: the alerts object looks once a day, whatever the cron's pace. */
async function checkSecretExpiry(env: Env, now: number): Promise<void> {
  try {
    await alertsObject(env).checkSecretExpiry(now);
  } catch (error) {
    CONSOLE_LOGGER.error("cron.expiry_check_failed", { error: error instanceof Error ? error.message : "unknown" });
  }
}
