import { describe, expect, it } from "vitest";
import { inProcessSession } from "../support/in-process-simulator.ts";

const IMMUTABLE = 'IdType="ImmutableId"';

interface Page {
  value: Record<string, unknown>[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

describe("simulated Graph mail", () => {
  it("pages a folder's delta with skip tokens, then hands a delta link that returns only changes", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    await session.control.addMessages(
      address,
      Array.from({ length: 25 }, (_, index) => ({ subject: `m${index}` })),
    );
    const seen: string[] = [];
    let link: string | undefined = "/me/mailFolders/inbox/messages/delta?$select=subject,isRead";
    let deltaLink = "";
    while (link !== undefined) {
      const response = await session.graph(link, { token, prefer: `${IMMUTABLE}, odata.maxpagesize=10` });
      expect(response.status).toBe(200);
      expect(response.headers.get("preference-applied")).toBe("odata.maxpagesize=10");
      const page = await (response.json() as Promise<Page>);
      expect(page.value.length).toBeLessThanOrEqual(10);
      seen.push(...page.value.map((message) => String(message["subject"])));
      for (const message of page.value)
        expect(Object.keys(message).sort()).toEqual(["@odata.etag", "id", "isRead", "subject"]);
      link = page["@odata.nextLink"];
      deltaLink = page["@odata.deltaLink"] ?? deltaLink;
      if (link !== undefined) expect(link).toMatch(/\$skiptoken=/);
    }
    expect(seen).toHaveLength(25);
    expect(deltaLink).toMatch(/\$deltatoken=/);

    const quiet = await ((await session.graph(deltaLink, { token, prefer: IMMUTABLE })).json() as Promise<Page>);
    expect(quiet.value).toEqual([]);
    await session.control.addMessages(address, [{ subject: "late" }]);
    const changes = await ((
      await session.graph(quiet["@odata.deltaLink"] ?? "", { token, prefer: IMMUTABLE })
    ).json() as Promise<Page>);
    expect(changes.value.map((message) => message["subject"])).toEqual(["late"]);
  });

  it("keeps immutable ids across a move, gives a new REST id, and reports the removal", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    const [seeded] = await session.control.addMessages(address, [{ subject: "move me" }]);
    const first = await ((
      await session.graph("/me/mailFolders/inbox/messages/delta", { token, prefer: IMMUTABLE })
    ).json() as Promise<Page>);
    const moved = await session.graph(`/me/messages/${encodeURIComponent(seeded?.restId ?? "")}/move`, {
      token,
      method: "POST",
      body: { destinationId: "archive" },
    });
    expect(moved.status).toBe(201);
    const movedJson = await (moved.json() as Promise<{ id: string }>);
    expect(movedJson.id).not.toBe(seeded?.restId);
    const immutable = await session.graph(`/me/messages/${encodeURIComponent(seeded?.id ?? "")}`, {
      token,
      prefer: IMMUTABLE,
    });
    expect((await (immutable.json() as Promise<{ id: string }>)).id).toBe(seeded?.id);
    const after = await ((
      await session.graph(first["@odata.deltaLink"] ?? "", { token, prefer: IMMUTABLE })
    ).json() as Promise<Page>);
    expect(after.value).toEqual([
      { "@odata.type": "#microsoft.graph.message", id: seeded?.id, "@removed": { reason: "deleted" } },
    ]);
  });

  it("answers 410 SyncStateNotFound for expired delta tokens", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    const first = await ((
      await session.graph("/me/mailFolders/inbox/messages/delta", { token })
    ).json() as Promise<Page>);
    await session.control.expireSyncState(address);
    const expired = await session.graph(first["@odata.deltaLink"] ?? "", { token });
    expect(expired.status).toBe(410);
    expect((await (expired.json() as Promise<{ error: { code: string } }>)).error.code).toBe("SyncStateNotFound");
  });

