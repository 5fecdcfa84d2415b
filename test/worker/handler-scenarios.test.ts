import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import {
  acceptedPayloads,
  createHandler,
  graphRequests,
  handlerView,
  handlerWorld,
  runNow,
} from "../support/handlers.ts";

describe("after processing", () => {
  it("moves delivered mail from a folder path to another, keeping immutable ids", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addFolder(world.address, "Support", { parent: "inbox" });
    await sim.addFolder(world.address, "Done", { parent: "archive" });
    const seeded = await sim.addMessages(world.address, [{ subject: "one" }, { subject: "two" }], {
      folder: "Inbox/Support",
    });
    await sim.addMessages(world.address, [{ subject: "elsewhere" }]);
    const handler = await createHandler(world, {
      folder: "Inbox/Support",
      afterProcessing: "move",
      moveToFolder: "Archive/Done",
    });
    expect(await runNow(handler.id)).toMatchObject({ fetched: 2, delivered: 2 });
    const states = await sim.messages(world.address);
    expect(
      states
        .filter((message) => message.folder === "Archive/Done")
        .map((message) => message.subject)
        .sort(),
    ).toEqual(["one", "two"]);
    expect(states.find((message) => message.subject === "elsewhere")?.folder).toBe("Inbox");
    const posted = (await acceptedPayloads(world.hook.id)).map((payload) => payload.data.message.id);
    expect(posted.sort()).toEqual(seeded.map((message) => message.id).sort());
    expect(
      states
        .filter((message) => message.folder === "Archive/Done")
        .map((message) => message.id)
        .sort(),
    ).toEqual(posted.sort());
    expect(await runNow(handler.id)).toMatchObject({ fetched: 0, delivered: 0 });
  });

  it("leaves mail alone with afterProcessing none, and takes read mail too when onlyUnread is off", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "unread" }, { subject: "read", isRead: true }]);
    const handler = await createHandler(world, { afterProcessing: "none", onlyUnread: false });
    expect(await runNow(handler.id)).toMatchObject({ fetched: 2, delivered: 2 });
    expect((await sim.messages(world.address)).map((message) => message.isRead).sort()).toEqual([false, true]);
    expect(await runNow(handler.id)).toMatchObject({ fetched: 0, delivered: 0 });
  });
});

describe("attachments", () => {
  it("lists attachments past maxAttachmentBytes without bytes, and none when includeAttachments is off", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    const small = btoa("s".repeat(100));
    const big = btoa("b".repeat(5000));
    await sim.addMessages(world.address, [
      {
        subject: "files",
        attachments: [
          { name: "small.txt", contentType: "text/plain", contentBase64: small },
          { name: "big.txt", contentType: "text/plain", contentBase64: big },
        ],
      },
    ]);
    const handler = await createHandler(world, { maxAttachmentBytes: 1000, afterProcessing: "none" });
    await runNow(handler.id);
    const [payload] = await acceptedPayloads(world.hook.id);
    const attachments = payload?.data.message.attachments;
    expect(attachments).toEqual([
      {
        name: "small.txt",
        contentType: "text/plain",
        size: 100,
        isInline: false,
        contentId: null,
        contentBase64: small,
      },
      {
        name: "big.txt",
        contentType: "text/plain",
        size: 5000,
        isInline: false,
        contentId: null,
        omitted: "too_large",
      },
    ]);
    const otherHook = await sim.createHook();
    const without = await createHandler(
      { ...world, hook: otherHook },
      { includeAttachments: false, afterProcessing: "none" },
    );
    const before = await graphRequests(world.tenant.tenantId);
    await runNow(without.id);
    expect((await graphRequests(world.tenant.tenantId)) - before).toBe(1);
    const [plain] = await acceptedPayloads(otherHook.id);
    expect(plain?.data.message.attachments).toEqual([]);
  });
});

