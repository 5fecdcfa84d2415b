import { beforeEach, describe, expect, it } from "vitest";
import { resolveHandlerFolders } from "../../src/core/handlers/handler-folders.ts";
import { emptyRunCounts } from "../../src/core/handlers/handler.ts";
import { IMMUTABLE_IDS } from "../../src/core/handlers/delta-reader.ts";
import { runHandler } from "../../src/core/handlers/handler-run.ts";
import { RULE_REASONS } from "../../src/core/mail/auto-reply.ts";
import { parseKeyRing } from "../../src/core/crypto/key-ring.ts";
import { MAX_DELIVERY_ATTEMPTS } from "../../src/core/jira/delivery-policy.ts";
import { GraphClient } from "../../src/core/microsoft/graph-client.ts";
import { TestClock } from "../support/clock.ts";
import { inProcessSession, SIM_ORIGIN } from "../support/in-process-simulator.ts";
import { CLEAR_PAYLOADS, MemoryHandlerStore } from "../support/memory-ports.ts";
import type { RunDeps, RunSettings } from "../../src/core/handlers/handler-run.ts";
import type { WebhookPayload } from "../../src/core/jira/payload.ts";
import type { HttpClient, Logger } from "../../src/core/ports.ts";
import type { InProcessSession } from "../support/in-process-simulator.ts";
import type { HookInfo } from "../support/simulator-client.ts";

const QUIET: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let session: InProcessSession;
let clock: TestClock;
let store: MemoryHandlerStore;
let hook: HookInfo;
let address: string;
let settings: RunSettings;
let deps: RunDeps;

beforeEach(async () => {
  session = await inProcessSession();
  clock = new TestClock();
  store = new MemoryHandlerStore();
  hook = await session.control.createHook();
  address = session.tenant.users[0]?.mail ?? "";
  const token = await session.signIn();
  const http: HttpClient = (request) => session.sim.handle(request);
  const graph = new GraphClient({
    http,
    clock,
    // Waiting moves the test's clock instead of the test.
    sleep: async (ms) => clock.advance(ms),
    baseUrl: `${SIM_ORIGIN}/v1.0`,
    accessToken: async () => token,
    headers: { prefer: IMMUTABLE_IDS },
  });
  const folders = await resolveHandlerFolders(graph, {
    mailbox: "me",
    folder: "inbox",
    afterProcessing: "markRead",
    moveToFolder: null,
  });
  settings = {
    handlerId: "hdl_test",
    mailbox: "me",
    mailboxAddress: address,
    folderId: folders.readId,
    moveToFolderId: null,
    onlyUnread: true,
    afterProcessing: "markRead",
    afterProcessingSkipped: "none",
    partialBatches: "send",
    includeAttachments: true,
    maxAttachmentBytes: 1_000_000,
    skipRules: new Set(RULE_REASONS),
    markerKeys: (await parseKeyRing(`k1:${btoa("k".repeat(32))}`)).markerKeys,
    webhook: { url: hook.url, token: hook.token },
  };
  deps = { graph, http, clock, sleep: async (ms) => clock.advance(ms), store, payloads: CLEAR_PAYLOADS, logger: QUIET };
});

async function accepted(): Promise<WebhookPayload[]> {
  const { requests } = await session.control.hook(hook.id);
  return requests.filter((request) => request.status === 200).map((request) => request.body as WebhookPayload);
}

