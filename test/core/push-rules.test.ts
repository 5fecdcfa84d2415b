import { describe, expect, it } from "vitest";
import { subscriptionAdvice } from "../../src/core/push/push-advice.ts";
import { GraphError } from "../../src/core/microsoft/graph-client.ts";
import {
  bySubscription,
  parseChangeNotifications,
  parseLifecycleNotifications,
} from "../../src/core/push/notifications.ts";
import {
  canReceiveCalls,
  notifiedRunAt,
  pushPlan,
  pushRetryDelayMs,
  reauthorizeAt,
  renewalDueAt,
  requestedExpiry,
} from "../../src/core/push/push-rules.ts";
import { FolderTakenError, pushFailure } from "../../src/core/push/push-verdict.ts";
import { conflictingSubscriptionId, folderMessagesResource } from "../../src/core/push/subscription.ts";
import { ValidationError } from "../../src/core/validation.ts";
import type { PushPlanFacts } from "../../src/core/push/push-rules.ts";

const MINUTE = 60_000;
const NOW = Date.parse("2026-11-30T10:00:00Z");
const FACTS: PushPlanFacts = {
  mode: "auto",
  enabled: true,
  mailbox: "me",
  publicUrl: "https://edgepost.example.workers.dev",
  allowHttpLoopback: false,
};

describe("whether a handler gets a subscription", () => {
  it("subscribes a handler of the account's own mailbox when PUBLIC_URL is https", () => {
    expect(pushPlan(FACTS)).toEqual({
      kind: "wanted",
      notificationUrl: "https://edgepost.example.workers.dev/graph/notifications",
      lifecycleNotificationUrl: "https://edgepost.example.workers.dev/graph/lifecycle",
    });
  });

  it("is off as set, or while the handler is disabled", () => {
    expect(pushPlan({ ...FACTS, mode: "off" })).toEqual({ kind: "off", reason: null });
    expect(pushPlan({ ...FACTS, enabled: false })).toEqual({ kind: "off", reason: "The handler is disabled." });
  });

  it("is unavailable for a shared mailbox, and when PUBLIC_URL cannot receive calls, saying what to do", () => {
    const shared = pushPlan({ ...FACTS, mailbox: "support@contoso.com" });
    expect(shared.kind).toBe("unavailable");
    expect(shared.kind === "unavailable" && shared.reason).toMatch(/shared mailbox .* polls/);
    const unset = pushPlan({ ...FACTS, publicUrl: null });
    expect(unset.kind === "unavailable" && unset.reason).toMatch(/^PUBLIC_URL is not set.*https address/);
    const http = pushPlan({ ...FACTS, publicUrl: "http://localhost:8787" });
    expect(http.kind === "unavailable" && http.reason).toMatch(/^PUBLIC_URL uses http/);
  });

  it("accepts loopback http only where ALLOW_HTTP_LOOPBACK is true (tests and the demo)", () => {
    expect(canReceiveCalls("http://localhost:8787", { allowHttpLoopback: true })).toBe(true);
    expect(canReceiveCalls("http://127.0.0.1:8787", { allowHttpLoopback: true })).toBe(true);
    expect(canReceiveCalls("http://localhost:8787", { allowHttpLoopback: false })).toBe(false);
    expect(canReceiveCalls("http://edgepost.example.com", { allowHttpLoopback: true })).toBe(false);
    expect(canReceiveCalls("https://edgepost.example.com", { allowHttpLoopback: false })).toBe(true);
    expect(canReceiveCalls("not a url", { allowHttpLoopback: true })).toBe(false);
  });
});

describe("subscription timing", () => {
  it("asks for the longest lifetime Outlook allows, a minute short for clock skew", () => {
    expect(requestedExpiry(NOW)).toBe(NOW + 10_080 * MINUTE - MINUTE);
  });

  it("is due for renewal once less than half of its lifetime is left", () => {
    const times = { renewedAt: NOW, expiresAt: NOW + 10_000 * MINUTE, patchedAt: null, reauthorizedAt: null };
    expect(renewalDueAt(times)).toBe(NOW + 5_000 * MINUTE);
    // Graph may have shortened the lifetime: half of what it granted.
    expect(renewalDueAt({ ...times, expiresAt: NOW + 60 * MINUTE })).toBe(NOW + 30 * MINUTE);
  });

  it("keeps 10 minutes between a reauthorization and an update, either way round", () => {
    const times = { renewedAt: NOW, expiresAt: NOW + 60 * MINUTE, patchedAt: null, reauthorizedAt: null };
    expect(renewalDueAt({ ...times, reauthorizedAt: NOW + 28 * MINUTE })).toBe(NOW + 38 * MINUTE);
    expect(reauthorizeAt(times, NOW + MINUTE)).toBe(NOW + MINUTE);
    expect(reauthorizeAt({ ...times, patchedAt: NOW }, NOW + 4 * MINUTE)).toBe(NOW + 10 * MINUTE);
    expect(reauthorizeAt({ ...times, patchedAt: NOW }, NOW + 11 * MINUTE)).toBe(NOW + 11 * MINUTE);
  });

  it("starts a notified run at once, or 2 s after the last run started", () => {
    expect(notifiedRunAt({ now: NOW, lastRunStartedAt: null })).toBe(NOW);
    expect(notifiedRunAt({ now: NOW, lastRunStartedAt: NOW - 500 })).toBe(NOW + 1500);
    expect(notifiedRunAt({ now: NOW, lastRunStartedAt: NOW - 5000 })).toBe(NOW);
  });

  it("tries again after 1, 5 and 15 minutes, then hourly", () => {
    expect([1, 2, 3, 4, 9].map(pushRetryDelayMs)).toEqual([MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 60 * MINUTE]);
  });
});

