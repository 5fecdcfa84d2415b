import { describe, expect, it } from "vitest";
import { nextAttemptDelaySeconds, MAX_DELIVERY_ATTEMPTS } from "../../src/core/jira/delivery-policy.ts";
import { issueKeysIn } from "../../src/core/jira/issue-keys.ts";
import { autoReplyReason } from "../../src/core/mail/auto-reply.ts";
import { parseFolderReference } from "../../src/core/mail/folder-lookup.ts";
import { htmlToText } from "../../src/core/mail/html-text.ts";

describe("issueKeysIn", () => {
  it("finds distinct keys in order, bracketed or followed by a colon", () => {
    expect(issueKeysIn("[ABC-123] Re: ABC-123: printer, see OPS_2-7 and XY-1")).toEqual(["ABC-123", "OPS_2-7", "XY-1"]);
    expect(issueKeysIn("Fw: ticket abc-1 and xABC-12 and A-1")).toEqual([]);
    expect(issueKeysIn("")).toEqual([]);
  });
});

describe("autoReplyReason", () => {
  const message = (headers: Record<string, string>, from = "someone@example.com") => ({
    headers: Object.entries(headers).map(([name, value]) => ({ name, value })),
    from: { name: "", address: from },
  });
  it("skips automatic replies, reports, bulk mail and edgepost's own mail", () => {
    expect(autoReplyReason(message({ "Auto-Submitted": "auto-replied" }))).toBe("auto_submitted");
    expect(autoReplyReason(message({ "auto-submitted": "auto-generated; foo" }))).toBe("auto_submitted");
    expect(autoReplyReason(message({ "X-Autoreply": "yes" }))).toBe("auto_reply");
    expect(autoReplyReason(message({ "X-Autorespond": "1" }))).toBe("auto_reply");
    expect(autoReplyReason(message({ Precedence: "Bulk" }))).toBe("bulk");
    expect(autoReplyReason(message({ Precedence: "list" }))).toBe("bulk");
    expect(autoReplyReason(message({ "Content-Type": "multipart/report; report-type=delivery-status" }))).toBe(
      "delivery_report",
    );
    expect(autoReplyReason(message({}, "MAILER-DAEMON@example.com"))).toBe("delivery_report");
    expect(autoReplyReason(message({ "X-Edgepost-Sent": "1" }))).toBe("own_mail");
  });
  it("keeps ordinary mail, including Auto-Submitted: no", () => {
    expect(autoReplyReason(message({ "Auto-Submitted": "no", Precedence: "first-class" }))).toBeNull();
    expect(autoReplyReason(message({}))).toBeNull();
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
