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
