import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { advanceObjectClock } from "../support/object-clock.ts";
import { callJson, simulator } from "../support/api.ts";
import { acceptedPayloads, createHandler, handlerView, handlerWorld, runNow } from "../support/handlers.ts";
import type { ActivityItem } from "../../src/core/handlers/handler.ts";

async function activity(handlerId: string, query = ""): Promise<ActivityItem[]> {
  const { status, body } = await callJson<{ items: ActivityItem[] }>(
    "GET",
    `/api/handlers/${handlerId}/activity${query}`,
  );
  expect(status).toBe(200);
  return body.items;
}

describe("skipped mail stays visible", () => {
  it("is left unread in place and listed with its reason, unless afterProcessingSkipped says same", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [
      { subject: "Out of office", headers: [{ name: "Auto-Submitted", value: "auto-replied" }] },
      { subject: "Newsletter", headers: [{ name: "Precedence", value: "list" }] },
      { subject: "A customer" },
    ]);
    const handler = await createHandler(world);
    expect(await runNow(handler.id)).toMatchObject({ fetched: 3, delivered: 1, skipped: 2, status: "ok" });
    const states = await sim.messages(world.address);
    expect(
      states
        .filter((message) => !message.isRead)
        .map((message) => message.subject)
        .sort(),
    ).toEqual(["Newsletter", "Out of office"]);
    const items = await activity(handler.id);
    expect(items.map((item) => [item.subject, item.outcome, item.reason]).sort()).toEqual([
      ["A customer", "delivered", null],
      ["Newsletter", "skipped", "bulk"],
      ["Out of office", "skipped", "auto_submitted"],
    ]);
    expect(items.find((item) => item.outcome === "delivered")).toMatchObject({ attempts: 1, lastStatus: 200 });

    const same = await simulator().createHook();
    const marking = await createHandler(
      { ...world, hook: same },
      { afterProcessingSkipped: "same", onlyUnread: false },
    );
    await runNow(marking.id);
    expect((await sim.messages(world.address)).every((message) => message.isRead)).toBe(true);
  });

  it("applies only the rules the handler keeps", async () => {
    const world = await handlerWorld();
    await simulator().addMessages(world.address, [
      { subject: "Out of office", headers: [{ name: "Auto-Submitted", value: "auto-replied" }] },
      { subject: "Newsletter", headers: [{ name: "Precedence", value: "bulk" }] },
    ]);
    const handler = await createHandler(world, { skipRules: ["bulk"] });
    expect(await runNow(handler.id)).toMatchObject({ delivered: 1, skipped: 1 });
    expect((await acceptedPayloads(world.hook.id)).map((payload) => payload.data.message.subject)).toEqual([
      "Out of office",
    ]);
  });

  it("answers the activity newest first, capped by limit, and names a bad limit", async () => {
    const world = await handlerWorld();
    await simulator().addMessages(world.address, [{ subject: "one" }, { subject: "two" }, { subject: "three" }]);
    const handler = await createHandler(world);
    await runNow(handler.id);
    expect(await activity(handler.id, "?limit=2")).toHaveLength(2);
    const refused = await callJson<{ errors: { path: string }[] }>(
      "GET",
      `/api/handlers/${handler.id}/activity?limit=0`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]?.path).toBe("limit");
    expect((await callJson("GET", "/api/handlers/hdl_aaaaaaaaaaaaaaaa/activity")).status).toBe(404);
  });
});

describe("edgepost's own mail", () => {
  it("is recognised by its signed marker; a copied or written marker is not", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    const handler = await createHandler(world);
    const sent = await callJson("POST", `/api/accounts/${world.account.id}/send`, {
      body: { to: [world.address], subject: "Re: [ABC-1] your printer", text: "On it." },
    });
    expect(sent.status).toBe(202);
    const [received] = (await sim.messages(world.address)).filter((message) => message.subject.startsWith("Re:"));
    expect(received).toBeDefined();
    const outgoing = (await sim.sent(world.address)).at(-1)?.message as { internetMessageHeaders: { value: string }[] };
    const marker = outgoing.internetMessageHeaders.at(-1)?.value ?? "";
    await sim.addMessages(world.address, [
      { subject: "Forged", headers: [{ name: "X-Edgepost-Sent", value: "1" }] },
      { subject: "Copied", headers: [{ name: "X-Edgepost-Sent", value: marker }] },
    ]);
    expect(await runNow(handler.id)).toMatchObject({ delivered: 2, skipped: 1 });
    expect((await acceptedPayloads(world.hook.id)).map((payload) => payload.data.message.subject).sort()).toEqual([
      "Copied",
      "Forged",
    ]);
    expect((await activity(handler.id)).find((item) => item.reason === "own_mail")?.subject).toBe(
      "Re: [ABC-1] your printer",
    );
  });
});

describe("after-processing", () => {
  it("never turns a handler to error: mail Graph would not mark read is a warning, tried again next run", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    const userId = world.tenant.users[0]?.id ?? "";
    const shared = `readonly-${world.tenant.tenantId.slice(0, 8)}@contoso.test`;
    await sim.createSharedMailbox({
      tenantId: world.tenant.tenantId,
      address: shared,
      access: [{ userId, access: "read" }],
    });
    await sim.addMessages(shared, [{ subject: "for the team" }]);
    const handler = await createHandler(world, { mailbox: shared });
    const result = await runNow(handler.id);
    expect(result).toMatchObject({ delivered: 1, status: "attention" });
    expect(result.lastError).toContain("Full Access");
    await sim.setMailboxAccess(shared, userId, "full");
    expect(await runNow(handler.id)).toMatchObject({ delivered: 0, status: "ok", lastError: null });
    expect((await sim.messages(shared))[0]?.isRead).toBe(true);
    expect(await acceptedPayloads(world.hook.id)).toHaveLength(1);
    expect((await handlerView(handler.id)).status).toBe("ok");
  });
});

describe("retention", () => {
  it("forgets subjects and senders after retentionDays, still posts nothing twice, and keeps the counts", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [
      { subject: "old one", internetMessageId: "<old-1@example.com>" },
      { subject: "old two", headers: [{ name: "Precedence", value: "bulk" }] },
    ]);
    const handler = await createHandler(world, { retentionDays: 1, afterProcessing: "none" });
    expect(await runNow(handler.id)).toMatchObject({ delivered: 1, skipped: 1 });
    await advanceObjectClock(env.HANDLERS.getByName(handler.id), 2 * 24 * 60 * 60);
    await runNow(handler.id);
    expect(await activity(handler.id)).toEqual([]);
    const stored = await runInDurableObject(env.HANDLERS.getByName(handler.id), (_instance, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM messages").one(),
    );
    expect(stored.n).toBe(0);
    expect((await handlerView(handler.id)).counts).toMatchObject({ delivered: 1, skipped: 1 });

    // A delta reset shows both again; a second copy of the delivered mail arrives.
    await sim.expireSyncState(world.address);
    await sim.addMessages(world.address, [{ subject: "old one again", internetMessageId: "<old-1@example.com>" }]);
    expect(await runNow(handler.id)).toMatchObject({ fetched: 1, delivered: 0, skipped: 1 });
    expect(await acceptedPayloads(world.hook.id)).toHaveLength(1);
  });
});