  it("runs $batch requests one by one, each with its own status, and refuses more than 20", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    const seeded = await session.control.addMessages(address, [{ subject: "a" }, { subject: "b" }]);
    const requests = [
      ...seeded.map((message, index) => ({
        id: String(index + 1),
        method: "PATCH",
        url: `/me/messages/${encodeURIComponent(message.id)}`,
        headers: { "content-type": "application/json" },
        body: { isRead: true },
      })),
      {
        id: "3",
        method: "PATCH",
        url: "/me/messages/nope",
        headers: { "content-type": "application/json" },
        body: { isRead: true },
      },
    ];
    const response = await session.graph("/$batch", { token, method: "POST", body: { requests } });
    expect(response.status).toBe(200);
    const { responses } = await (response.json() as Promise<{ responses: { id: string; status: number }[] }>);
    expect(Object.fromEntries(responses.map((item) => [item.id, item.status]))).toEqual({
      "1": 200,
      "2": 200,
      "3": 404,
    });
    expect((await session.control.messages(address)).every((message) => message.isRead)).toBe(true);
    const tooMany = await session.graph("/$batch", {
      token,
      method: "POST",
      body: { requests: Array.from({ length: 21 }, (_, index) => ({ id: String(index), method: "GET", url: "/me" })) },
    });
    expect(tooMany.status).toBe(400);
  });

  it("serves a shared mailbox only to users with rights, and only with the Shared scopes", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const userId = session.tenant.users[0]?.id ?? "";
    await session.control.createSharedMailbox({ tenantId: session.tenant.tenantId, address: "support@contoso.test" });
    const path = "/users/support%40contoso.test/mailFolders/inbox";
    const denied = await session.graph(path, { token });
    expect(denied.status).toBe(403);
    expect((await (denied.json() as Promise<{ error: { code: string; message: string } }>)).error).toMatchObject({
      code: "ErrorAccessDenied",
      message: "Access is denied. Check credentials and try again.",
    });
    await session.control.setMailboxAccess("support@contoso.test", userId, "full");
    expect((await session.graph(path, { token })).status).toBe(200);
    const narrow = await session.signIn({ scope: "offline_access openid User.Read Mail.ReadWrite" });
    expect((await session.graph(path, { token: narrow })).status).toBe(403);
  });

  it("throttles a fifth concurrent request to one mailbox", async () => {
    const session = await inProcessSession({ settings: { graphLatencyMs: 50 } });
    const token = await session.signIn();
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () =>
        session.graph("/me/mailFolders/inbox", { token }).then((response) => response.status),
      ),
    );
    expect(statuses.sort()).toEqual([200, 200, 200, 200, 429]);
  });

  it("lists attachments with and without their bytes", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    const [message] = await session.control.addMessages(address, [
      {
        attachments: [
          { name: "a.txt", contentType: "text/plain", contentBase64: btoa("hello") },
          { name: "link", kind: "reference" },
        ],
      },
    ]);
    const path = `/me/messages/${encodeURIComponent(message?.id ?? "")}/attachments`;
    const full = await ((await session.graph(path, { token })).json() as Promise<{ value: Record<string, unknown>[] }>);
    expect(full.value[0]).toMatchObject({
      "@odata.type": "#microsoft.graph.fileAttachment",
      name: "a.txt",
      size: 5,
      contentBytes: btoa("hello"),
    });
    expect(full.value[1]).toMatchObject({ "@odata.type": "#microsoft.graph.referenceAttachment", name: "link" });
    const slim = await ((await session.graph(`${path}?$select=name,size`, { token })).json() as Promise<{
      value: Record<string, unknown>[];
    }>);
    expect(slim.value[0]).toEqual({
      "@odata.type": "#microsoft.graph.fileAttachment",
      id: expect.any(String),
      name: "a.txt",
      size: 5,
    });
  });

  it("sends mail with 202 and no body, refusing Send As without the right", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const userId = session.tenant.users[0]?.id ?? "";
    await session.control.createSharedMailbox({ tenantId: session.tenant.tenantId, address: "team@contoso.test" });
    const message = {
      subject: "hi",
      body: { contentType: "Text", content: "x" },
      toRecipients: [{ emailAddress: { address: "team@contoso.test" } }],
    };
    const sent = await session.graph("/me/sendMail", { token, method: "POST", body: { message } });
    expect(sent.status).toBe(202);
    expect(await sent.text()).toBe("");
    expect((await session.control.messages("team@contoso.test")).map((entry) => entry.subject)).toEqual(["hi"]);
    const denied = await session.graph("/me/sendMail", {
      token,
      method: "POST",
      body: { message: { ...message, from: { emailAddress: { address: "team@contoso.test" } } } },
    });
    expect(denied.status).toBe(403);
    expect((await (denied.json() as Promise<{ error: { code: string } }>)).error.code).toBe("ErrorSendAsDenied");
    await session.control.setSendAs("team@contoso.test", userId, true);
    expect(
      (
        await session.graph("/me/sendMail", {
          token,
          method: "POST",
          body: { message: { ...message, from: { emailAddress: { address: "team@contoso.test" } } } },
        })
      ).status,
    ).toBe(202);
    const noRecipients = await session.graph("/me/sendMail", {
      token,
      method: "POST",
      body: { message: { subject: "x" } },
    });
    expect(noRecipients.status).toBe(400);
  });
});

