import { afterEach, describe, expect, it, vi } from "vitest";
import { simulator } from "../support/api.ts";
import { acceptedPayloads, handlerView } from "../support/handlers.ts";
import {
  activePushHandler,
  postToWorker,
  routingRow,
  scheduledAlarm,
  stopRelays,
  viewOncePush,
  WAIT,
} from "../support/push.ts";

afterEach(stopRelays);

function counter(counters: Record<string, number>, pattern: RegExp): number {
  return Object.entries(counters)
    .filter(([name]) => pattern.test(name))
    .reduce((sum, [, value]) => sum + value, 0);
}

describe("lifecycle events", () => {
  it("reauthorizes after reauthorizationRequired, then runs the delta for what was withheld meanwhile", async () => {
    const { world, handler, subscription } = await activePushHandler();
    const sim = simulator();
    await sim.lifecycle(subscription.id, "reauthorizationRequired");
    await sim.addMessages(world.address, [{ subject: "withheld until reauthorized" }]);
    expect((await sim.counters(world.tenant.tenantId))["notifications.withheld"]).toBe(1);
    await vi.waitFor(async () => {
      const [current] = await sim.subscriptions(world.tenant.tenantId);
      expect(current?.needsReauthorization).toBe(false);
    }, WAIT);
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id)).toHaveLength(1), WAIT);
    const counters = await sim.counters(world.tenant.tenantId);
    expect(counter(counters, /^graph\.POST \/subscriptions\/\{id\}\/reauthorize$/)).toBe(1);
    const [after] = await sim.subscriptions(world.tenant.tenantId);
    expect(after?.id).toBe(subscription.id);
    expect((await handlerView(handler.id)).pushStatus.state).toBe("active");
  });

  it("subscribes again after subscriptionRemoved, and runs the delta for what was missed", async () => {
    const { world, handler, subscription } = await activePushHandler({ settings: { notificationLossRate: 1 } });
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "sent while the subscription was lost" }]);
    await sim.lifecycle(subscription.id, "subscriptionRemoved");
    await vi.waitFor(async () => {
      const [replacement] = await sim.subscriptions(world.tenant.tenantId);
      expect(replacement?.id).toBeDefined();
      expect(replacement?.id).not.toBe(subscription.id);
    }, WAIT);
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id)).toHaveLength(1), WAIT);
    const [replacement] = await sim.subscriptions(world.tenant.tenantId);
    expect(await routingRow(subscription.id)).toBeNull();
    expect((await routingRow(replacement?.id ?? ""))?.handlerId).toBe(handler.id);
    await viewOncePush(handler.id, "active");
  });

  it("runs the delta after missed", async () => {
    const { world, subscription } = await activePushHandler({ settings: { notificationLossRate: 1 } });
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "its notification was missed" }]);
    await world.relay.settled();
    expect(await acceptedPayloads(world.hook.id)).toEqual([]);
    await sim.lifecycle(subscription.id, "missed");
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id)).toHaveLength(1), WAIT);
  });

  it("ignores forged lifecycle events: a wrong clientState changes nothing", async () => {
    const { world, handler, subscription } = await activePushHandler();
    const sim = simulator();
    for (const lifecycleEvent of ["subscriptionRemoved", "reauthorizationRequired", "missed"]) {
      const response = await postToWorker("/graph/lifecycle", {
        body: { value: [{ subscriptionId: subscription.id, clientState: "forged", lifecycleEvent }] },
      });
      expect(response.status).toBe(202);
    }
    expect(await scheduledAlarm(handler.id)).toBeNull();
    const counters = await sim.counters(world.tenant.tenantId);
    expect(counter(counters, /subscriptions/)).toBe(1);
    expect(counter(counters, /messages\/delta/)).toBe(0);
    expect(await sim.subscriptions(world.tenant.tenantId)).toEqual([subscription]);
    expect((await routingRow(subscription.id))?.handlerId).toBe(handler.id);
    expect((await handlerView(handler.id)).pushStatus.state).toBe("active");
  });
});
