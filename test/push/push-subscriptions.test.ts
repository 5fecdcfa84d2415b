import { afterEach, describe, expect, it, vi } from "vitest";
import { simulator } from "../support/api.ts";
import { acceptedPayloads, createHandler } from "../support/handlers.ts";
import { pushWorld, viewOncePush, WAIT } from "../support/push.ts";
import type { PushWorld } from "../support/push.ts";

let world: PushWorld | undefined;
afterEach(async () => {
  await world?.relay.stop();
  world = undefined;
});

describe("a handler with push", () => {
  it("subscribes to its folder's new messages and runs as soon as a message arrives", async () => {
    world = await pushWorld();
    const handler = await createHandler(world);
    expect(handler.push).toBe("auto");
    expect(handler.pushStatus.state).toBe("pending");
    const active = await viewOncePush(handler.id, "active");
    const [subscription] = await simulator().subscriptions(world.tenant.tenantId);
    expect(subscription).toMatchObject({
      changeType: "created",
      notificationUrl: "https://edgepost.test/graph/notifications",
      lifecycleNotificationUrl: "https://edgepost.test/graph/lifecycle",
    });
    expect(subscription?.resource).toMatch(/^me\/mailFolders\/[^/]+\/messages$/);
    expect(active.pushStatus.expiresAt).toBe(
      new Date(Date.parse(subscription?.expirationDateTime ?? "")).toISOString(),
    );

    await simulator().addMessages(world.address, [{ subject: "pushed" }]);
    const payloads = await vi.waitFor(async () => {
      const accepted = await acceptedPayloads(world?.hook.id ?? "");
      expect(accepted).toHaveLength(1);
      return accepted;
    }, WAIT);
    expect(payloads[0]?.data.message.subject).toBe("pushed");
  });
});