describe("simulated Graph as strict as Microsoft (docs/microsoft.md)", () => {
  async function deltaToEnd(session: Awaited<ReturnType<typeof inProcessSession>>, token: string, first: string) {
    let link: string | undefined = first;
    const items: Record<string, unknown>[] = [];
    let deltaLink = "";
    while (link !== undefined) {
      const page = await ((await session.graph(link, { token, prefer: IMMUTABLE })).json() as Promise<Page>);
      items.push(...page.value);
      link = page["@odata.nextLink"];
      deltaLink = page["@odata.deltaLink"] ?? deltaLink;
    }
    return { items, deltaLink };
  }

  it("sends an update as the id, the changed properties and parentFolderId; a message moved in comes whole", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    const [seeded] = await session.control.addMessages(address, [{ subject: "first", isRead: true }]);
    const start = await deltaToEnd(session, token, "/me/mailFolders/inbox/messages/delta?$select=subject,isRead,body");
    expect(Object.keys(start.items[0] ?? {}).sort()).toEqual(["@odata.etag", "body", "id", "isRead", "subject"]);
    await session.control.changeMessage(address, seeded?.id ?? "", { isRead: false });
    await session.control.addFolder(address, "Elsewhere");
    const [moved] = await session.control.addMessages(address, [{ subject: "moved in" }], { folder: "Elsewhere" });
    await session.graph(`/me/messages/${encodeURIComponent(moved?.id ?? "")}/move`, {
      token,
      method: "POST",
      body: { destinationId: "inbox" },
    });
    const round = await deltaToEnd(session, token, start.deltaLink);
    const update = round.items.find((item) => item["id"] === seeded?.id);
    expect(Object.keys(update ?? {}).sort()).toEqual(["@odata.etag", "id", "isRead", "parentFolderId"]);
    expect(update?.["isRead"]).toBe(false);
    const whole = round.items.find((item) => item["id"] === moved?.id);
    expect(Object.keys(whole ?? {}).sort()).toEqual(["@odata.etag", "body", "id", "isRead", "subject"]);
  });

  it("answers 504 for a delta page whose bodies are too heavy, and serves the same page smaller", async () => {
    const session = await inProcessSession({ settings: { deltaPageBodyLimitBytes: 10_000 } });
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    await session.control.addMessages(
      address,
      Array.from({ length: 20 }, () => ({ body: { contentType: "text" as const, content: "x".repeat(1000) } })),
    );
    const link = "/me/mailFolders/inbox/messages/delta?$select=subject,body";
    expect((await session.graph(link, { token, prefer: "odata.maxpagesize=20" })).status).toBe(504);
    expect((await session.graph(link, { token, prefer: "odata.maxpagesize=5" })).status).toBe(200);
    expect(
      (
        await session.graph("/me/mailFolders/inbox/messages/delta?$select=subject", {
          token,
          prefer: "odata.maxpagesize=20",
        })
      ).status,
    ).toBe(200);
  });

  it("fails a batch with throttled items with 424 as a whole, or answers their 429s inside a 200", async () => {
    for (const batchThrottling of ["whole", "items"] as const) {
      const session = await inProcessSession({
        settings: {
          batchThrottling,
          graphFaults: [
            {
              failure: { kind: "error", status: 429, error: "TooManyRequests", retryAfter: "1" },
              match: { method: "PATCH" },
              remaining: 1,
            },
          ],
        },
      });
      const token = await session.signIn();
      const address = session.tenant.users[0]?.mail ?? "";
      const seeded = await session.control.addMessages(address, [{ subject: "a" }, { subject: "b" }]);
      const requests = seeded.map((message, index) => ({
        id: String(index),
        method: "PATCH",
        url: `/me/messages/${encodeURIComponent(message.id)}`,
        headers: { "content-type": "application/json" },
        body: { isRead: true },
      }));
      const response = await session.graph("/$batch", { token, method: "POST", body: { requests } });
      if (batchThrottling === "whole") {
        expect(response.status).toBe(424);
      } else {
        expect(response.status).toBe(200);
        const { responses } = await (response.json() as Promise<{
          responses: { status: number; headers?: Record<string, string> }[];
        }>);
        expect(responses.map((item) => item.status).sort()).toEqual([200, 429]);
        expect(responses.find((item) => item.status === 429)?.headers?.["Retry-After"]).toBe("1");
      }
    }
  });

  it("lists hidden folders only with includeHiddenFolders=true", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    await session.control.addFolder(address, "Secret", { parent: "inbox", hidden: true });
    const names = async (query: string) =>
      ((await (await session.graph(`/me/mailFolders/inbox/childFolders${query}`, { token })).json()) as Page).value.map(
        (folder) => folder["displayName"],
      );
    expect(await names("")).toEqual([]);
    expect(await names("?includeHiddenFolders=true")).toEqual(["Secret"]);
  });

  it("names the mailbox in its errors: an unknown address, and a mailbox Graph cannot reach", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const code = async (path: string) =>
      ((await (await session.graph(path, { token })).json()) as { error: { code: string } }).error.code;
    expect(await code("/users/nobody@contoso.test/mailFolders/inbox")).toBe("ErrorInvalidUser");
    await session.control.createSharedMailbox({
      tenantId: session.tenant.tenantId,
      address: "onprem@contoso.test",
      restEnabled: false,
      access: [{ userId: session.tenant.users[0]?.id ?? "", access: "full" }],
    });
    expect(await code("/users/onprem@contoso.test/mailFolders/inbox")).toBe("MailboxNotEnabledForRESTAPI");
    expect(await code("/me/mailFolders/nope")).toBe("ErrorItemNotFound");
  });

  it("refuses $select of properties the attachment base type lacks", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    const [seeded] = await session.control.addMessages(address, [
      { attachments: [{ name: "a.txt", contentType: "text/plain", contentBase64: btoa("a") }] },
    ]);
    const path = `/me/messages/${encodeURIComponent(seeded?.id ?? "")}/attachments`;
    const refused = await session.graph(`${path}?$select=id,contentId`, { token });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("'contentId'");
    expect((await session.graph(`${path}?$select=id,name,contentType,size,isInline`, { token })).status).toBe(200);
  });

  it("refuses sendMail beyond its limits with Graph's errors, and keeps no headers on the Sent Items copy", async () => {
    const session = await inProcessSession();
    const token = await session.signIn();
    const address = session.tenant.users[0]?.mail ?? "";
    const mail = (message: Record<string, unknown>) => ({
      message: {
        subject: "s",
        body: { contentType: "Text", content: "t" },
        toRecipients: [{ emailAddress: { address } }],
        ...message,
      },
    });
    const refusal = async (body: unknown) => {
      const response = await session.graph("/me/sendMail", { token, method: "POST", body });
      return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code };
    };
    const headers = (count: number) =>
      Array.from({ length: count }, (_, index) => ({ name: `x-h${index}`, value: "v" }));
    expect(await refusal(mail({ internetMessageHeaders: headers(6) }))).toEqual({
      status: 400,
      code: "InvalidInternetMessageHeaderCollection",
    });
    expect(await refusal(mail({ internetMessageHeaders: [] }))).toEqual({
      status: 400,
      code: "InvalidInternetMessageHeaderCollection",
    });
    expect(await refusal(mail({ internetMessageHeaders: [{ name: "Plain", value: "v" }] }))).toEqual({
      status: 400,
      code: "InvalidInternetMessageHeader",
    });
    const many = Array.from({ length: 501 }, (_, index) => ({ emailAddress: { address: `r${index}@example.com` } }));
    expect((await refusal(mail({ toRecipients: many }))).status).toBe(400);
    expect(await refusal(mail({ body: { contentType: "Text", content: "x".repeat(4_000_000) } }))).toEqual({
      status: 413,
      code: "BadRequest",
    });
    const sent = await session.graph("/me/sendMail", {
      token,
      method: "POST",
      body: mail({ internetMessageHeaders: headers(5) }),
    });
    expect(sent.status).toBe(202);
    const copies = await session.graph("/me/mailFolders/sentitems/messages?$select=internetMessageHeaders", { token });
    expect(((await copies.json()) as Page).value[0]?.["internetMessageHeaders"]).toEqual([]);
  });

  it("answers a malformed 200 when told to, so that clients can prove they parse what comes back", async () => {
    const session = await inProcessSession({
      settings: { graphFaults: [{ failure: { kind: "malformed" }, remaining: 1 }] },
    });
    const token = await session.signIn();
    const response = await session.graph("/me/mailFolders/inbox/messages/delta", { token });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { value: unknown }).value).toBe("not what Graph documents");
  });
});
