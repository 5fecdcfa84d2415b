import { beforeAll, describe, expect, it } from "vitest";
import { call, callJson, simulator } from "../support/api.ts";
import { createHandler, handlerBody, handlerWorld } from "../support/handlers.ts";
import type { HandlerView } from "../../src/core/handlers/handler.ts";
import type { HandlerWorld } from "../support/handlers.ts";

let world: HandlerWorld;

beforeAll(async () => {
  world = await handlerWorld();
  await simulator().addFolder(world.address, "Support", { parent: "inbox" });
});

describe("POST /api/handlers", () => {
  it("creates a handler with the contract's defaults and a write-only webhook token", async () => {
    const { status, body, response } = await callJson<HandlerView>("POST", "/api/handlers", {
      body: handlerBody(world),
    });
    expect(status).toBe(201);
    expect(response.headers.get("location")).toBe(`/api/handlers/${body.id}`);
    expect(body).toEqual({
      id: expect.stringMatching(/^hdl_[a-z2-7]{16}$/),
      name: "Support inbox",
      accountId: world.account.id,
      mailbox: "me",
      folder: "inbox",
      onlyUnread: true,
      afterProcessing: "markRead",
      moveToFolder: null,
      webhookUrl: world.hook.url,
      webhookTokenSet: true,
      pollIntervalMinutes: 1,
      includeAttachments: true,
      maxAttachmentBytes: 10 * 1024 * 1024,
      skipAutoReplies: true,
      skipRules: ["own_mail", "auto_submitted", "auto_reply", "delivery_report", "bulk"],
      afterProcessingSkipped: "none",
      retentionDays: 30,
      enabled: true,
      push: "auto",
      status: "idle",
      lastRunAt: null,
      lastSuccessAt: null,
      lastError: null,
      lastErrorWhere: null,
      counts: { delivered: 0, skipped: 0, pending: 0, deadLettered: 0 },
      // These tests run without PUBLIC_URL: push is unavailable and says why (test/push has it set).
      pushStatus: {
        state: "unavailable",
        expiresAt: null,
        lastNotificationAt: null,
        reason: expect.stringContaining("PUBLIC_URL is not set"),
      },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const listed = await callJson<{ items: HandlerView[] }>("GET", "/api/handlers");
    expect(listed.body.items.map((item) => item.id)).toContain(body.id);
    expect((await callJson("GET", `/api/handlers/${body.id}`)).body).toEqual(body);
  });

  describe("refuses each invalid field with a message naming it", () => {
    const cases: [string, () => Record<string, unknown>, string, RegExp][] = [
      ["missing name", () => ({ name: undefined }), "name", /is required/],
      ["missing accountId", () => ({ accountId: undefined }), "accountId", /is required/],
      ["an unknown account", () => ({ accountId: "acct_aaaaaaaaaaaaaaaaaaaa" }), "accountId", /names no account/],
      ["a mailbox that is not an address", () => ({ mailbox: "support" }), "mailbox", /"me" or a mailbox address/],
      ["a folder path that does not exist", () => ({ folder: "Inbox/Nope" }), "folder", /no folder "Nope" in "Inbox"/],
      ["an unknown afterProcessing", () => ({ afterProcessing: "delete" }), "afterProcessing", /must be one of/],
      ["an unknown push mode", () => ({ push: "on" }), "push", /must be one of "auto", "off"/],
      [
        "move without moveToFolder",
        () => ({ afterProcessing: "move" }),
        "moveToFolder",
        /is required when afterProcessing is "move"/,
      ],
      [
        "moveToFolder without move",
        () => ({ moveToFolder: "archive" }),
        "moveToFolder",
        /only used when afterProcessing is "move"/,
      ],
      [
        "a move target that does not exist",
        () => ({ afterProcessing: "move", moveToFolder: "Archive/Nope" }),
        "moveToFolder",
        /no folder "Nope"/,
      ],
      [
        "a webhookUrl over plain http",
        () => ({ webhookUrl: "http://jira.example.com/hook" }),
        "webhookUrl",
        /https URL/,
      ],
      ["a webhookUrl that is no URL", () => ({ webhookUrl: "jira" }), "webhookUrl", /https URL/],
      ["a missing webhookUrl", () => ({ webhookUrl: undefined }), "webhookUrl", /is required/],
      ["pollIntervalMinutes of 0", () => ({ pollIntervalMinutes: 0 }), "pollIntervalMinutes", /at least 1/],
      ["pollIntervalMinutes of 61", () => ({ pollIntervalMinutes: 61 }), "pollIntervalMinutes", /at most 60/],
      [
        "a fractional pollIntervalMinutes",
        () => ({ pollIntervalMinutes: 1.5 }),
        "pollIntervalMinutes",
        /integer|must be/,
      ],
      ["a negative maxAttachmentBytes", () => ({ maxAttachmentBytes: -1 }), "maxAttachmentBytes", /at least 0/],
      ["onlyUnread as a string", () => ({ onlyUnread: "yes" }), "onlyUnread", /must be a boolean/],
      ["an empty webhookToken", () => ({ webhookToken: "" }), "webhookToken", /must not be empty/],
      ["an unknown field", () => ({ webhookSecret: "x" }), "webhookSecret", /is not a known field/],
    ];
    for (const [label, overrides, path, message] of cases) {
      it(label, async () => {
        const body = handlerBody(world, overrides());
        const { status, body: problem } = await callJson<{ errors: { path: string; message: string }[] }>(
          "POST",
          "/api/handlers",
          { body },
        );
        expect(status, JSON.stringify(problem)).toBe(400);
        const issue = problem.errors.find((candidate) => candidate.path === path);
        expect(issue, JSON.stringify(problem.errors)).toBeDefined();
        expect(issue?.message.startsWith(path)).toBe(true);
        expect(issue?.message).toMatch(message);
      });
    }
  });

  it("accepts a folder by path, well-known name or id", async () => {
    const byPath = await createHandler(world, { folder: "Inbox/Support" });
    expect(byPath.folder).toBe("Inbox/Support");
    const byName = await createHandler(world, { folder: "archive" });
    expect(byName.folder).toBe("archive");
  });
});

describe("changing and deleting handlers", () => {
  it("patches fields, replaces or removes the token, and deletes", async () => {
    const handler = await createHandler(world);
    const patched = await callJson<HandlerView>("PATCH", `/api/handlers/${handler.id}`, {
      body: { name: "Renamed", pollIntervalMinutes: 5, webhookToken: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: handler.id,
      name: "Renamed",
      pollIntervalMinutes: 5,
      webhookTokenSet: false,
      createdAt: handler.createdAt,
    });
    const moved = await callJson<HandlerView>("PATCH", `/api/handlers/${handler.id}`, {
      body: { afterProcessing: "move", moveToFolder: "archive" },
    });
    expect(moved.body).toMatchObject({ afterProcessing: "move", moveToFolder: "archive" });
    const back = await callJson<HandlerView>("PATCH", `/api/handlers/${handler.id}`, {
      body: { afterProcessing: "none" },
    });
    expect(back.body).toMatchObject({ afterProcessing: "none", moveToFolder: null });
    const invalid = await callJson<{ errors: { path: string }[] }>("PATCH", `/api/handlers/${handler.id}`, {
      body: { folder: "Inbox/Missing" },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0]?.path).toBe("folder");
    expect((await call("DELETE", `/api/handlers/${handler.id}`)).status).toBe(204);
    expect((await call("GET", `/api/handlers/${handler.id}`)).status).toBe(404);
    expect((await call("DELETE", `/api/handlers/${handler.id}`)).status).toBe(404);
    expect(
      (await callJson<{ items: HandlerView[] }>("GET", "/api/handlers")).body.items.map((item) => item.id),
    ).not.toContain(handler.id);
  });

  it("changes only the fields a patch names", async () => {
    const handler = await createHandler(world, {
      folder: "archive",
      onlyUnread: false,
      afterProcessing: "move",
      moveToFolder: "Inbox/Support",
      pollIntervalMinutes: 7,
      includeAttachments: false,
      maxAttachmentBytes: 5,
      skipAutoReplies: false,
      skipRules: ["bulk"],
      afterProcessingSkipped: "same",
      retentionDays: 7,
      enabled: false,
    });
    const patched = await callJson<HandlerView>("PATCH", `/api/handlers/${handler.id}`, {
      body: { name: "Only the name" },
    });
    expect(patched.status).toBe(200);
    const { name: _before, updatedAt: _at, ...unchanged } = handler;
    expect(patched.body).toMatchObject({ ...unchanged, name: "Only the name" });
  });

  it("keeps an account that handlers use from being deleted", async () => {
    const own = await handlerWorld();
    const handler = await createHandler(own);
    const refused = await callJson<{ detail: string }>("DELETE", `/api/accounts/${own.account.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("used by 1 handler");
    expect((await call("DELETE", `/api/handlers/${handler.id}`)).status).toBe(204);
    expect((await call("DELETE", `/api/accounts/${own.account.id}`)).status).toBe(204);
  });

  it("answers 404 for unknown handlers on every route", async () => {
    for (const [method, path] of [
      ["GET", "/api/handlers/hdl_aaaaaaaaaaaaaaaa"],
      ["PATCH", "/api/handlers/hdl_aaaaaaaaaaaaaaaa"],
      ["POST", "/api/handlers/hdl_aaaaaaaaaaaaaaaa/run"],
      ["GET", "/api/handlers/hdl_aaaaaaaaaaaaaaaa/dead-letters"],
      ["POST", "/api/handlers/hdl_aaaaaaaaaaaaaaaa/dead-letters/x/retry"],
      ["GET", "/api/handlers/nonsense"],
    ] as const) {
      expect(
        (await call(method, path, method === "PATCH" ? { body: { name: "x" } } : {})).status,
        `${method} ${path}`,
      ).toBe(404);
    }
  });
});
