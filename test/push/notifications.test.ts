import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runScheduled } from "../../src/worker/scheduled.ts";
import { call, simulator } from "../support/api.ts";
import { acceptedPayloads, handlerView, runNow } from "../support/handlers.ts";
import {
  activePushHandler,
  deltaReads,
  notificationFor,
  postToWorker,
  quiet,
  scheduledAlarm,
  stopRelays,
  WAIT,
} from "../support/push.ts";

afterEach(stopRelays);

describe("the notification endpoints", () => {
  it("echo Graph's validation token as plain text, decoded, whatever the content type, without a bearer", async () => {
    const token = "Validation: Testing client application reachability for subscription Request-Id: 4f6c…";
    for (const path of ["/graph/notifications", "/graph/lifecycle"]) {
      for (const contentType of ["text/plain; charset=utf-8", "application/json", "application/octet-stream"]) {
        const response = await call("POST", `${path}?validationToken=${encodeURIComponent(token)}`, {
          token: null,
          rawBody: "",
          headers: { "content-type": contentType },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
        expect(await response.text()).toBe(token);
      }
    }
  });

  it("refuse malformed bodies with a 400 that names the problem, an oversized one with 413, never a 5xx", async () => {
    const cases: [string, string, string][] = [
      ["/graph/notifications", "not json", ""],
      ["/graph/notifications", "{}", "value"],
      ["/graph/notifications", '{"value":"x"}', "value"],
      ["/graph/notifications", '{"value":[{}]}', "value.0.subscriptionId"],
      ["/graph/notifications", '{"value":[{"subscriptionId":"s","clientState":7}]}', "value.0.clientState"],
      ["/graph/lifecycle", '{"value":[{"subscriptionId":"s","clientState":"c"}]}', "value.0.lifecycleEvent"],
    ];
    for (const [path, rawBody, field] of cases) {
      const response = await call("POST", path, {
        token: null,
        rawBody,
        headers: { "content-type": "application/json" },
      });
      expect(response.status, rawBody).toBe(400);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((issue) => issue.path)).toContain(field);
    }
    const huge = JSON.stringify({ value: [{ subscriptionId: "s", clientState: "c", pad: "x".repeat(1024 * 1024) }] });
    const tooLarge = await call("POST", "/graph/notifications", { token: null, rawBody: huge });
    expect(tooLarge.status).toBe(413);
  });

  it("answer 202 to notifications for a subscription edgepost does not know, and change nothing", async () => {
    const response = await postToWorker("/graph/notifications", {
      body: notificationFor({ id: crypto.randomUUID(), clientState: "whatever" }),
    });
    expect(response.status).toBe(202);
    const lifecycle = await postToWorker("/graph/lifecycle", {
      body: {
        value: [
          { subscriptionId: crypto.randomUUID(), clientState: "whatever", lifecycleEvent: "subscriptionRemoved" },
        ],
      },
    });
    expect(lifecycle.status).toBe(202);
  });
});

describe("notifications are hints: the delta decides", () => {
  it("ignores a forged notification (its clientState is wrong): no run, no lastNotificationAt", async () => {
    const { world, handler, subscription } = await activePushHandler({ settings: { notificationLossRate: 1 } });
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "waits for the poll" }]);
    const before = await deltaReads(world.tenant.tenantId);
    const forged = await postToWorker("/graph/notifications", {
      body: notificationFor({ id: subscription.id, clientState: "guessed-client-state" }),
    });
    expect(forged.status).toBe(202);
    const missing = await postToWorker("/graph/notifications", {
      body: notificationFor({ id: subscription.id, clientState: null }),
    });
    expect(missing.status).toBe(202);
    await quiet(handler.id);
    expect(await deltaReads(world.tenant.tenantId)).toBe(before);
    expect((await handlerView(handler.id)).pushStatus.lastNotificationAt).toBeNull();
    expect(await acceptedPayloads(world.hook.id)).toEqual([]);
    expect((await runNow(handler.id)).delivered).toBe(1);
  });

  it("loses nothing when a notification is lost: the cron's poll delivers the message", async () => {
    const { world, handler } = await activePushHandler({ settings: { notificationLossRate: 1 } });
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "lost notification" }]);
    expect((await sim.counters(world.tenant.tenantId))["notifications.lost"]).toBe(1);
    await world.relay.settled();
    expect(await acceptedPayloads(world.hook.id)).toEqual([]);
    const report = await runScheduled(env, Date.now());
    expect(report.handlers.dispatched).toBeGreaterThanOrEqual(1);
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id)).toHaveLength(1), WAIT);
    expect((await handlerView(handler.id)).counts.delivered).toBe(1);
  });

  it("posts at once on a notification but leaves the mark-read to the next poll, which sends it in one batch", async () => {
    const { world, handler } = await activePushHandler();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "pushed" }]);
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id)).toHaveLength(1), WAIT);
    await quiet(handler.id);
    expect((await sim.messages(world.address)).map((message) => message.isRead)).toEqual([false]);
    // A poll (Run now sends partial batches as the cron's poll does) marks it read; the delta has nothing new.
    expect(await runNow(handler.id)).toMatchObject({ fetched: 0, delivered: 0 });
    expect((await sim.messages(world.address)).map((message) => message.isRead)).toEqual([true]);
    expect(Object.values((await sim.hook(world.hook.id)).acceptedByKey)).toEqual([1]);
  });

  it("repeats nothing when a notification comes twice", async () => {
    const { world, handler } = await activePushHandler({ settings: { notificationDuplicateRate: 1 } });
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "notified twice" }]);
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id)).toHaveLength(1), WAIT);
    await quiet(handler.id);
    const notified = (await sim.callsOut(world.tenant.tenantId)).filter((record) => record.kind === "notification");
    expect(notified.reduce((sum, record) => sum + record.items, 0)).toBe(2);
    expect(Object.values((await sim.hook(world.hook.id)).acceptedByKey)).toEqual([1]);
  });

  it("repeats nothing when a notification comes after a poll delivered its message", async () => {
    const { world, handler } = await activePushHandler({ settings: { notificationDelayMs: 1500 } });
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "polled before its notification" }]);
    expect((await runNow(handler.id)).delivered).toBe(1);
    await vi.waitFor(async () => {
      const calls = await sim.callsOut(world.tenant.tenantId);
      expect(calls.filter((record) => record.kind === "notification" && record.outcome === 202)).toHaveLength(1);
    }, WAIT);
    await world.relay.settled();
    await quiet(handler.id);
    expect(Object.values((await sim.hook(world.hook.id)).acceptedByKey)).toEqual([1]);
    expect((await handlerView(handler.id)).pushStatus.lastNotificationAt).not.toBeNull();
  });
});

