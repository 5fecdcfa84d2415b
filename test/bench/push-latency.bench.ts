/**
 * Mail to Jira, end to end: how long from a message's arrival in the simulated mailbox to the Jira
 * webhook's 2xx, with push (Graph change notifications) and with polling alone, for the same messages
 * arriving over several minutes, and what each costs in Graph requests. Both run at once in workerd:
 * the cron ticks every minute as in production; the simulator notifies through the test relay with no
 * added delay (Graph's own notification latency is under a minute on average, so in production push
 * latency is mostly Microsoft's).
 * @module
 */
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { runScheduled } from "../../src/worker/scheduled.ts";
import { simulator } from "../support/api.ts";
import { connectAccount, createTenantForWorker } from "../support/accounts.ts";
import { createCredential } from "../support/credentials.ts";
import { createHandler, graphRequests, runNow } from "../support/handlers.ts";
import { startNotificationRelay } from "../support/notification-relay.ts";
import { deltaReads, viewOncePush } from "../support/push.ts";
import { percentile, report } from "./report.ts";
import type { HandlerWorld } from "../support/handlers.ts";
import type { NotificationRelay } from "../support/notification-relay.ts";

const MESSAGES = 200;
/** Arrivals are spread over this span, at random times (a Poisson process, as independent senders give). */
const SPAN_MS = 4 * 60_000;
const CRON_INTERVAL_MS = 60_000;
/** After the last arrival, how long the benchmark waits for the slowest delivery at most. */
const DRAIN_MS = 3 * 60_000;

interface Mode {
  name: "push" | "polling";
  tenantId: string;
  hookId: string;
  addresses: string[];
  relay: NotificationRelay;
}

/** A tenant with `mailboxes` connected users, a handler on each one's inbox, and one Jira receiver. */
async function mode(name: Mode["name"], mailboxes: number): Promise<Mode> {
  const sim = simulator();
  const tenant = await createTenantForWorker({
    users: Array.from({ length: mailboxes }, () => ({})),
    settings: { notificationDelivery: "relay" },
  });
  const relay = startNotificationRelay(tenant.tenantId);
  const credential = await createCredential(tenant);
  const hook = await sim.createHook();
  for (const user of tenant.users) {
    const account = await connectAccount(credential.id, { loginHint: user.userPrincipalName });
    const world: HandlerWorld = { tenant, account, credentialId: credential.id, hook, address: user.mail ?? "" };
    const handler = await createHandler(world, { push: name === "push" ? "auto" : "off", name: `${name} ${user.id}` });
    if (name === "push") {
      await viewOncePush(handler.id, "active");
    }
    // Every handler starts from a delta link, as one that has been running for a while.
    await runNow(handler.id);
  }
  return {
    name,
    tenantId: tenant.tenantId,
    hookId: hook.id,
    addresses: tenant.users.map((user) => user.mail ?? ""),
    relay,
  };
}

// Busy mailboxes (a message every 24 s in each): polling spreads its cost over many messages per run.
it("mail-to-Jira latency, 200 messages over 4 minutes into 20 mailboxes, with push and with polling", () =>
  scenario({ mailboxes: 20 }));

// Quiet mailboxes (a message every 2 minutes in each), as most support mailboxes are.
it("mail-to-Jira latency, 200 messages over 4 minutes into 100 mailboxes, with push and with polling", () =>
  scenario({ mailboxes: 100 }));

async function scenario(options: { mailboxes: number }): Promise<void> {
  const sim = simulator();
  const push = await mode("push", options.mailboxes);
  const polling = await mode("polling", options.mailboxes);
  for (const each of [push, polling]) {
    await sim.resetCounters(each.tenantId);
  }

  const start = Date.now();
  const arrivals = Array.from({ length: MESSAGES }, (_, index) => ({
    at: start + Math.random() * SPAN_MS,
    mailbox: Math.floor(Math.random() * options.mailboxes),
    subject: `[BENCH-${index}] arrival in one of ${options.mailboxes}`,
  })).sort((a, b) => a.at - b.at);
  const createdAt = new Map<string, number>();

  let ticking = true;
  const cron = (async () => {
    for (let tick = start + CRON_INTERVAL_MS; ticking; tick += CRON_INTERVAL_MS) {
      await sleepUntil(tick, () => !ticking);
      if (ticking) {
        await runScheduled(env, Date.now());
      }
    }
  })();
  for (const arrival of arrivals) {
    await sleepUntil(arrival.at, () => false);
    createdAt.set(arrival.subject, Date.now());
    await Promise.all(
      [push, polling].map((each) =>
        sim.addMessages(each.addresses[arrival.mailbox] ?? "", [{ subject: arrival.subject }]),
      ),
    );
  }
  const deadline = Date.now() + DRAIN_MS;
  const latencies = new Map<Mode["name"], number[]>();
  for (const each of [push, polling]) {
    for (;;) {
      const delivered = await deliveredAt(each.hookId);
      if (delivered.size >= MESSAGES || Date.now() > deadline) {
        latencies.set(
          each.name,
          [...delivered].map(([subject, at]) => (at - (createdAt.get(subject) ?? at)) / 1000).sort((a, b) => a - b),
        );
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  ticking = false;
  await cron;
  await Promise.all([push.relay.stop(), polling.relay.stop()]);

  const figures: Record<string, number | string> = {};
  const costs = new Map<Mode["name"], number>();
  for (const each of [push, polling]) {
    const sorted = latencies.get(each.name) ?? [];
    const requests = await graphRequests(each.tenantId);
    costs.set(each.name, requests / Math.max(sorted.length, 1));
    const goal = each.name === "push" ? " (goal <= 5)" : "";
    figures[`${each.name}: messages delivered`] = sorted.length;
    figures[`${each.name}: latency p50 (s)`] = percentile(sorted, 50);
    figures[`${each.name}: latency p95 (s)${goal}`] = percentile(sorted, 95);
    figures[`${each.name}: latency max (s)`] = sorted.at(-1) ?? Number.NaN;
    figures[`${each.name}: runs (delta reads)`] = await deltaReads(each.tenantId);
    figures[`${each.name}: Graph requests`] = requests;
  }
  const counters = await sim.counters(push.tenantId);
  figures["push: notification requests received"] = counters["calls.notification"] ?? 0;
  figures["polling: Graph requests per delivered message"] = costs.get("polling") ?? Number.NaN;
  figures["push: Graph requests per delivered message (goal <= polling's)"] = costs.get("push") ?? Number.NaN;
  report(
    `Mail to Jira: ${MESSAGES} messages arriving at random over ${SPAN_MS / 60_000} minutes into ${options.mailboxes} mailboxes, ` +
      "each mode (workerd; cron every minute; pollIntervalMinutes 1; notifications relayed at once)",
    figures,
  );
}

/** When each subject was first accepted (2xx) by the Jira receiver, epoch ms. */
async function deliveredAt(hookId: string): Promise<Map<string, number>> {
  const { requests } = await simulator().hook(hookId);
  const first = new Map<string, number>();
  for (const request of requests) {
    const subject = (request.body as { data?: { message?: { subject?: string } } }).data?.message?.subject;
    if (request.status >= 200 && request.status < 300 && subject !== undefined && !first.has(subject)) {
      first.set(subject, Date.parse(request.receivedAt));
    }
  }
  return first;
}

async function sleepUntil(at: number, stop: () => boolean): Promise<void> {
  while (Date.now() < at && !stop()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, at - Date.now())));
  }
}
