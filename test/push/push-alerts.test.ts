import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { callJson } from "../support/api.ts";
import { alertReceiver, eventsAbout } from "../support/alerts.ts";
import { createHandler } from "../support/handlers.ts";
import { pushWorld, refuseNextSubscription, stopRelays, viewOncePush } from "../support/push.ts";
import type { CheckReport } from "../../src/core/handlers/handler-checks.ts";

async function pushCheck(handlerId: string): Promise<CheckReport["checks"][number] | undefined> {
  const { body } = await callJson<CheckReport>("POST", `/api/handlers/${handlerId}/check`);
  return body.checks.find((item) => item.name === "push");
}

afterEach(stopRelays);

describe("push.failed alerts", () => {
  it("fires push.failed once when Graph refuses the subscription, and resolved once when it is active again", async () => {
    const hook = await alertReceiver();
    const world = await pushWorld();
    await refuseNextSubscription(world.tenant.tenantId);
    const handler = await createHandler(world, { name: "Pushed" });
    await viewOncePush(handler.id, "failed");
    const [failed, ...more] = await eventsAbout(hook, handler.id);
    expect(more).toEqual([]);
    expect(failed).toBe("push.failed");
    // The handler's check says the same, with what Graph answered.
    const refused = await pushCheck(handler.id);
    expect(refused).toMatchObject({ ok: false, detail: "Change notifications failed; the handler polls meanwhile." });
    // Graph's 403 on a subscription: the fix names the permission it needs, as the handler's push status does.
    expect(refused?.fix).toContain("Mail.Read");
    await runDurableObjectAlarm(env.HANDLERS.getByName(handler.id));
    await viewOncePush(handler.id, "active");
    expect(await eventsAbout(hook, handler.id)).toEqual(["push.failed", "push.failed.resolved"]);
    const active = await pushCheck(handler.id);
    expect(active).toMatchObject({ ok: true });
    expect(active?.detail).toContain("Microsoft notifies edgepost of new mail");
  });
});
