import { describe, expect, it } from "vitest";
import { nextAttemptDelaySeconds, MAX_DELIVERY_ATTEMPTS } from "../../src/core/jira/delivery-policy.ts";
import { issueKeysIn } from "../../src/core/jira/issue-keys.ts";
import { RULE_REASONS, ruleReason } from "../../src/core/mail/auto-reply.ts";
import { hasOwnMarker, sentMarker } from "../../src/core/mail/sent-marker.ts";
import { parseKeyRing } from "../../src/core/crypto/key-ring.ts";
import type { RuleReason } from "../../src/core/mail/auto-reply.ts";
import { parseFolderReference } from "../../src/core/mail/folder-lookup.ts";
import { htmlToText } from "../../src/core/mail/html-text.ts";

describe("issueKeysIn", () => {
  it("finds distinct keys in order, bracketed or followed by a colon", () => {
    expect(issueKeysIn("[ABC-123] Re: ABC-123: printer, see OPS_2-7 and XY-1")).toEqual(["ABC-123", "OPS_2-7", "XY-1"]);
    expect(issueKeysIn("Fw: ticket abc-1 and xABC-12 and A-1")).toEqual([]);
    expect(issueKeysIn("")).toEqual([]);
  });
});

describe("ruleReason", () => {
  const ALL = new Set(RULE_REASONS);
  const message = (headers: Record<string, string>) => ({
    headers: Object.entries(headers).map(([name, value]) => ({ name, value })),
  });
  it("skips automatic replies, reports and bulk mail, and edgepost's own mail when its marker is valid", () => {
    const reason = (headers: Record<string, string>, ownMail = false) =>
      ruleReason(message(headers), { rules: ALL, ownMail });
    expect(reason({ "Auto-Submitted": "auto-replied" })).toBe("auto_submitted");
    expect(reason({ "auto-submitted": "auto-generated; foo" })).toBe("auto_submitted");
    expect(reason({ "X-Autoreply": "yes" })).toBe("auto_reply");
    expect(reason({ "X-Autorespond": "1" })).toBe("auto_reply");
    expect(reason({ Precedence: "Bulk" })).toBe("bulk");
    expect(reason({ Precedence: "list" })).toBe("bulk");
    expect(reason({ "Content-Type": "multipart/report; report-type=delivery-status" })).toBe("delivery_report");
    expect(reason({ "X-MS-Exchange-Message-Is-Ndr": "" })).toBe("delivery_report");
    expect(reason({}, true)).toBe("own_mail");
  });
  it("keeps ordinary mail, Auto-Submitted: no, and a header alone claiming to be edgepost's", () => {
    expect(
      ruleReason(message({ "Auto-Submitted": "no", Precedence: "first-class" }), { rules: ALL, ownMail: false }),
    ).toBeNull();
    expect(ruleReason(message({ "X-Edgepost-Sent": "1" }), { rules: ALL, ownMail: false })).toBeNull();
  });
  it("applies only the rules switched on", () => {
    const bulkOnly = new Set<RuleReason>(["bulk"]);
    expect(ruleReason(message({ "Auto-Submitted": "auto-replied" }), { rules: bulkOnly, ownMail: false })).toBeNull();
    expect(ruleReason(message({ Precedence: "junk" }), { rules: bulkOnly, ownMail: true })).toBe("bulk");
  });
});

describe("the sent marker", () => {
  const keys = async (entries: string) => (await parseKeyRing(entries)).markerKeys;
  const K1 = `k1:${btoa("1".repeat(32))}`;
  const K2 = `k2:${btoa("2".repeat(32))}`;
  const received = (marker: string, from = "support@contoso.com", subject = "Re: ABC-1") => ({
    headers: [{ name: "X-Edgepost-Sent", value: marker }],
    from: { name: "", address: from },
    subject,
  });
  it("is valid only for the sender and subject it was made for, by this deployment's keys", async () => {
    const marker = await sentMarker(
      await keys(K1),
      { from: "Support@Contoso.com", subject: "Re: ABC-1" },
      { now: 1e12 },
    );
    expect(marker).toMatch(/^1\.\d+\.[A-Za-z0-9_-]{22}$/);
    expect(await hasOwnMarker(await keys(K1), received(marker))).toBe(true);
    expect(await hasOwnMarker(await keys(`${K2},${K1}`), received(marker))).toBe(true);
    expect(await hasOwnMarker(await keys(K2), received(marker))).toBe(false);
    expect(await hasOwnMarker(await keys(K1), received(marker, "someone@else.test"))).toBe(false);
    expect(await hasOwnMarker(await keys(K1), received(marker, "support@contoso.com", "other"))).toBe(false);
    for (const forged of ["1", "", "1.2.3", "1.99.AAAAAAAAAAAAAAAAAAAAAA", `${marker}.x`]) {
      expect(await hasOwnMarker(await keys(K1), received(forged))).toBe(false);
    }
  });
});

describe("htmlToText", () => {
  it("turns blocks into lines and decodes entities", () => {
    expect(
      htmlToText(
        "<html><head><style>p{}</style></head><body><p>Hello&nbsp;there</p><p>A &amp; B &lt;3 &#8364; &#x41;</p><ul><li>one</li><li>two</li></ul>line<br>break</body></html>",
      ),
    ).toBe("Hello there\nA & B <3 € A\n\n• one\n• two\nline\nbreak");
  });
});

describe("nextAttemptDelaySeconds", () => {
  it("retries within 5 s first, then further apart, seven attempts over more than an hour", () => {
    const delays = Array.from({ length: MAX_DELIVERY_ATTEMPTS }, (_, index) =>
      nextAttemptDelaySeconds(index + 1, null),
    );
    expect(delays[0]).toBe(5);
    expect(delays.at(-1)).toBeNull();
    const total = delays.filter((delay): delay is number => delay !== null).reduce((sum, delay) => sum + delay, 0);
    expect(MAX_DELIVERY_ATTEMPTS).toBeGreaterThanOrEqual(6);
    expect(total).toBeGreaterThanOrEqual(3600);
  });
  it("never retries sooner than Retry-After", () => {
    expect(nextAttemptDelaySeconds(1, 42.5)).toBe(42.5);
    expect(nextAttemptDelaySeconds(1, 1)).toBe(5);
  });
});

describe("parseFolderReference", () => {
  it("tells well-known names, ids and paths apart", () => {
    expect(parseFolderReference("Inbox")).toEqual({ kind: "well-known", name: "inbox" });
    expect(parseFolderReference("AQMkADAwATM0MDAAMS1iNTcwLWI2NTEtMDACLTAwCgAuAAADcv2V3xs")).toMatchObject({
      kind: "id",
    });
    expect(parseFolderReference(" Inbox / Support ")).toEqual({ kind: "path", segments: ["Inbox", "Support"] });
    expect(parseFolderReference("Projects")).toEqual({ kind: "path", segments: ["Projects"] });
  });
});