describe("shared mailboxes", () => {
  it("reads a shared mailbox the account may use, and tells the admin which right is missing when it may not", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    const userId = world.tenant.users[0]?.id ?? "";
    const shared = `support-${world.tenant.tenantId.slice(0, 8)}@contoso.test`;
    await sim.createSharedMailbox({
      tenantId: world.tenant.tenantId,
      address: shared,
      displayName: "Support",
      access: [{ userId, access: "full" }],
    });
    await sim.addMessages(shared, [{ subject: "for the team" }]);
    const handler = await createHandler(world, { mailbox: shared.toUpperCase() });
    expect(handler.mailbox).toBe(shared);
    expect(await runNow(handler.id)).toMatchObject({ fetched: 1, delivered: 1, status: "ok" });
    const [payload] = await acceptedPayloads(world.hook.id);
    expect(payload?.data.mailbox).toBe(shared);
    expect((await sim.messages(shared))[0]?.isRead).toBe(true);

    await sim.setMailboxAccess(shared, userId, null);
    const refused = await runNow(handler.id);
    expect(refused.status).toBe("error");
    expect(refused.lastError).toContain(shared);
    expect(refused.lastError).toContain("Full Access");
    expect(await handlerView(handler.id)).toMatchObject({ status: "error", lastErrorWhere: "exchange" });

    const create = await callJson<{ errors: { path: string; message: string }[] }>("POST", "/api/handlers", {
      body: { name: "No rights", accountId: world.account.id, mailbox: shared, webhookUrl: world.hook.url },
    });
    expect(create.status).toBe(400);
    expect(create.body.errors[0]).toMatchObject({ path: "mailbox", message: expect.stringContaining("Full Access") });
  });
});

describe("account trouble", () => {
  it("turns the handler to error without a single Graph request when the account needs re-authorization", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "waiting" }]);
    const handler = await createHandler(world);
    await sim.revokeConsent(world.tenant.tenantId, world.tenant.users[0]?.id ?? "", {
      clientId: world.tenant.apps[0]?.clientId ?? "",
    });
    expect(
      (await callJson("POST", `/api/accounts/${world.account.id}/token`, { body: { forceRefresh: true } })).status,
    ).toBe(409);
    const before = await graphRequests(world.tenant.tenantId);
    const result = await runNow(handler.id);
    expect(result).toMatchObject({ fetched: 0, delivered: 0, status: "error" });
    expect(result.lastError).toContain("needs re-authorization");
    expect(result.lastError).toContain("AADSTS50173");
    expect((await handlerView(handler.id)).lastErrorWhere).toBe("account");
    expect(await graphRequests(world.tenant.tenantId)).toBe(before);

    const { signIn } = await import("../support/accounts.ts");
    expect((await signIn(`/api/accounts/${world.account.id}/reauthorize`)).status).toBe(200);
    const cleared = await eventually(
      () => handlerView(handler.id),
      (view) => view.status === "ok",
    );
    expect(cleared).toMatchObject({ status: "ok", lastError: null, counts: { delivered: 1 } });
    expect(cleared.lastSuccessAt).not.toBeNull();
  });

  it("accepts a folder it cannot check yet, then names the missing path in the handler's error", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.revokeConsent(world.tenant.tenantId, world.tenant.users[0]?.id ?? "", {
      clientId: world.tenant.apps[0]?.clientId ?? "",
    });
    await callJson("POST", `/api/accounts/${world.account.id}/token`, { body: { forceRefresh: true } });
    const handler = await createHandler(world, { folder: "Inbox/Missing" });
    const { signIn } = await import("../support/accounts.ts");
    expect((await signIn(`/api/accounts/${world.account.id}/reauthorize`)).status).toBe(200);
    const result = await runNow(handler.id);
    expect(result.status).toBe("error");
    expect(result.lastError).toContain('Folder "Inbox/Missing"');
    expect(result.lastError).toContain('no folder "Missing" in "Inbox"');
    expect((await handlerView(handler.id)).lastErrorWhere).toBe("handler");
  });

  it("refreshes once and retries when Graph refuses an access token that edgepost still thought valid", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "after expiry" }]);
    const handler = await createHandler(world);
    await sim.advanceClock(world.tenant.tenantId, 4000);
    await sim.resetCounters(world.tenant.tenantId);
    expect(await runNow(handler.id)).toMatchObject({ fetched: 1, delivered: 1, status: "ok" });
    const counters = await sim.counters(world.tenant.tenantId);
    expect(counters["token.refresh_token"]).toBe(1);
  });
});

