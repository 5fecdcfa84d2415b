import { describe, expect, it } from "vitest";
import { validationIssues } from "../support/validation.ts";
import { ISSUE_KEYS_MAX, issueKeysIn } from "../../src/core/jira/issue-keys.ts";
import { parseOutgoingMail } from "../../src/core/mail/outgoing.ts";
import { encodeCursor, pageOf, parsePageQuery, PAGE_LIMIT_MAX } from "../../src/core/pagination.ts";

const MAIL = { to: ["customer@example.com"], subject: "Hello", text: "Body" };

describe("send fields refuse control characters", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a line break in the subject", { subject: "Hi\r\nBcc: everyone@example.com" }, "subject"],
    ["NUL in the subject", { subject: "Hi\u0000there" }, "subject"],
    ["a tab in a recipient's name", { to: [{ address: "a@example.com", name: "A\tB" }] }, "to.0.name"],
    ["a line separator in a cc name", { cc: [{ address: "c@example.com", name: "C\u2028D" }] }, "cc.0.name"],
    ["a line break in a header value", { headers: { "X-Ticket": "1\nX-Evil: 1" } }, "headers.X-Ticket"],
    [
      "a line break in an attachment name",
      { attachments: [{ name: "a\r\n.pdf", contentType: "application/pdf", contentBase64: "" }] },
      "attachments.0.name",
    ],
    [
      "NUL in a content type",
      { attachments: [{ name: "a.pdf", contentType: "application/pdf; name=\u0000x", contentBase64: "" }] },
      "attachments.0.contentType",
    ],
    [
      "DEL in a content id",
      { attachments: [{ name: "a.png", contentType: "image/png", contentBase64: "", contentId: "img\u007f1" }] },
      "attachments.0.contentId",
    ],
  ];
  for (const [label, fields, path] of cases) {
    it(`refuses ${label}, naming ${path}`, () => {
      expect(validationIssues(() => parseOutgoingMail({ ...MAIL, ...fields }))).toContainEqual({
        path,
        message: `${path} must not contain control characters (line breaks, tabs, NUL…)`,
      });
    });
  }

  it("still takes ordinary text, accents and emoji", () => {
    expect(parseOutgoingMail({ ...MAIL, subject: "Re: Ærøskøbing – ticket ABC-1 ✅" }).subject).toBe(
      "Re: Ærøskøbing – ticket ABC-1 ✅",
    );
  });
});

describe("issue keys", () => {
  it(`are capped at ${ISSUE_KEYS_MAX}`, () => {
    const subject = Array.from({ length: 500 }, (_, index) => `AB-${index}`).join(" ");
    const keys = issueKeysIn(subject);
    expect(keys).toHaveLength(ISSUE_KEYS_MAX);
    expect(keys[0]).toBe("AB-0");
  });
});

describe("pages", () => {
  const items = Array.from({ length: 7 }, (_, index) => ({ at: `2026-01-0${1 + (index % 3)}`, id: `x${index}` }));
  const position = (item: { at: string; id: string }) => ({ sortKey: item.at, id: item.id });

  it("walk every item once, in order, with a cursor", () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const request = parsePageQuery({ limit: "3", ...(cursor === undefined ? {} : { cursor }) });
      const page = pageOf(items, request, { position, sourceFull: false });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(["x0", "x3", "x6", "x1", "x4", "x2", "x5"]);
  });

  it(`hold up to ${PAGE_LIMIT_MAX} items without a limit`, () => {
    expect(parsePageQuery({})).toEqual({ limit: PAGE_LIMIT_MAX, after: null });
  });

  it("refuse a bad limit or a cursor they did not give out, naming it", () => {
    expect(validationIssues(() => parsePageQuery({ limit: "0" }))[0]?.path).toBe("limit");
    expect(validationIssues(() => parsePageQuery({ limit: "5000" }))[0]?.path).toBe("limit");
    expect(validationIssues(() => parsePageQuery({ limit: "ten" }))[0]?.path).toBe("limit");
    expect(validationIssues(() => parsePageQuery({ cursor: "garbage!" }))[0]?.path).toBe("cursor");
    expect(validationIssues(() => parsePageQuery({ sort: "name" }))[0]?.path).toBe("sort");
    expect(parsePageQuery({ cursor: encodeCursor({ sortKey: "2026", id: "x1" }) }).after).toEqual({
      sortKey: "2026",
      id: "x1",
    });
  });
});