describe("a handler run with in-memory storage", () => {
  it("posts each new message once, marks it read, and reads only what changed on the next run", async () => {
    await session.control.addMessages(address, [{ subject: "[OPS-7] printer" }, { subject: "second" }]);
    expect((await runHandler(settings, deps)).counts).toMatchObject({ fetched: 2, delivered: 2, pending: 0 });
    expect((await accepted()).map((payload) => payload.data.message.subject).sort()).toEqual([
      "[OPS-7] printer",
      "second",
    ]);
    expect((await accepted()).find((payload) => payload.data.message.subject === "[OPS-7] printer")?.issues).toEqual([
      "OPS-7",
    ]);
    expect((await session.control.messages(address)).every((message) => message.isRead)).toBe(true);

    await session.control.addMessages(address, [{ subject: "third" }]);
    expect((await runHandler(settings, deps)).counts).toMatchObject({ fetched: 1, delivered: 1 });
    expect(await accepted()).toHaveLength(3);
  });

  it("holds a partial mark-read batch for a later run, until its oldest message waited a minute", async () => {
    const hold: RunSettings = { ...settings, partialBatches: "hold" };
    const unread = async () => (await session.control.messages(address)).filter((message) => !message.isRead).length;
    await session.control.addMessages(address, [{ subject: "one" }, { subject: "two" }]);
    expect((await runHandler(hold, deps)).counts).toMatchObject({ delivered: 2 });
    expect(await unread()).toBe(2);

    await session.control.addMessages(address, [{ subject: "three" }]);
    clock.advance(30_000);
    expect((await runHandler(hold, deps)).counts).toMatchObject({ delivered: 1 });
    expect(await unread()).toBe(3);

    // The first two arrived over a minute ago: the held batch goes, all three in one request.
    clock.advance(31_000);
    await session.control.resetCounters(session.tenant.tenantId);
    expect((await runHandler(hold, deps)).counts).toMatchObject({ fetched: 0 });
    expect(await unread()).toBe(0);
    expect((await session.control.counters(session.tenant.tenantId))["graph.POST /$batch"]).toBe(1);
    expect(await accepted()).toHaveLength(3);
  });

  it("marks a partial batch at once when the run sends partial batches (polls, Run now)", async () => {
    await session.control.addMessages(address, [{ subject: "only one" }]);
    await runHandler(settings, deps);
    expect((await session.control.messages(address)).every((message) => message.isRead)).toBe(true);
  });

  it("retries a failed delivery only once its backoff has passed on the clock", async () => {
    await session.control.updateHook(hook.id, { failuresPerKey: { count: 1, status: 503 } });
    await session.control.addMessages(address, [{ subject: "flaky" }]);
    expect((await runHandler(settings, deps)).counts).toMatchObject({ delivered: 0, failed: 1, pending: 1 });
    expect((await runHandler(settings, deps)).counts).toMatchObject({ delivered: 0, pending: 1 });
    expect((await session.control.hook(hook.id)).requests).toHaveLength(1);
    clock.advance(5_000);
    expect((await runHandler(settings, deps)).counts).toMatchObject({ delivered: 1, pending: 0 });
    expect(await accepted()).toHaveLength(1);
  });

  it("sends a message to the dead letters after its last attempt, never posting it again by itself", async () => {
    await session.control.updateHook(hook.id, { failuresPerKey: { count: 100, status: 500 } });
    await session.control.addMessages(address, [{ subject: "doomed" }]);
    let counts = emptyRunCounts();
    for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) {
      counts = (await runHandler(settings, deps)).counts;
      clock.advance(2 * 60 * 60 * 1000);
    }
    expect(counts).toMatchObject({ deadLettered: 1, pending: 0 });
    expect([...store.messages.values()][0]).toMatchObject({ state: "dead", attempts: MAX_DELIVERY_ATTEMPTS });
    expect((await runHandler(settings, deps)).counts).toMatchObject({ delivered: 0, failed: 0, deadLettered: 0 });
    expect((await session.control.hook(hook.id)).requests).toHaveLength(MAX_DELIVERY_ATTEMPTS);
  });
});

