import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, callJson, simulator } from "../support/api.ts";
import { acceptedPayloads, createHandler, handlerView, runNow } from "../support/handlers.ts";
import {
  notificationFor,
  postToWorker,
  pushWorld,
  refuseNextSubscription,
  routingRow,
  stopRelays,
  viewOncePush,
  WAIT,
} from "../support/push.ts";
import type { HandlerView } from "../../src/core/handlers/handler.ts";

afterEach(stopRelays);

async function patchHandler(id: string, body: Record<string, unknown>): Promise<HandlerView> {
  const { status, body: view } = await callJson<HandlerView>("PATCH", `/api/handlers/${id}`, { body });
  expect(status, JSON.stringify(view)).toBe(200);
  return view;
}

describe("a handler with push", () => {
  it("subscribes to its folder's new messages and runs as soon as a message arrives", async () => {
    const world = await pushWorld();
    const handler = await createHandler(world);
    expect(handler.push).toBe("auto");
    expect(handler.pushStatus).toEqual({ state: "pending", expiresAt: null, lastNotificationAt: null, reason: null });
    const active = await viewOncePush(handler.id, "active");
    const [subscription, ...others] = await simulator().subscriptions(world.tenant.tenantId);
    expect(others).toEqual([]);
    expect(subscription).toMatchObject({
      changeType: "created",
      notificationUrl: "https://edgepost.test/graph/notifications",
      lifecycleNotificationUrl: "https://edgepost.test/graph/lifecycle",
      mailbox: world.address.toLowerCase(),
    });
    expect(subscription?.resource).toMatch(/^me\/mailFolders\/[^/]+\/messages$/);
    expect(subscription?.clientState?.length).toBeGreaterThanOrEqual(43);
    const expiresAt = Date.parse(active.pushStatus.expiresAt ?? "");
    expect(expiresAt).toBe(Date.parse(subscription?.expirationDateTime ?? ""));
    // The longest lifetime Outlook allows, 10,080 minutes, less a minute for clock skew.
    expect(expiresAt - Date.now()).toBeGreaterThan(10_078 * 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(10_080 * 60_000);
    const calls = await simulator().callsOut(world.tenant.tenantId);
    expect(calls.map((record) => [record.kind, record.outcome])).toEqual([
      ["validation", 200],
      ["validation", 200],
    ]);
    expect((await routingRow(subscription?.id ?? ""))?.handlerId).toBe(handler.id);

    await simulator().addMessages(world.address, [{ subject: "pushed" }]);
    const payloads = await vi.waitFor(async () => {
      const accepted = await acceptedPayloads(world.hook.id ?? "");
      expect(accepted).toHaveLength(1);
      return accepted;
    }, WAIT);
    expect(payloads[0]?.data.message.subject).toBe("pushed");
    const view = await handlerView(handler.id);
    expect(view.pushStatus.lastNotificationAt).not.toBeNull();
    expect(view.counts.delivered).toBe(1);
  });

  it("keeps polling a shared mailbox, which Microsoft offers no delegated notifications for", async () => {
    const world = await pushWorld();
    const sim = simulator();
    await sim.createSharedMailbox({
      tenantId: world.tenant.tenantId,
      address: "support@contoso.test",
      access: [{ userId: world.tenant.users[0]?.id ?? "", access: "full" }],
    });
    await sim.addMessages("support@contoso.test", [{ subject: "shared" }]);
    const handler = await createHandler(world, { mailbox: "support@contoso.test" });
    expect(handler.pushStatus.state).toBe("unavailable");
    expect(handler.pushStatus.reason).toContain("shared mailbox");
    expect((await runNow(handler.id)).delivered).toBe(1);
    expect(await sim.subscriptions(world.tenant.tenantId)).toEqual([]);
    expect((await handlerView(handler.id)).pushStatus.state).toBe("unavailable");
  });

  it("deletes the subscription when push is turned off or the handler disabled, and subscribes again after", async () => {
    const world = await pushWorld();
    const sim = simulator();
    const handler = await createHandler(world);
    await viewOncePush(handler.id, "active");
    const [first] = await sim.subscriptions(world.tenant.tenantId);

    const off = await patchHandler(handler.id, { push: "off" });
    expect(off.push).toBe("off");
    expect(off.pushStatus).toMatchObject({ state: "off", expiresAt: null, reason: null });
    await vi.waitFor(async () => expect(await sim.subscriptions(world.tenant.tenantId ?? "")).toEqual([]), WAIT);
    await vi.waitFor(async () => expect(await routingRow(first?.id ?? "")).toBeNull(), WAIT);

    await patchHandler(handler.id, { push: "auto" });
    await viewOncePush(handler.id, "active");
    const [second] = await sim.subscriptions(world.tenant.tenantId);
    expect(second?.id).not.toBe(first?.id);

    const disabled = await patchHandler(handler.id, { enabled: false });
    expect(disabled.pushStatus).toMatchObject({ state: "off", reason: "The handler is disabled." });
    await vi.waitFor(async () => expect(await sim.subscriptions(world.tenant.tenantId ?? "")).toEqual([]), WAIT);

    await patchHandler(handler.id, { enabled: true });
    await viewOncePush(handler.id, "active");
    expect(await sim.subscriptions(world.tenant.tenantId)).toHaveLength(1);
  });

  it("deletes the subscription with its handler, after which its notifications change nothing", async () => {
    const world = await pushWorld();
    const sim = simulator();
    const handler = await createHandler(world);
    await viewOncePush(handler.id, "active");
    const [subscription] = await sim.subscriptions(world.tenant.tenantId);
    expect((await call("DELETE", `/api/handlers/${handler.id}`)).status).toBe(204);
    expect(await sim.subscriptions(world.tenant.tenantId)).toEqual([]);
    expect(await routingRow(subscription?.id ?? "")).toBeNull();
    const late = await postToWorker("/graph/notifications", {
      body: notificationFor({ id: subscription?.id ?? "", clientState: subscription?.clientState ?? null }),
    });
    expect(late.status).toBe(202);
    expect(await env.HANDLERS.getByName(handler.id).view()).toBeNull();
  });

  it("subscribes again for the new folder when the handler's folder changes", async () => {
    const world = await pushWorld();
    const sim = simulator();
    await sim.addFolder(world.address, "Support", { parent: "inbox" });
    const handler = await createHandler(world);
    await viewOncePush(handler.id, "active");
    const [before] = await sim.subscriptions(world.tenant.tenantId);
    await patchHandler(handler.id, { folder: "Inbox/Support" });
    await vi.waitFor(async () => {
      const [after, ...others] = await sim.subscriptions(world.tenant.tenantId ?? "");
      expect(others).toEqual([]);
      expect(after?.resource).not.toBe(before?.resource);
    }, WAIT);
    await viewOncePush(handler.id, "active");
    await sim.addMessages(world.address, [{ subject: "in support" }], { folder: "Inbox/Support" });
    await vi.waitFor(async () => expect(await acceptedPayloads(world.hook.id ?? "")).toHaveLength(1), WAIT);
  });

  it("shows failed with the fix when Microsoft cannot reach PUBLIC_URL, polls, and subscribes once it can", async () => {
    // Delivery over HTTP: the simulator tries https://edgepost.test itself, which does not resolve.
    const world = await pushWorld({ settings: { notificationDelivery: "http" } });
    const sim = simulator();
    const handler = await createHandler(world);
    const failed = await viewOncePush(handler.id, "failed");
    expect(failed.pushStatus.reason).toContain("could not validate https://edgepost.test/graph/notifications");
    expect(failed.pushStatus.reason).toContain("PUBLIC_URL");
    expect(await sim.subscriptions(world.tenant.tenantId)).toEqual([]);
    await sim.addMessages(world.address, [{ subject: "polled" }]);
    expect((await runNow(handler.id)).delivered).toBe(1);

    await sim.updateSettings(world.tenant.tenantId, { notificationDelivery: "relay" });
    // The retry comes by itself a minute later; a change of the handler retries at once.
    await patchHandler(handler.id, { name: "Support inbox, reachable" });
    const active = await viewOncePush(handler.id, "active");
    expect(active.pushStatus.reason).toBeNull();
  });

  it("shows failed with the fix when Graph refuses the subscription, and retries on its own", async () => {
    const world = await pushWorld();
    await refuseNextSubscription(world.tenant.tenantId);
    const handler = await createHandler(world);
    const failed = await viewOncePush(handler.id, "failed");
    expect(failed.pushStatus.reason).toContain("Mail.Read");
    const stub = env.HANDLERS.getByName(handler.id);
    await runDurableObjectAlarm(stub);
    await viewOncePush(handler.id, "active");
  });

  it("leaves a folder to the handler that subscribed first, since Graph allows one subscription per folder", async () => {
    const world = await pushWorld();
    const first = await createHandler(world);
    await viewOncePush(first.id, "active");
    const second = await createHandler(world, { name: "Same folder, other webhook" });
    const failed = await viewOncePush(second.id, "failed");
    expect(failed.pushStatus.reason).toContain(`Handler ${first.id} already receives change notifications`);
    expect((await handlerView(first.id)).pushStatus.state).toBe("active");
    expect(await simulator().subscriptions(world.tenant.tenantId)).toHaveLength(1);
  });

  it("replaces a subscription for its folder that nobody holds (a creation whose answer was lost)", async () => {
    const world = await pushWorld();
    const sim = simulator();
    const handler = await createHandler(world, { push: "off" });
    const token = (await callJson<{ accessToken: string }>("POST", `/api/accounts/${world.account.id}/token`)).body
      .accessToken;
    const inbox = await fetch(`${world.tenant.graphBaseUrl}/me/mailFolders/inbox`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const inboxId = ((await inbox.json()) as { id: string }).id;
    const orphan = await fetch(`${world.tenant.graphBaseUrl}/subscriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        changeType: "created",
        notificationUrl: "https://edgepost.test/graph/notifications",
        lifecycleNotificationUrl: "https://edgepost.test/graph/lifecycle",
        resource: `me/mailFolders/${encodeURIComponent(inboxId)}/messages`,
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
        clientState: "lost-with-the-answer",
      }),
    });
    expect(orphan.status).toBe(201);
    const orphanId = ((await orphan.json()) as { id: string }).id;
    await patchHandler(handler.id, { push: "auto" });
    await viewOncePush(handler.id, "active");
    const subscriptions = await sim.subscriptions(world.tenant.tenantId);
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]?.id).not.toBe(orphanId);
  });
});