describe("one run at a time", () => {
  it("joins overlapping triggers into a single run", async () => {
    const world = await handlerWorld({ settings: { graphLatencyMs: 30 } });
    const sim = simulator();
    await sim.addMessages(
      world.address,
      Array.from({ length: 5 }, (_, index) => ({ subject: `m${index}` })),
    );
    const handler = await createHandler(world);
    await sim.resetCounters(world.tenant.tenantId);
    const stub = env.HANDLERS.getByName(handler.id);
    const [alarm, first, second] = await Promise.all([
      runInDurableObject(stub, async (instance) => {
        await (instance as unknown as { alarm(): Promise<void> }).alarm();
        return "alarm";
      }),
      runNow(handler.id),
      runNow(handler.id),
    ]);
    expect(alarm).toBe("alarm");
    expect(first).toEqual(second);
    expect(first.delivered).toBe(5);
    const counters = await sim.counters(world.tenant.tenantId);
    expect(counters["graph.GET /me/mailFolders/{id}/messages/delta"]).toBe(1);
    expect(Object.values((await sim.hook(world.hook.id)).acceptedByKey)).toEqual([1, 1, 1, 1, 1]);
  });

  it("refuses to run a disabled handler", async () => {
    const world = await handlerWorld();
    const handler = await createHandler(world, { enabled: false });
    expect(handler.status).toBe("disabled");
    const response = await callJson<{ detail: string }>("POST", `/api/handlers/${handler.id}/run`);
    expect(response.status).toBe(409);
    expect(response.body.detail).toContain("disabled");
  });
});

/** 2,100 messages through the simulator server and back: generous, so a busy machine does not fail them. */
const LARGE_RUN_TIMEOUT_MS = 120_000;

/** `count` unread messages with numbered subjects, added 700 at a time to keep each control call small. */
async function addMessagesInBulk(address: string, options: { count: number; prefix: string }): Promise<void> {
  for (let start = 0; start < options.count; start += 700) {
    const length = Math.min(700, options.count - start);
    await simulator().addMessages(
      address,
      Array.from({ length }, (_, index) => ({ subject: `${options.prefix} ${start + index}` })),
    );
  }
}

describe("run limits", () => {
  it(
    "stops reading after ten pages of 200 and asks to be continued at once",
    async () => {
      const world = await handlerWorld();
      const sim = simulator();
      await addMessagesInBulk(world.address, { count: 2100, prefix: "bulk" });
      const handler = await createHandler(world, { afterProcessing: "none" });
      const before = Date.now();
      const first = await runNow(handler.id);
      expect(first).toMatchObject({ fetched: 2000, delivered: 2000, pending: 0 });
      const alarm = await runInDurableObject(env.HANDLERS.getByName(handler.id), (_instance, state) =>
        state.storage.getAlarm(),
      );
      expect(alarm).not.toBeNull();
      expect(alarm ?? 0).toBeGreaterThanOrEqual(before);
      expect(alarm ?? 0).toBeLessThanOrEqual(Date.now());
      await runDurableObjectAlarm(env.HANDLERS.getByName(handler.id));
      await runNow(handler.id);
      expect((await handlerView(handler.id)).counts.delivered).toBe(2100);
      expect(Object.keys((await sim.hook(world.hook.id)).acceptedByKey)).toHaveLength(2100);
    },
    LARGE_RUN_TIMEOUT_MS,
  );

  it(
    "keeps reading new pages while earlier deliveries wait for Jira",
    async () => {
      const world = await handlerWorld();
      const sim = simulator();
      await addMessagesInBulk(world.address, { count: 2100, prefix: "outage" });
      const handler = await createHandler(world, { afterProcessing: "none" });
      await sim.updateHook(world.hook.id, { failuresPerKey: { count: 1, status: 503 } });
      const first = await runNow(handler.id);
      // Ten pages of 200: the outbox holds what Jira refused, and reading goes on meanwhile.
      expect(first.fetched).toBe(2000);
      expect(first.delivered + first.pending).toBe(2000);
      expect(first.pending).toBeGreaterThan(0);
      const second = await runNow(handler.id);
      expect(second.fetched).toBe(100);
      const { counts } = await handlerView(handler.id);
      expect(counts.pending + counts.delivered).toBe(2100);
      const record = await sim.hook(world.hook.id);
      expect(Object.values(record.acceptedByKey).every((accepted) => accepted === 1)).toBe(true);
    },
    LARGE_RUN_TIMEOUT_MS,
  );
});

/** What `read` gives once `done` holds; the reconnect wakes the handler in the background. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (done(value) || attempt === 200) {
      return value;
    }
    await scheduler.wait(50);
  }
}
