import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { runScheduled } from "../../src/worker/scheduled.ts";
import { simulator } from "../support/api.ts";
import { handlerView, runNow } from "../support/handlers.ts";
import { advanceObjectClock } from "../support/object-clock.ts";
import { activePushHandler, routingRow, stopRelays } from "../support/push.ts";

afterEach(stopRelays);

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
const HALF_LIFE = (10_080 * MINUTE) / 2;

/** Moves time for the handler's object and for Microsoft alike. */
async function advance(handlerId: string, tenantId: string, seconds: number): Promise<void> {
  await advanceObjectClock(env.HANDLERS.getByName(handlerId), seconds);
  await simulator().advanceClock(tenantId, seconds);
}

describe("expiry and renewal", () => {
  it("asks for the longest lifetime, and the cron renews it once less than half is left", async () => {
    const { world, handler, subscription } = await activePushHandler();
    const sim = simulator();
    const created = Date.now();
    const route = await routingRow(subscription.id);
    const expiresAt = Date.parse(subscription.expirationDateTime);
    // Due once half the lifetime is left (the subscription was created a moment before `created`).
    expect(Math.abs((route?.renewAt ?? 0) - (created + (expiresAt - created) / 2))).toBeLessThan(10_000);

    await advance(handler.id, world.tenant.tenantId, 3 * DAY);
    await runScheduled(env, created + 3 * DAY * 1000);
    expect((await routingRow(subscription.id))?.renewAt).toBe(route?.renewAt);
    expect((await sim.subscriptions(world.tenant.tenantId))[0]?.expirationDateTime).toBe(
      subscription.expirationDateTime,
    );

    await advance(handler.id, world.tenant.tenantId, HALF_LIFE - 3 * DAY + MINUTE);
    const report = await runScheduled(env, created + (HALF_LIFE + MINUTE) * 1000);
    expect(report.subscriptions.dispatched).toBeGreaterThanOrEqual(1);
    // The object's clock runs days ahead, so its alarm lies days ahead in real time: fire it now.
    await runDurableObjectAlarm(env.HANDLERS.getByName(handler.id));
    const [renewed] = await sim.subscriptions(world.tenant.tenantId);
    expect(renewed?.id).toBe(subscription.id);
    const renewedUntil = Date.parse(renewed?.expirationDateTime ?? "");
    expect(renewedUntil - expiresAt).toBeGreaterThan(HALF_LIFE * 1000 - 60_000);
    const view = await handlerView(handler.id);
    expect(view.pushStatus).toMatchObject({ state: "active", reason: null });
    expect(Date.parse(view.pushStatus.expiresAt ?? "")).toBe(renewedUntil);
    expect((await routingRow(subscription.id))?.renewAt).toBeGreaterThan(route?.renewAt ?? 0);
    expect(Object.keys(await sim.counters(world.tenant.tenantId))).toContain("graph.PATCH /subscriptions/{id}");
  });

  it("keeps a subscription active when a renewal fails, says why, and renews it on the retry", async () => {
    const { world, handler, subscription } = await activePushHandler();
    const sim = simulator();
    await sim.updateSettings(world.tenant.tenantId, {
      graphFaults: [
        {
          failure: { kind: "error", status: 403, error: "ExtensionError", description: "Operation: Update; Forbidden" },
          match: { method: "PATCH", path: "^/subscriptions/" },
          remaining: 1,
        },
      ],
    });
    await advance(handler.id, world.tenant.tenantId, HALF_LIFE + MINUTE);
    await runScheduled(env, Date.now() + (HALF_LIFE + MINUTE) * 1000);
    await runDurableObjectAlarm(env.HANDLERS.getByName(handler.id));
    const failing = await handlerView(handler.id);
    expect(failing.pushStatus.state).toBe("active");
    expect(failing.pushStatus.reason).toContain("Graph refused to subscribe");
    await runDurableObjectAlarm(env.HANDLERS.getByName(handler.id));
    const renewed = await handlerView(handler.id);
    expect(renewed.pushStatus.reason).toBeNull();
    expect(Date.parse(renewed.pushStatus.expiresAt ?? "")).toBeGreaterThan(Date.parse(subscription.expirationDateTime));
  });

  it("subscribes anew when Graph no longer knows the subscription at renewal", async () => {
    const { world, handler, subscription } = await activePushHandler();
    const sim = simulator();
    await sim.advanceClock(world.tenant.tenantId, 8 * DAY);
    await advanceObjectClock(env.HANDLERS.getByName(handler.id), HALF_LIFE + MINUTE);
    await runScheduled(env, Date.now() + (HALF_LIFE + MINUTE) * 1000);
    await runDurableObjectAlarm(env.HANDLERS.getByName(handler.id));
    const [replacement, ...others] = await sim.subscriptions(world.tenant.tenantId);
    expect(others).toEqual([]);
    expect(replacement?.id).not.toBe(subscription.id);
    expect(await routingRow(subscription.id)).toBeNull();
    expect((await routingRow(replacement?.id ?? ""))?.handlerId).toBe(handler.id);
    expect((await handlerView(handler.id)).pushStatus.state).toBe("active");
  });

  it("replaces a subscription that expired unrenewed when the handler next runs", async () => {
    const { world, handler, subscription } = await activePushHandler();
    const sim = simulator();
    await advance(handler.id, world.tenant.tenantId, 8 * DAY);
    await runNow(handler.id);
    await runDurableObjectAlarm(env.HANDLERS.getByName(handler.id));
    const [replacement] = await sim.subscriptions(world.tenant.tenantId);
    expect(replacement?.id).not.toBe(subscription.id);
    const view = await handlerView(handler.id);
    expect(view.pushStatus.state).toBe("active");
    expect(Date.parse(view.pushStatus.expiresAt ?? "")).toBe(Date.parse(replacement?.expirationDateTime ?? ""));
  });
});
