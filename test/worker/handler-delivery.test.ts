import { describe, expect, it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import {
  acceptedPayloads,
  createHandler,
  graphRequests,
  handlerView,
  handlerWorld,
  makeRetriesDue,
  runNow,
} from "../support/handlers.ts";
import type { MessageInput } from "../simulator/mailbox.ts";
import type { SeededMessage } from "../simulator/control.ts";

interface Posted {
  issues: string[];
  data: {
    dedupeKey: string;
    handlerId: string;
    mailbox: string;
    message: Record<string, unknown> & { attachments: Record<string, unknown>[] };
  };
}

const PNG = btoa("\x89PNG\r\n\x1a\nsimulated-image-bytes");
const PDF = btoa("%PDF-1.7 simulated document ".repeat(20));

function normalMessage(index: number): MessageInput {
  const withAttachments = index % 50 === 0;
  return {
    subject: index % 7 === 0 ? `Re: [ABC-${index}] printer jam, see XY_Z-9 and ABC-${index}` : `Question ${index}`,
    from: { name: `Customer ${index}`, address: `customer${index}@example.com` },
    to: [{ name: "Support", address: "support@contoso.test" }],
    cc: index % 3 === 0 ? [{ name: "Boss", address: "boss@example.com" }] : [],
    replyTo: index % 5 === 0 ? [{ name: "Replies", address: "replies@example.com" }] : [],
    receivedDateTime: new Date(Date.UTC(2026, 10, 20, 8, 0, index)).toISOString().replace(".000Z", "Z"),
    body:
      index % 4 === 0
        ? { contentType: "text", content: `Plain body ${index}\nsecond line` }
        : {
            contentType: "html",
            content: `<html><body><p>Body of message ${index}</p>${withAttachments ? '<img src="cid:logo@1">' : ""}</body></html>`,
          },
    internetMessageId: index % 10 === 9 ? null : `<m${index}@example.com>`,
    conversationId: `conv-${index}`,
    headers:
      index % 6 === 0
        ? [
            { name: "In-Reply-To", value: `<p${index}@example.com>` },
            { name: "References", value: `<a${index}@example.com> <p${index}@example.com>` },
          ]
        : [],
    attachments: withAttachments
      ? [
          { name: "report.pdf", contentType: "application/pdf", contentBase64: PDF },
          { name: "logo.png", contentType: "image/png", contentBase64: PNG, isInline: true, contentId: "logo@1" },
          { name: "Shared link", kind: "reference" },
        ]
      : [],
  };
}

const AUTO_REPLY_HEADERS: { name: string; value: string }[][] = [
  [{ name: "Auto-Submitted", value: "auto-replied" }],
  [{ name: "X-Autoreply", value: "yes" }],
  [{ name: "Precedence", value: "bulk" }],
  [{ name: "X-MS-Exchange-Message-Is-Ndr", value: "" }],
  [{ name: "Content-Type", value: "multipart/report; report-type=delivery-status" }],
];

async function postedPayloads(hookId: string): Promise<Map<string, Posted[]>> {
  const record = await simulator().hook(hookId);
  const byKey = new Map<string, Posted[]>();
  for (const request of record.requests.filter((entry) => entry.status === 200)) {
    const key = request.headers["idempotency-key"] ?? "";
    byKey.set(key, [...(byKey.get(key) ?? []), request.body as Posted]);
  }
  return byKey;
}

function expectedText(input: MessageInput, index: number): { bodyText: string; bodyHtml: string | null } {
  return input.body?.contentType === "text"
    ? { bodyText: `Plain body ${index}\nsecond line`, bodyHtml: null }
    : { bodyText: `Body of message ${index}`, bodyHtml: input.body?.content ?? null };
}

/** Many runs with faults and waits: generous, so a busy machine does not fail it. */
const HEAVY_SCENARIO_TIMEOUT_MS = 120_000;

describe("ingestion from Graph to the Jira webhook", () => {
  it("posts each unread message once with every field, skips read mail and auto-replies, marks all read, then only new mail", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    const inputs = Array.from({ length: 500 }, (_, index) => normalMessage(index));
    const unread = await sim.addMessages(world.address, inputs);
    const read = await sim.addMessages(
      world.address,
      Array.from({ length: 50 }, (_, index) => ({ subject: `Old ${index}`, isRead: true })),
    );
    const autoReplies = await sim.addMessages(
      world.address,
      Array.from({ length: 20 }, (_, index) => ({
        subject: `Automatic reply ${index}`,
        headers: AUTO_REPLY_HEADERS[index % AUTO_REPLY_HEADERS.length] ?? [],
      })),
    );
    const handler = await createHandler(world);
    await sim.resetCounters(world.tenant.tenantId);

    const first = await runNow(handler.id);
    expect(first).toMatchObject({
      fetched: 520,
      delivered: 500,
      skipped: 20,
      failed: 0,
      pending: 0,
      deadLettered: 0,
      status: "ok",
      lastError: null,
    });

    const posted = await postedPayloads(world.hook.id);
    expect(posted.size).toBe(500);
    const record = await sim.hook(world.hook.id);
    expect(record.requests).toHaveLength(500);
    for (const request of record.requests) {
      expect(request.headers["x-automation-webhook-token"]).toBe(world.hook.token);
      expect(request.headers["content-type"]).toBe("application/json");
    }
    unread.forEach((seeded: SeededMessage, index: number) => {
      const input = inputs[index] as MessageInput;
      const key = seeded.internetMessageId ?? seeded.id;
      const copies = posted.get(key) ?? [];
      expect(copies, key).toHaveLength(1);
      const [payload] = copies as [Posted];
      expect(payload.issues).toEqual(index % 7 === 0 ? [`ABC-${index}`, "XY_Z-9"] : []);
      expect(payload.data.dedupeKey).toBe(key);
      expect(payload.data.handlerId).toBe(handler.id);
      expect(payload.data.mailbox).toBe(world.address);
      const withAttachments = index % 50 === 0;
      expect(payload.data.message).toEqual({
        id: seeded.id,
        internetMessageId: seeded.internetMessageId,
        conversationId: `conv-${index}`,
        subject: input.subject,
        from: input.from,
        to: input.to,
        cc: input.cc,
        replyTo: input.replyTo,
        receivedAt: input.receivedDateTime,
        ...expectedText(input, index),
        inReplyTo: index % 6 === 0 ? `<p${index}@example.com>` : null,
        references: index % 6 === 0 ? [`<a${index}@example.com>`, `<p${index}@example.com>`] : [],
        attachments: withAttachments
          ? [
              {
                name: "report.pdf",
                contentType: "application/pdf",
                size: atob(PDF).length,
                isInline: false,
                contentId: null,
                contentBase64: PDF,
              },
              {
                name: "logo.png",
                contentType: "image/png",
                size: atob(PNG).length,
                isInline: true,
                contentId: "logo@1",
                contentBase64: PNG,
              },
              {
                name: "Shared link",
                contentType: "application/octet-stream",
                size: 0,
                isInline: false,
                contentId: null,
                omitted: "not_a_file",
              },
            ]
          : [],
      });
    });
    for (const seeded of [...read, ...autoReplies]) {
      expect(posted.has(seeded.internetMessageId ?? seeded.id)).toBe(false);
    }
    const states = await sim.messages(world.address);
    // Skipped mail stays unread in place (afterProcessingSkipped "none"), so a person still sees it.
    expect(
      states
        .filter((message) => !message.isRead)
        .map((message) => message.id)
        .sort(),
    ).toEqual(autoReplies.map((message) => message.id).sort());

    // 25 batches mark the 500 delivered messages read; on each of the three delta pages one batch lists
    // the attachments of the messages that have some, and one downloads them.
    const counters = await sim.counters(world.tenant.tenantId);
    expect(counters["graph.POST /$batch"]).toBe(31);
    expect(counters["graph-batched.PATCH /me/messages/{id}"]).toBe(500);

    const second = await runNow(handler.id);
    expect(second).toMatchObject({ fetched: 0, delivered: 0, skipped: 0, pending: 0 });
    expect((await sim.hook(world.hook.id)).requests).toHaveLength(500);

    const late = await sim.addMessages(world.address, [{ subject: "[ABC-1] new" }, { subject: "another" }]);
    const third = await runNow(handler.id);
    expect(third).toMatchObject({ fetched: 2, delivered: 2 });
    const after = await postedPayloads(world.hook.id);
    for (const seeded of late) {
      expect(after.get(seeded.internetMessageId ?? "")).toHaveLength(1);
    }
    const view = await handlerView(handler.id);
    expect(view).toMatchObject({
      status: "ok",
      lastError: null,
      counts: { delivered: 502, skipped: 20, pending: 0, deadLettered: 0 },
    });
    expect(view.lastRunAt).not.toBeNull();
    expect(view.lastSuccessAt).toBe(view.lastRunAt);
  });

  it(
    "survives throttling, PATCH failures, a delta expiry and a failing Jira: every message posted once, counts add up",
    async () => {
      // Throttled batch items answered one by one (the 424 form of a throttled batch has its own tests).
      const world = await handlerWorld({ settings: { graphLatencyMs: 5, batchThrottling: "items" } });
      const sim = simulator();
      const seeded = await sim.addMessages(
        world.address,
        Array.from({ length: 60 }, (_, index) => ({
          subject: `Load ${index}`,
          attachments:
            index % 10 === 0
              ? [{ name: "a.txt", contentType: "text/plain", contentBase64: btoa(`file ${index}`) }]
              : [],
        })),
      );
      const handler = await createHandler(world);
      await sim.updateSettings(world.tenant.tenantId, {
        graphFaults: [
          {
            failure: { kind: "error", status: 429, error: "TooManyRequests", retryAfter: "0.5" },
            probability: 0.2,
            remaining: -1,
          },
          {
            failure: { kind: "error", status: 503, error: "ServiceUnavailable" },
            match: { method: "PATCH" },
            probability: 0.1,
            remaining: -1,
          },
        ],
      });
      await sim.updateHook(world.hook.id, { failuresPerKey: { count: 2, status: 503 } });
      for (let round = 0; round < 8; round++) {
        if (round === 1) {
          await sim.expireSyncState(world.address);
          await sim.addMessages(world.address, [{ subject: "arrived during the outage" }]);
        }
        await runNow(handler.id);
        await makeRetriesDue(handler.id);
      }
      const view = await handlerView(handler.id);
      expect(view.counts).toEqual({ delivered: 61, skipped: 0, pending: 0, deadLettered: 0 });
      const record = await sim.hook(world.hook.id);
      expect(Object.keys(record.acceptedByKey)).toHaveLength(61);
      expect(record.requests.filter((request) => request.status === 503)).toHaveLength(122);
      expect(Object.values(record.acceptedByKey).every((count) => count === 1)).toBe(true);
      for (const message of seeded) {
        expect(record.acceptedByKey[message.internetMessageId ?? ""]).toBe(1);
      }
      const counters = await sim.counters(world.tenant.tenantId);
      expect(counters["graph.fault.429"] ?? 0).toBeGreaterThan(0);
      expect(counters["graph.fault.503"] ?? 0).toBeGreaterThan(0);
      expect(counters["graph.throttled.concurrency"] ?? 0).toBe(0);
      await sim.updateSettings(world.tenant.tenantId, { graphFaults: [] });
      await runNow(handler.id);
      expect((await sim.messages(world.address)).filter((message) => !message.isRead)).toEqual([]);
      expect(await graphRequests(world.tenant.tenantId)).toBeGreaterThan(0);
    },
    HEAVY_SCENARIO_TIMEOUT_MS,
  );
});