describe("what Microsoft posts", () => {
  it("reads change notifications, ignoring what edgepost does not use", () => {
    const notices = parseChangeNotifications({
      value: [
        {
          subscriptionId: "s1",
          clientState: "c1",
          changeType: "created",
          resource: "Users/u/Messages/m",
          resourceData: { id: "m" },
          tenantId: "t",
        },
        { subscriptionId: "s2", clientState: null },
        { subscriptionId: "s1" },
      ],
    });
    expect(notices).toEqual([
      { subscriptionId: "s1", clientState: "c1" },
      { subscriptionId: "s2", clientState: null },
      { subscriptionId: "s1", clientState: null },
    ]);
    expect([...bySubscription(notices)].map(([id, group]) => [id, group.length])).toEqual([
      ["s1", 2],
      ["s2", 1],
    ]);
  });

  it("reads lifecycle events, names edgepost does not know included", () => {
    expect(
      parseLifecycleNotifications({
        value: [
          { subscriptionId: "s", clientState: "c", lifecycleEvent: "missed", tenantId: "t" },
          { subscriptionId: "s", clientState: "c", lifecycleEvent: "somethingNew" },
        ],
      }).map((notice) => notice.event),
    ).toEqual(["missed", "somethingNew"]);
  });

  it("names every bad field of a malformed body", () => {
    const issues = (body: unknown): string[] => {
      try {
        parseChangeNotifications(body);
        return [];
      } catch (error) {
        return error instanceof ValidationError ? error.issues.map((issue) => issue.path) : ["?"];
      }
    };
    expect(issues(null)).toEqual([""]);
    expect(issues({ value: [{ clientState: 3 }, { subscriptionId: "" }] })).toEqual([
      "value.0.subscriptionId",
      "value.0.clientState",
      "value.1.subscriptionId",
    ]);
    expect(issues({ value: [{ subscriptionId: "s", clientState: "x".repeat(129) }] })).toEqual(["value.0.clientState"]);
  });
});

describe("subscription requests and answers", () => {
  it("names the folder's messages in the signed-in user's mailbox, its id encoded", () => {
    expect(folderMessagesResource("AQMkAD+a/b=")).toBe("me/mailFolders/AQMkAD%2Ba%2Fb%3D/messages");
  });

  it("reads the id of the existing subscription from a 409", () => {
    const conflict = new GraphError({
      status: 409,
      code: "ExtensionError",
      message: "Subscription Id 5522bd62-1c3e-4c4f-8a6f-3f5f0e0c7a11 already exists for the requested combination",
    });
    expect(conflictingSubscriptionId(conflict)).toBe("5522bd62-1c3e-4c4f-8a6f-3f5f0e0c7a11");
    expect(conflictingSubscriptionId(new GraphError({ status: 409, code: "x", message: "Conflict" }))).toBeNull();
    expect(conflictingSubscriptionId(new GraphError({ status: 400, code: "x", message: conflict.message }))).toBeNull();
  });

  it("tells the administrator what to fix for each way a subscription fails", () => {
    const context = { notificationUrl: "https://e.example/graph/notifications", account: "account acct_x (a@c.com)" };
    const validation = subscriptionAdvice(
      new GraphError({
        status: 400,
        code: "ValidationError",
        message:
          "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
      }),
      context,
    );
    expect(validation).toMatchObject({ where: "settings", transient: false });
    expect(validation.fix).toContain("PUBLIC_URL");
    const timeout = subscriptionAdvice(
      new GraphError({ status: 400, code: "InvalidRequest", message: "Subscription validation request timed out." }),
      context,
    );
    expect(timeout.where).toBe("settings");
    const scheme = subscriptionAdvice(
      new GraphError({
        status: 400,
        code: "InvalidRequest",
        message: "NotificationUrl scheme='http' is not supported.",
      }),
      context,
    );
    expect(scheme.fix).toContain("https");
    const forbidden = subscriptionAdvice(
      new GraphError({ status: 403, code: "ExtensionError", message: "Operation: Create; Forbidden" }),
      context,
    );
    expect(forbidden).toMatchObject({ where: "azure", transient: false });
    expect(forbidden.fix).toContain("Mail.Read");
    const outage = subscriptionAdvice(
      new GraphError({ status: 503, code: "ServiceUnavailable", message: "" }),
      context,
    );
    expect(outage).toMatchObject({ fix: null, transient: true });
    expect(pushFailure(new FolderTakenError("hdl_other"), context).reason).toContain("Handler hdl_other already");
    expect(pushFailure(new TypeError("bug"), context).unexpected?.message).toBe("bug");
  });
});