describe("a handler run against Graph's documented behaviour", () => {
  it("remembers read mail it leaves out, so a later mark-unread or flag never posts it (as a blank issue or at all)", async () => {
    const [read] = await session.control.addMessages(address, [{ subject: "already read", isRead: true }]);
    await runHandler(settings, deps);
    await session.control.changeMessage(address, read?.id ?? "", { isRead: false });
    await session.control.changeMessage(address, read?.id ?? "", { flagged: true });
    expect((await runHandler(settings, deps)).counts).toMatchObject({ fetched: 0, delivered: 0 });
    expect(await accepted()).toEqual([]);
    expect(store.messages.get(read?.id ?? "")?.state).toBe("ignored");
  });

  it("reads an unknown message that the delta sends only in part in full (batched) before posting it", async () => {
    const [first] = await session.control.addMessages(address, [
      { subject: "[OPS-1] printer", from: { name: "Ann", address: "ann@example.com" } },
    ]);
    const leaveUnread = { ...settings, afterProcessing: "none" as const };
    expect((await runHandler(leaveUnread, deps)).counts).toMatchObject({ delivered: 1 });
    // As if the store had never seen it: the next round sends the flag as id + flag + parentFolderId only.
    store.messages.clear();
    await session.control.changeMessage(address, first?.id ?? "", { flagged: true });
    await session.control.resetCounters(session.tenant.tenantId);
    expect((await runHandler(leaveUnread, deps)).counts).toMatchObject({ fetched: 1, delivered: 1 });
    const posted = (await accepted()).at(-1);
    expect(posted?.data.message).toMatchObject({ subject: "[OPS-1] printer", from: { address: "ann@example.com" } });
    expect(posted?.issues).toEqual(["OPS-1"]);
    expect((await session.control.counters(session.tenant.tenantId))["graph-batched.GET /me/messages/{id}"]).toBe(1);
  });

  it("completes a first sync of 5,000 messages whose pages Graph cannot serve at full size", async () => {
    await session.control.updateSettings(session.tenant.tenantId, { deltaPageBodyLimitBytes: 60_000 });
    const body = { contentType: "text" as const, content: "y".repeat(1000) };
    for (let start = 0; start < 5000; start += 1000) {
      await session.control.addMessages(
        address,
        Array.from({ length: 1000 }, (_, index) => ({ subject: `bulk ${start + index}`, body })),
      );
    }
    const sizes: number[] = [];
    const remember = store.saveDeltaPaging.bind(store);
    store.saveDeltaPaging = (paging) => {
      sizes.push(paging.size);
      remember(paging);
    };
    let delivered = 0;
    for (let run = 0; run < 30 && delivered < 5000; run++) {
      delivered += (await runHandler({ ...settings, afterProcessing: "none" }, deps)).counts.delivered;
    }
    expect(delivered).toBe(5000);
    // It halved from 200 until Graph served the pages (at most 60 bodies of 1,000 bytes fit), then grew
    // back only slowly and never to a size Graph had refused.
    expect(sizes.slice(0, 2)).toEqual([100, 50]);
    expect(Math.max(...sizes.slice(2))).toBeLessThan(100);
    expect(new Set((await accepted()).map((payload) => payload.data.dedupeKey)).size).toBe(5000);
  });

  it("grows the page size back once Graph serves the smaller pages", async () => {
    store.saveDeltaPaging({ size: 20, streak: 0 });
    await session.control.addMessages(
      address,
      Array.from({ length: 200 }, (_, index) => ({ subject: `m ${index}` })),
    );
    await runHandler({ ...settings, afterProcessing: "none" }, deps);
    expect(store.deltaPaging()?.size).toBeGreaterThan(20);
  });

  it("turns a malformed Graph answer into a typed invalid_response error, not a TypeError", async () => {
    await session.control.updateSettings(session.tenant.tenantId, {
      graphFaults: [{ failure: { kind: "malformed" }, match: { path: "delta" }, remaining: 1 }],
    });
    await expect(runHandler(settings, deps)).rejects.toMatchObject({ name: "GraphError", code: "invalid_response" });
    await session.control.addMessages(address, [{ subject: "after" }]);
    expect((await runHandler(settings, deps)).counts).toMatchObject({ delivered: 1 });
  });

  it("posts one of two mails sharing a Message-ID and lists the other as a skipped duplicate", async () => {
    await session.control.addMessages(address, [
      { subject: "copy one", internetMessageId: "<same@example.com>" },
      { subject: "copy two", internetMessageId: "<same@example.com>" },
    ]);
    expect((await runHandler(settings, deps)).counts).toMatchObject({ delivered: 1, skipped: 1 });
    expect([...store.messages.values()].map((message) => message.skipReason).sort()).toEqual(["duplicate", null]);
    expect(await accepted()).toHaveLength(1);
  });

  it("keeps going past a poisoned message: 99 delivered once, the one it cannot read in the dead letters", async () => {
    await session.control.addMessages(address, [
      ...Array.from({ length: 98 }, (_, index) => ({ subject: `fine ${index}` })),
      { subject: "odd id", internetMessageId: "<evil\r\nInjected: yes\u0000@example.com>" },
      { subject: "unreadable", rawOverrides: { internetMessageHeaders: "not a list" } },
    ]);
    const counts = (await runHandler(settings, deps)).counts;
    expect(counts).toMatchObject({ delivered: 99, deadLettered: 1, pending: 0 });
    const keys = (await accepted()).map((payload) => payload.data.dedupeKey);
    expect(new Set(keys).size).toBe(99);
    expect(keys.filter((key) => key.startsWith("sha256:"))).toHaveLength(1);
    const dead = [...store.messages.values()].filter((message) => message.state === "dead");
    expect(dead).toHaveLength(1);
    expect(dead[0]?.lastError).toContain("internetMessageHeaders");
    expect((await runHandler(settings, deps)).counts).toMatchObject({ fetched: 0, delivered: 0, deadLettered: 0 });
  });

  it("marks read after a batch failed whole with 424 on a later round, and never posts again for it", async () => {
    await session.control.updateSettings(session.tenant.tenantId, {
      batchThrottling: "whole",
      graphFaults: [
        {
          failure: { kind: "error", status: 429, error: "TooManyRequests", retryAfter: "1" },
          match: { method: "PATCH" },
          remaining: 1,
        },
      ],
    });
    await session.control.addMessages(address, [{ subject: "one" }, { subject: "two" }]);
    const outcome = await runHandler(settings, deps);
    expect(outcome.counts).toMatchObject({ delivered: 2 });
    expect(outcome.warning).toBeNull();
    expect((await session.control.messages(address)).every((message) => message.isRead)).toBe(true);
    expect((await session.control.counters(session.tenant.tenantId))["graph.batch_failed_dependency"]).toBe(1);
    expect(await accepted()).toHaveLength(2);
  });
});