describe("bursts of notifications coalesce", () => {
  it("runs a handful of times for 200 notifications within a second, and delivers each message once", async () => {
    const { world, handler, subscription } = await activePushHandler({ settings: { notificationLossRate: 1 } });
    const sim = simulator();
    await sim.addMessages(
      world.address,
      Array.from({ length: 20 }, (_, index) => ({ subject: `burst ${index}` })),
    );
    const before = await deltaReads(world.tenant.tenantId);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => postToWorker("/graph/notifications", { body: notificationFor(subscription) })),
    );
    expect(answers.every((response) => response.status === 202)).toBe(true);
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id)).toHaveLength(20), WAIT);
    await quiet(handler.id);
    const runs = (await deltaReads(world.tenant.tenantId)) - before;
    expect(runs).toBeGreaterThanOrEqual(1);
    // A run at once, one more after it, and at most one more per 2 s that the burst lasted.
    expect(runs).toBeLessThanOrEqual(2 + Math.ceil((Date.now() - started) / 2000));
    expect(runs).toBeLessThanOrEqual(5);
    expect(Object.values((await sim.hook(world.hook.id)).acceptedByKey).every((count) => count === 1)).toBe(true);
  });

  it("answers notifications that arrive during a run with one more run, 2 s after the first began", async () => {
    const { world, handler, subscription } = await activePushHandler({
      settings: { notificationLossRate: 1, graphLatencyMs: 300 },
    });
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "first" }]);
    const before = await deltaReads(world.tenant.tenantId);
    const firstNotifiedAt = Date.now();
    await postToWorker("/graph/notifications", { body: notificationFor(subscription) });
    // The run is reading the mailbox (each Graph call takes 300 ms): notify again, ten times.
    await vi.waitFor(async () => expect(await deltaReads(world.tenant.tenantId)).toBe(before + 1), WAIT);
    await sim.addMessages(world.address, [{ subject: "during the run" }]);
    await Promise.all(
      Array.from({ length: 10 }, () => postToWorker("/graph/notifications", { body: notificationFor(subscription) })),
    );
    const alarm = await scheduledAlarm(handler.id);
    expect(alarm).not.toBeNull();
    expect(alarm ?? 0).toBeGreaterThanOrEqual(firstNotifiedAt + 2000);
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id)).toHaveLength(2), WAIT);
    await vi.waitFor(async () => expect(await deltaReads(world.tenant.tenantId)).toBe(before + 2), WAIT);
    await quiet(handler.id);
    expect(await deltaReads(world.tenant.tenantId)).toBe(before + 2);
  });
});
