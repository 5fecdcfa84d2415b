import { beforeAll, describe, expect, it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import { createHandler, graphRequests, handlerWorld, runNow } from "../support/handlers.ts";
import type { HandlerWorld } from "../support/handlers.ts";

let world: HandlerWorld;
let shared: string;

beforeAll(async () => {
  world = await handlerWorld();
  shared = `helpdesk-${world.tenant.tenantId.slice(0, 8)}@contoso.test`;
  await simulator().createSharedMailbox({
    tenantId: world.tenant.tenantId,
    address: shared,
    displayName: "Helpdesk",
    sendAs: [world.tenant.users[0]?.id ?? ""],
  });
});

function send(body: unknown, options: { accountId?: string } = {}) {
  return callJson<{ status?: string; detail?: string; errors?: { path: string; message: string }[] }>(
    "POST",
    `/api/accounts/${options.accountId ?? world.account.id}/send`,
    { body },
  );
}

/** The last message the simulator saw sent from `mailbox` (this file's own, unless told). */
async function lastSent(
  mailbox = world.address,
): Promise<{ mailbox: string; userId: string; message: Record<string, unknown>; saveToSentItems: boolean }> {
  const sent = await simulator().sent(mailbox);
  const last = sent.at(-1);
  if (last === undefined) throw new Error("nothing sent");
  return last;
}

/** edgepost's signed marker (`src/core/mail/sent-marker.ts`). */
const MARKER = /^1\.\d+\.[A-Za-z0-9_-]{22}$/;

describe("POST /api/accounts/{id}/send", () => {
  it("sends plain text from the account's own mailbox, marked as edgepost's", async () => {
    const response = await send({ to: ["customer@example.com"], subject: "Your ticket ABC-1", text: "We are on it." });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ status: "accepted" });
    const sent = await lastSent();
    expect(sent.mailbox).toBe(world.address.toLowerCase());
    expect(sent.userId).toBe(world.tenant.users[0]?.id);
    expect(sent.saveToSentItems).toBe(true);
    expect(sent.message).toEqual({
      subject: "Your ticket ABC-1",
      body: { contentType: "Text", content: "We are on it." },
      toRecipients: [{ emailAddress: { address: "customer@example.com" } }],
      ccRecipients: [],
      bccRecipients: [],
      replyTo: [],
      internetMessageHeaders: [{ name: "X-Edgepost-Sent", value: expect.stringMatching(MARKER) }],
      attachments: [],
    });
  });

  it("sends HTML with cc, bcc, replyTo, names, custom headers and attachments exactly as asked", async () => {
    const logo = btoa("\x89PNG logo bytes");
    const pdf = btoa("%PDF report");
    const response = await send({
      to: [{ address: "a@example.com", name: "Ann" }],
      cc: ["c@example.com"],
      bcc: [{ address: "b@example.com" }],
      replyTo: [{ address: "support@contoso.test", name: "Support" }],
      subject: "Report",
      html: '<p>See <img src="cid:logo"></p>',
      attachments: [
        { name: "report.pdf", contentType: "application/pdf", contentBase64: pdf },
        { name: "logo.png", contentType: "image/png", contentBase64: logo, contentId: "logo", isInline: true },
      ],
      saveToSentItems: false,
      headers: { "X-Jira-Issue": "ABC-7" },
    });
    expect(response.status).toBe(202);
    const sent = await lastSent();
    expect(sent.saveToSentItems).toBe(false);
    expect(sent.message).toEqual({
      subject: "Report",
      body: { contentType: "HTML", content: '<p>See <img src="cid:logo"></p>' },
      toRecipients: [{ emailAddress: { address: "a@example.com", name: "Ann" } }],
      ccRecipients: [{ emailAddress: { address: "c@example.com" } }],
      bccRecipients: [{ emailAddress: { address: "b@example.com" } }],
      replyTo: [{ emailAddress: { address: "support@contoso.test", name: "Support" } }],
      internetMessageHeaders: [
        { name: "X-Jira-Issue", value: "ABC-7" },
        { name: "X-Edgepost-Sent", value: expect.stringMatching(MARKER) },
      ],
      attachments: [
        {
          "@odata.type": "#microsoft.graph.fileAttachment",
          name: "report.pdf",
          contentType: "application/pdf",
          contentBytes: pdf,
          isInline: false,
        },
        {
          "@odata.type": "#microsoft.graph.fileAttachment",
          name: "logo.png",
          contentType: "image/png",
          contentBytes: logo,
          contentId: "logo",
          isInline: true,
        },
      ],
    });
  });

  it("sends as a shared mailbox the account has Send As on", async () => {
    const response = await send({
      from: shared,
      to: ["customer@example.com"],
      subject: "From the helpdesk",
      text: "Hello",
    });
    expect(response.status).toBe(202);
    const sent = await lastSent(shared);
    expect(sent.mailbox).toBe(shared);
    expect(sent.message["from"]).toEqual({ emailAddress: { address: shared } });
  });

  it("answers 502 naming the missing Send As / Send on Behalf right", async () => {
    const other = `nobody-${world.tenant.tenantId.slice(0, 8)}@contoso.test`;
    await simulator().createSharedMailbox({ tenantId: world.tenant.tenantId, address: other });
    const before = (await simulator().sent(other)).length;
    const response = await send({ from: other, to: ["customer@example.com"], subject: "Nope", text: "x" });
    expect(response.status).toBe(502);
    expect(response.body.detail).toContain(`may not send as ${other}`);
    expect(response.body.detail).toContain("Send As or Send on Behalf");
    expect(response.body.detail).toContain("ErrorSendAsDenied");
    expect((await simulator().sent(other)).length).toBe(before);
  });

  describe("refuses each invalid field, naming it", () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ["no recipient at all", { subject: "s", text: "t" }, "to", /at least one recipient/],
      [
        "a bad address in object form",
        { to: [{ address: "not-an-address" }], subject: "s", text: "t" },
        "to.0.address",
        /email address/,
      ],
      ["a bad address in string form", { to: ["a@b"], subject: "s", text: "t" }, "to.0.address", /email address/],
      [
        "a bad cc",
        { to: ["a@example.com"], cc: ["x y@example.com"], subject: "s", text: "t" },
        "cc.0.address",
        /email address/,
      ],
      [
        "an unknown recipient field",
        { to: [{ address: "a@example.com", email: "x" }], subject: "s", text: "t" },
        "to.0.email",
        /not a known field/,
      ],
      ["a bad from", { from: "helpdesk", to: ["a@example.com"], subject: "s", text: "t" }, "from", /email address/],
      ["no subject", { to: ["a@example.com"], text: "t" }, "subject", /is required/],
      ["neither text nor html", { to: ["a@example.com"], subject: "s" }, "text", /or html is required/],
      [
        "both text and html",
        { to: ["a@example.com"], subject: "s", text: "t", html: "<p>h</p>" },
        "html",
        /cannot be given together with text/,
      ],
      [
        "bad base64",
        {
          to: ["a@example.com"],
          subject: "s",
          text: "t",
          attachments: [{ name: "a", contentType: "text/plain", contentBase64: "not base64!" }],
        },
        "attachments.0.contentBase64",
        /standard base64/,
      ],
      [
        "a bad media type",
        {
          to: ["a@example.com"],
          subject: "s",
          text: "t",
          attachments: [{ name: "a", contentType: "pdf", contentBase64: "" }],
        },
        "attachments.0.contentType",
        /media type/,
      ],
      [
        "an attachment without a name",
        {
          to: ["a@example.com"],
          subject: "s",
          text: "t",
          attachments: [{ contentType: "text/plain", contentBase64: "" }],
        },
        "attachments.0.name",
        /is required/,
      ],
      [
        "a header not starting with X-",
        { to: ["a@example.com"], subject: "s", text: "t", headers: { Subject: "x" } },
        "headers.Subject",
        /starts with X-/,
      ],
      [
        "edgepost's own marker header",
        { to: ["a@example.com"], subject: "s", text: "t", headers: { "X-Edgepost-Sent": "0" } },
        "headers.X-Edgepost-Sent",
        /set by edgepost/,
      ],
      [
        "five custom headers (Graph takes five in all, edgepost's marker included)",
        {
          to: ["a@example.com"],
          subject: "s",
          text: "t",
          headers: { "X-A": "1", "X-B": "2", "X-C": "3", "X-D": "4", "X-E": "5" },
        },
        "headers",
        /at most 4 headers: Graph takes 5 in all/,
      ],
      [
        "501 recipients in to, cc and bcc together",
        {
          to: Array.from({ length: 200 }, (_, index) => `to${index}@example.com`),
          cc: Array.from({ length: 200 }, (_, index) => `cc${index}@example.com`),
          bcc: Array.from({ length: 101 }, (_, index) => `bcc${index}@example.com`),
          subject: "s",
          text: "t",
        },
        "to",
        /at most 500 recipients \(501 given\)/,
      ],
      [
        "saveToSentItems as a string",
        { to: ["a@example.com"], subject: "s", text: "t", saveToSentItems: "false" },
        "saveToSentItems",
        /boolean/,
      ],
      [
        "an unknown field",
        { to: ["a@example.com"], subject: "s", text: "t", priority: "high" },
        "priority",
        /not a known field/,
      ],
    ];
    for (const [label, body, path, message] of cases) {
      it(label, async () => {
        const response = await send(body);
        expect(response.status, JSON.stringify(response.body)).toBe(400);
        const issue = response.body.errors?.find((candidate) => candidate.path === path);
        expect(issue, JSON.stringify(response.body.errors)).toBeDefined();
        expect(issue?.message.startsWith(path)).toBe(true);
        expect(issue?.message).toMatch(message);
      });
    }
  });

  it("sends what stays under Graph's 4 MB, refuses with 413 naming the field what would not, and caps bodies at 4 MiB", async () => {
    const sim = simulator();
    const before = (await sim.sent()).length;
    expect((await send({ to: ["a@example.com"], subject: "big", text: "x".repeat(3_900_000) })).status).toBe(202);
    const tooLarge = await send({ to: ["a@example.com"], subject: "big", text: "x".repeat(3_999_900) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.errors?.[0]).toMatchObject({
      path: "text",
      message: expect.stringMatching(/under 4000000 bytes/),
    });
    const file = "A".repeat(4_000_000);
    const attachment = await send({
      to: ["a@example.com"],
      subject: "file",
      text: "t",
      attachments: [{ name: "big.bin", contentType: "application/octet-stream", contentBase64: file }],
    });
    expect(attachment.status).toBe(413);
    expect(attachment.body.errors?.[0]).toMatchObject({
      path: "attachments.0.contentBase64",
      message: expect.stringMatching(/under 3000000 bytes/),
    });
    expect((await sim.sent()).length).toBe(before + 1);

    const limit = 4 * 1024 * 1024;
    const over = JSON.stringify({ to: ["a@example.com"], subject: "big", text: "x".repeat(limit) });
    const response = await callJson<{ type: string; detail: string }>(
      "POST",
      `/api/accounts/${world.account.id}/send`,
      {
        rawBody: over,
        headers: { "content-type": "application/json" },
      },
    );
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({
      type: "urn:edgepost:problem:payload-too-large",
      detail: "The request body exceeds 4 MiB",
    });
    const elsewhere = await callJson("POST", "/api/credentials", {
      rawBody: JSON.stringify({ name: "x".repeat(70_000) }),
      headers: { "content-type": "application/json" },
    });
    expect(elsewhere.status).toBe(413);
  });

  it("never sends again on its own when Graph did not confirm (504), and says the mail may have gone out", async () => {
    const sim = simulator();
    await sim.resetCounters(world.tenant.tenantId);
    await sim.updateSettings(world.tenant.tenantId, {
      graphFaults: [
        { failure: { kind: "error", status: 504, error: "GatewayTimeout" }, match: { path: "sendMail" }, remaining: 1 },
      ],
    });
    const response = await send({ to: ["a@example.com"], subject: "unsure", text: "t" });
    expect(response.status).toBe(502);
    expect(response.body.detail).toContain("may have been sent");
    expect(response.body).toMatchObject({ maybeSent: true });
    expect((await sim.counters(world.tenant.tenantId))["graph.POST /me/sendMail"]).toBe(1);
    await sim.updateSettings(world.tenant.tenantId, { graphFaults: [] });
  });

  it("honours a short Retry-After and answers 502 with the wait when it is long", async () => {
    const sim = simulator();
    await sim.updateSettings(world.tenant.tenantId, {
      graphFaults: [
        {
          failure: { kind: "error", status: 429, error: "TooManyRequests", retryAfter: "0.5" },
          match: { path: "sendMail" },
          remaining: 1,
        },
      ],
    });
    expect((await send({ to: ["a@example.com"], subject: "after a wait", text: "t" })).status).toBe(202);
    await sim.updateSettings(world.tenant.tenantId, {
      graphFaults: [
        {
          failure: { kind: "error", status: 429, error: "TooManyRequests", retryAfter: "120" },
          match: { path: "sendMail" },
          remaining: 1,
        },
      ],
    });
    const response = await send({ to: ["a@example.com"], subject: "too long", text: "t" });
    expect(response.status).toBe(502);
    expect(response.response.headers.get("retry-after")).toBe("120");
    expect(response.body.detail).toContain("nothing was sent");
    await sim.updateSettings(world.tenant.tenantId, { graphFaults: [] });
  });

  it("answers 409 for an account that needs re-authorization, without calling Graph", async () => {
    const revoked = await handlerWorld();
    await simulator().revokeConsent(revoked.tenant.tenantId, revoked.tenant.users[0]?.id ?? "", {
      clientId: revoked.tenant.apps[0]?.clientId ?? "",
    });
    await callJson("POST", `/api/accounts/${revoked.account.id}/token`, { body: { forceRefresh: true } });
    const before = await graphRequests(revoked.tenant.tenantId);
    const response = await callJson<{ type: string; statusReason: { code: string } }>(
      "POST",
      `/api/accounts/${revoked.account.id}/send`,
      {
        body: { to: ["a@example.com"], subject: "s", text: "t" },
      },
    );
    expect(response.status).toBe(409);
    expect(response.body.type).toBe("urn:edgepost:problem:reauth-required");
    expect(response.body.statusReason.code).toBe("AADSTS50173");
    expect(await graphRequests(revoked.tenant.tenantId)).toBe(before);
    expect(
      (await send({ to: ["a@example.com"], subject: "s", text: "t" }, { accountId: "acct_aaaaaaaaaaaaaaaaaaaa" }))
        .status,
    ).toBe(404);
  });

  it("is recognised by ingestion as edgepost's own mail and skipped", async () => {
    const own = await handlerWorld();
    const handler = await createHandler(own);
    const response = await callJson("POST", `/api/accounts/${own.account.id}/send`, {
      body: { to: [own.address], subject: "Note to self", text: "loop?" },
    });
    expect(response.status).toBe(202);
    const run = await runNow(handler.id);
    expect(run).toMatchObject({ fetched: 1, skipped: 1, delivered: 0 });
    expect((await simulator().hook(own.hook.id)).requests).toHaveLength(0);
  });
});