describe("dead letters", () => {
  it("dead-letters at once on a 4xx, lists the last error, and delivers on retry once Jira is fixed", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    const [message] = await sim.addMessages(world.address, [
      { subject: "Rejected by the rule", from: { name: "Eve", address: "eve@example.com" } },
    ]);
    const handler = await createHandler(world);
    await sim.updateHook(world.hook.id, {
      faults: [
        { failure: { kind: "error", status: 400, error: "bad", description: "Rule is disabled" }, remaining: -1 },
      ],
    });

    const result = await runNow(handler.id);
    expect(result).toMatchObject({ fetched: 1, delivered: 0, deadLettered: 1, pending: 0, status: "attention" });
    expect(result.lastError).toContain("dead letters");
    expect(await handlerView(handler.id)).toMatchObject({
      status: "attention",
      lastSuccessAt: null,
      lastErrorWhere: "jira",
    });
    expect(result.lastError).toContain("400");
    const letters = await callJson<{ items: Record<string, unknown>[] }>(
      "GET",
      `/api/handlers/${handler.id}/dead-letters`,
    );
    expect(letters.body.items).toEqual([
      {
        messageId: message?.id,
        internetMessageId: message?.internetMessageId,
        subject: "Rejected by the rule",
        from: "eve@example.com",
        receivedAt: expect.any(String),
        attempts: 1,
        lastError: "webhook answered 400: Rule is disabled",
        lastAttemptAt: expect.any(String),
      },
    ]);
    expect((await sim.messages(world.address))[0]?.isRead).toBe(false);

    const still = await callJson(
      "POST",
      `/api/handlers/${handler.id}/dead-letters/${encodeURIComponent(message?.id ?? "")}/retry`,
    );
    expect(still.body).toEqual({ delivered: false, error: "webhook answered 400: Rule is disabled" });

    await sim.updateHook(world.hook.id, { faults: [] });
    const retried = await callJson(
      "POST",
      `/api/handlers/${handler.id}/dead-letters/${encodeURIComponent(message?.id ?? "")}/retry`,
    );
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ delivered: true });
    expect(
      (await callJson<{ items: unknown[] }>("GET", `/api/handlers/${handler.id}/dead-letters`)).body.items,
    ).toEqual([]);
    expect((await sim.hook(world.hook.id)).acceptedByKey[message?.internetMessageId ?? ""]).toBe(1);
    expect((await sim.messages(world.address))[0]?.isRead).toBe(true);
    const view = await handlerView(handler.id);
    expect(view).toMatchObject({ status: "ok", lastError: null, counts: { delivered: 1, deadLettered: 0 } });
    const missing = await callJson("POST", `/api/handlers/${handler.id}/dead-letters/nope/retry`);
    expect(missing.status).toBe(404);
  });

  it("Retry all tries every dead letter once more and reports how many went through", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "One" }, { subject: "Two" }, { subject: "Three" }]);
    const handler = await createHandler(world);
    await sim.updateHook(world.hook.id, {
      faults: [{ failure: { kind: "error", status: 401, error: "unauthorized" }, remaining: -1 }],
    });
    expect(await runNow(handler.id)).toMatchObject({ deadLettered: 3, status: "attention" });
    expect((await handlerView(handler.id)).lastErrorWhere).toBe("handler");

    const refused = await callJson("POST", `/api/handlers/${handler.id}/dead-letters/retry`);
    expect(refused.body).toEqual({ delivered: 0, failed: 3 });
    await sim.updateHook(world.hook.id, {
      faults: [{ failure: { kind: "error", status: 401, error: "x" }, remaining: 1 }],
    });
    const retried = await callJson("POST", `/api/handlers/${handler.id}/dead-letters/retry`);
    expect(retried).toMatchObject({ status: 200, body: { delivered: 2, failed: 1 } });
    const letters = await callJson<{ items: { attempts: number }[] }>(
      "GET",
      `/api/handlers/${handler.id}/dead-letters`,
    );
    expect(letters.body.items.map((letter) => letter.attempts)).toEqual([3]);
    expect((await handlerView(handler.id)).status).toBe("attention");

    expect((await callJson("POST", `/api/handlers/${handler.id}/dead-letters/retry`)).body).toEqual({
      delivered: 1,
      failed: 0,
    });
    expect(await handlerView(handler.id)).toMatchObject({
      status: "ok",
      lastError: null,
      lastErrorWhere: null,
      counts: { delivered: 3 },
    });
    expect((await sim.messages(world.address)).every((message) => message.isRead)).toBe(true);
    expect((await callJson("POST", "/api/handlers/hdl_aaaaaaaaaaaaaaaa/dead-letters/retry")).status).toBe(404);
  });

  it("retries 5xx with backoff, first within 5 s, and reports the handler as retrying", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "Wait for Jira" }]);
    const handler = await createHandler(world);
    await sim.updateHook(world.hook.id, { failuresPerKey: { count: 1, status: 503, retryAfter: "2" } });
    const before = Date.now();
    const result = await runNow(handler.id);
    expect(result).toMatchObject({ fetched: 1, delivered: 0, failed: 1, pending: 1, status: "retrying" });
    const { env } = await import("cloudflare:workers");
    const { runInDurableObject } = await import("cloudflare:test");
    const next = await runInDurableObject(env.HANDLERS.getByName(handler.id), async (_instance, state) => ({
      row: state.storage.sql
        .exec<{ next_attempt_at: number; attempts: number; last_error: string }>(
          "SELECT next_attempt_at, attempts, last_error FROM messages",
        )
        .one(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(next.row.attempts).toBe(1);
    expect(next.row.last_error).toBe("webhook answered 503: Simulated failure for this key");
    expect(next.row.next_attempt_at - before).toBeGreaterThanOrEqual(5000);
    expect(next.row.next_attempt_at - before).toBeLessThan(7000);
    expect(next.alarm).toBe(next.row.next_attempt_at);
  });

  it("keeps a waiting message's subject, body and attachments sealed in storage, not readable there", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [
      {
        subject: "Payroll for Quokka",
        body: { contentType: "text", content: "The wombat password is marsupial" },
        attachments: [{ name: "quokka.txt", contentType: "text/plain", contentBase64: btoa("numbat numbers") }],
      },
    ]);
    const handler = await createHandler(world);
    await sim.updateHook(world.hook.id, { failuresPerKey: { count: 1, status: 503 } });
    expect(await runNow(handler.id)).toMatchObject({ pending: 1 });
    const { env } = await import("cloudflare:workers");
    const { runInDurableObject } = await import("cloudflare:test");
    const stored = await runInDurableObject(env.HANDLERS.getByName(handler.id), (_instance, state) =>
      state.storage.sql.exec<{ data: string }>("SELECT data FROM payloads").toArray(),
    );
    expect(stored.length).toBeGreaterThan(0);
    const everything = stored.map((row) => row.data).join("");
    for (const words of ["Quokka", "wombat", "marsupial", btoa("numbat numbers"), "numbat"]) {
      expect(everything).not.toContain(words);
    }
    // The sealed copy is the one delivered on the retry.
    await makeRetriesDue(handler.id);
    expect(await runNow(handler.id)).toMatchObject({ delivered: 1 });
    const [payload] = await acceptedPayloads(world.hook.id);
    expect(payload?.data.message.bodyText).toContain("marsupial");
  });
});
