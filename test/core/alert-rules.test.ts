import { describe, expect, it } from "vitest";
import { alertPayload } from "../../src/core/alerts/alert-payload.ts";
import { secretExpiryCondition, secretExpiryLevel, transition } from "../../src/core/alerts/alert-rules.ts";
import { normalizeSecretExpiry, secretExpiryMs } from "../../src/core/credentials/secret-expiry.ts";
import type { ActiveCondition } from "../../src/core/alerts/alert-rules.ts";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2027, 0, 1);

function active(level: number | null = null): ActiveCondition {
  return { condition: "credential.secret_expiring", detail: "expires", fix: "renew", where: "credential", level };
}

describe("alert transitions", () => {
  it("fires when a condition starts and when it ends, never while it goes on", () => {
    expect(transition(null, active()).fires).toBe("raised");
    expect(transition(active(), { ...active(), detail: "still" })).toEqual({
      next: { ...active(), detail: "still" },
      fires: null,
    });
    expect(transition(active(), { condition: "credential.secret_expiring", cleared: true })).toEqual({
      next: null,
      fires: "resolved",
    });
    expect(transition(null, { condition: "handler.error", cleared: true }).fires).toBeNull();
  });

  it("fires again only at a narrower expiry threshold, and widens quietly", () => {
    expect(transition(active(30), active(7)).fires).toBe("raised");
    expect(transition(active(30), active(1)).fires).toBe("raised");
    expect(transition(active(7), active(7)).fires).toBeNull();
    expect(transition(active(1), active(30))).toEqual({ next: active(30), fires: null });
  });
});

describe("client secret expiry", () => {
  it("reaches 30, 7 and 1 days, and 1 once past", () => {
    expect(secretExpiryLevel(NOW + 31 * DAY, NOW)).toBeNull();
    expect(secretExpiryLevel(NOW + 30 * DAY, NOW)).toBe(30);
    expect(secretExpiryLevel(NOW + 7 * DAY, NOW)).toBe(7);
    expect(secretExpiryLevel(NOW + DAY / 2, NOW)).toBe(1);
    expect(secretExpiryLevel(NOW - DAY, NOW)).toBe(1);
  });

  it("reads a date as Azure shows it (the start of that day, UTC) or a date-time with its offset", () => {
    expect(secretExpiryMs("2027-05-30")).toBe(Date.UTC(2027, 4, 30));
    expect(secretExpiryMs("2027-05-30T12:00:00+02:00")).toBe(Date.UTC(2027, 4, 30, 10));
    expect(normalizeSecretExpiry("2027-05-30T12:00:00+02:00")).toBe("2027-05-30T10:00:00.000Z");
    expect(normalizeSecretExpiry("2027-05-30")).toBe("2027-05-30");
    for (const bad of ["2027-02-30", "2027-05-30T12:00:00", "30/05/2027", "soon"]) {
      expect(secretExpiryMs(bad), bad).toBeNull();
    }
  });

  it("says how many days are left, and what to do, in the condition", () => {
    const report = secretExpiryCondition({ name: "Contoso", clientSecretExpiresAt: "2027-01-08" }, NOW);
    expect(report).toMatchObject({ condition: "credential.secret_expiring", level: 7, where: "credential" });
    expect("detail" in report && report.detail).toContain("expires in 7 days, on 2027-01-08");
    expect(secretExpiryCondition({ name: "Contoso", clientSecretExpiresAt: null }, NOW)).toEqual({
      condition: "credential.secret_expiring",
      cleared: true,
    });
  });
});

describe("alert payloads", () => {
  it("put the problem on one line and leave the fix out of a resolution", () => {
    const condition: ActiveCondition = {
      condition: "handler.error",
      detail: "Handler “Support” stopped:\r\n  the folder is gone",
      fix: "Edit the handler",
      where: "handler",
      level: null,
    };
    const subject = { type: "handler" as const, id: "hdl_1", name: "Support" };
    const raised = alertPayload({ fires: "raised", condition, subject, at: "t", publicUrl: "https://e.example" });
    expect(raised).toMatchObject({ event: "handler.error", severity: "error", fix: "Edit the handler" });
    expect(raised.text).toBe("edgepost: Handler “Support” stopped: the folder is gone.");
    expect(raised.link).toBe("https://e.example/handlers/hdl_1");
    const resolved = alertPayload({ fires: "resolved", condition, subject, at: "t", publicUrl: null });
    expect(resolved).toMatchObject({ event: "handler.error.resolved", severity: "info", fix: null, link: null });
    expect(resolved.text).toBe("edgepost: Resolved: handler “Support” runs again.");
  });
});
