import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import { acceptedPayloads, createHandler, handlerWorld, runNow } from "../support/handlers.ts";

describe("mailbox-level errors name the mailbox", () => {
  it("refuses a handler on a mailbox Graph cannot reach, saying what to check where", async () => {
    const world = await handlerWorld();
    const shared = `onprem-${world.tenant.tenantId.slice(0, 8)}@contoso.test`;
    await simulator().createSharedMailbox({
      tenantId: world.tenant.tenantId,
      address: shared,
      restEnabled: false,
      access: [{ userId: world.tenant.users[0]?.id ?? "", access: "full" }],
    });
    const refused = await callJson<{ errors: { path: string; message: string }[] }>("POST", "/api/handlers", {
      body: { name: "On premises", accountId: world.account.id, mailbox: shared, webhookUrl: world.hook.url },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ path: "mailbox" });
    expect(refused.body.errors[0]?.message).toContain(shared);
    expect(refused.body.errors[0]?.message).toContain("MailboxNotEnabledForRESTAPI");
    expect(refused.body.errors[0]?.message).toContain("Exchange Online licence");
  });

  it("reports a mistyped shared mailbox as the mailbox, not as a missing folder", async () => {
    const world = await handlerWorld();
    await simulator().revokeConsent(world.tenant.tenantId, world.tenant.users[0]?.id ?? "", {
      clientId: world.tenant.apps[0]?.clientId ?? "",
    });
    await callJson("POST", `/api/accounts/${world.account.id}/token`, { body: { forceRefresh: true } });
    // Created while the account cannot ask Graph, so the first run finds out.
    const handler = await createHandler(world, { mailbox: "typo@contoso.test", folder: "Inbox/Support" });
    const { signIn } = await import("../support/accounts.ts");
    expect((await signIn(`/api/accounts/${world.account.id}/reauthorize`)).status).toBe(200);
    const result = await runNow(handler.id);
    expect(result.status).toBe("error");
    expect(result.lastError).toContain("Mailbox typo@contoso.test does not exist");
    expect(result.lastError).toContain("ErrorInvalidUser");
    expect(result.lastError).not.toContain("Folder");
  });
});

describe("folders", () => {
  it("finds a hidden folder by its path", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addFolder(world.address, "Quiet", { parent: "inbox", hidden: true });
    await sim.addMessages(world.address, [{ subject: "in the hidden folder" }], { folder: "Inbox/Quiet" });
    const handler = await createHandler(world, { folder: "Inbox/Quiet" });
    expect(await runNow(handler.id)).toMatchObject({ delivered: 1, status: "ok" });
  });
});

describe("the delta position", () => {
  it("starts the delta over when the stored link belongs to another query, posting nothing twice", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "one" }, { subject: "two" }]);
    const handler = await createHandler(world, { afterProcessing: "none" });
    expect(await runNow(handler.id)).toMatchObject({ delivered: 2 });
    // As an older edgepost would have left it: a link of a query with other properties.
    await runInDurableObject(env.HANDLERS.getByName(handler.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE handler SET cursor_query = 'from-an-older-version'");
    });
    await sim.resetCounters(world.tenant.tenantId);
    await sim.addMessages(world.address, [{ subject: "three" }]);
    expect(await runNow(handler.id)).toMatchObject({ fetched: 1, delivered: 1 });
    const counters = await sim.counters(world.tenant.tenantId);
    expect(counters["graph.GET /me/mailFolders/{id}/messages/delta"]).toBe(1);
    const keys = (await acceptedPayloads(world.hook.id)).map((payload) => payload.data.dedupeKey);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
  });
});

describe("a run that keeps failing", () => {
  it("backs its alarm off instead of running again at once, and delivers nothing twice meanwhile", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "waiting" }]);
    const handler = await createHandler(world);
    await sim.updateHook(world.hook.id, { failuresPerKey: { count: 1, status: 503 } });
    expect(await runNow(handler.id)).toMatchObject({ pending: 1 });
    await sim.updateSettings(world.tenant.tenantId, {
      graphFaults: [
        { failure: { kind: "error", status: 400, error: "BadRequest" }, match: { path: "delta" }, remaining: -1 },
      ],
    });
    const before = Date.now();
    const failed = await runNow(handler.id);
    expect(failed.status).toBe("error");
    const alarm = await runInDurableObject(env.HANDLERS.getByName(handler.id), (_instance, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm ?? 0).toBeGreaterThanOrEqual(before + 30_000);
    await sim.updateSettings(world.tenant.tenantId, { graphFaults: [] });
  });
});

describe("one Outlook budget per mailbox", () => {
  it("keeps two handlers of one mailbox and sends within four concurrent requests in all", async () => {
    const world = await handlerWorld({ settings: { graphLatencyMs: 30 } });
    const sim = simulator();
    await sim.addMessages(
      world.address,
      Array.from({ length: 80 }, (_, index) => ({
        subject: `shared ${index}`,
        attachments:
          index % 4 === 0 ? [{ name: "a.txt", contentType: "text/plain", contentBase64: btoa(`a${index}`) }] : [],
      })),
    );
    const other = await sim.createHook();
    const first = await createHandler(world);
    const second = await createHandler({ ...world, hook: other }, { onlyUnread: false, afterProcessing: "none" });
    await sim.resetCounters(world.tenant.tenantId);
    const sends = Array.from({ length: 4 }, (_, index) =>
      callJson("POST", `/api/accounts/${world.account.id}/send`, {
        body: { to: ["someone@example.com"], subject: `send ${index}`, text: "t" },
      }),
    );
    const [one, two] = await Promise.all([runNow(first.id), runNow(second.id), ...sends]);
    expect(one).toMatchObject({ delivered: 80 });
    expect(two).toMatchObject({ delivered: 80 });
    const counters = await sim.counters(world.tenant.tenantId);
    expect(counters["graph.throttled.concurrency"] ?? 0).toBe(0);
    expect(counters["graph.POST /me/sendMail"]).toBe(4);
  });
});
