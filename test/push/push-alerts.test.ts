import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { simulator } from "../support/api.ts";
import { alertReceiver, eventsAbout } from "../support/alerts.ts";
import { createHandler } from "../support/handlers.ts";
import { pushWorld, stopRelays, viewOncePush } from "../support/push.ts";

afterEach(stopRelays);

describe("push.failed alerts", () => {
  it("fires push.failed once when Graph refuses the subscription, and resolved once when it is active again", async () => {
    const hook = await alertReceiver();
    const world = await pushWorld();
    await simulator().updateSettings(world.tenant.tenantId, {
      graphFaults: [
        {
          failure: {
            kind: "error",
            status: 403,
            error: "ExtensionError",
            description: "Operation: Create; Exception: [Status Code: Forbidden; Reason: Forbidden]",
          },
          match: { method: "POST", path: "^/subscriptions$" },
          remaining: 1,
        },
      ],
    });
    const handler = await createHandler(world, { name: "Pushed" });
    await viewOncePush(handler.id, "failed");
    const [failed, ...more] = await eventsAbout(hook, handler.id);
    expect(more).toEqual([]);
    expect(failed).toBe("push.failed");
    await runDurableObjectAlarm(env.HANDLERS.getByName(handler.id));
    await viewOncePush(handler.id, "active");
    expect(await eventsAbout(hook, handler.id)).toEqual(["push.failed", "push.failed.resolved"]);
  });
});
