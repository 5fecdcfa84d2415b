import { describe, expect, it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import { createHandler, handlerWorld } from "../support/handlers.ts";
import type { CheckReport, HandlerCheck } from "../../src/core/handlers/handler-checks.ts";
import type { HandlerWorld } from "../support/handlers.ts";

async function check(handlerId: string, body?: unknown): Promise<CheckReport> {
  const { status, body: report } = await callJson<CheckReport>("POST", `/api/handlers/${handlerId}/check`, {
    ...(body === undefined ? {} : { body }),
  });
  expect(status, JSON.stringify(report)).toBe(200);
  return report;
}

function named(report: CheckReport, name: HandlerCheck["name"]): HandlerCheck | undefined {
  return report.checks.find((item) => item.name === name);
}

/** A shared mailbox the world's user has `access` to (no Send As unless given). */
async function sharedMailbox(
  world: HandlerWorld,
  options: { access: "read" | "full"; sendAs?: boolean; prefix: string },
): Promise<string> {
  const userId = world.tenant.users[0]?.id ?? "";
  const address = `${options.prefix}-${world.tenant.tenantId.slice(0, 8)}@contoso.test`;
  await simulator().createSharedMailbox({
    tenantId: world.tenant.tenantId,
    address,
    access: [{ userId, access: options.access }],
    sendAs: options.sendAs === true ? [userId] : [],
  });
  return address;
}

describe("POST /api/handlers/{id}/check", () => {
  it("passes every check that applies to a working handler, posting nothing to Jira", async () => {
    const world = await handlerWorld();
    await simulator().addMessages(world.address, [{ subject: "already here" }]);
    const handler = await createHandler(world);
    const report = await check(handler.id);
    expect(report.ok).toBe(true);
    expect(report.checks.map((item) => item.name)).toEqual(["token", "mailbox", "folder", "writeAccess", "push"]);
    expect(named(report, "writeAccess")).toMatchObject({ ok: true, verified: true });
    expect(named(report, "writeAccess")?.detail).toContain("written back unchanged");
    // Left out: the move target (markRead) and Send As (own mailbox). Push is unavailable without PUBLIC_URL.
    expect(named(report, "push")).toMatchObject({ ok: true, verified: false });
    expect((await simulator().hook(world.hook.id)).requests).toHaveLength(0);
    // The message's read state is as it was.
    expect((await simulator().messages(world.address))[0]?.isRead).toBe(false);
  });

  it("posts a test payload marked test: true only when asked, and reports Jira's answer", async () => {
    const world = await handlerWorld();
    const handler = await createHandler(world);
    const report = await check(handler.id, { webhook: true });
    expect(named(report, "webhook")).toMatchObject({ ok: true });
    const { requests } = await simulator().hook(world.hook.id);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).toMatchObject({ issues: [], data: { test: true, handlerId: handler.id } });

    await simulator().updateHook(world.hook.id, { token: "another-secret-value-for-jira" });
    const refused = await check(handler.id, { webhook: true });
    expect(refused.ok).toBe(false);
    expect(named(refused, "webhook")).toMatchObject({ ok: false, where: "handler" });
    expect(named(refused, "webhook")?.fix).toContain("Webhook secret");
  });

  it("names a missing folder and a missing move target, with the handler as the place to fix", async () => {
    const world = await handlerWorld();
    await simulator().addFolder(world.address, "Support", { parent: "inbox" });
    await simulator().addFolder(world.address, "Done", { parent: "inbox" });
    const handler = await createHandler(world, {
      folder: "Inbox/Support",
      afterProcessing: "move",
      moveToFolder: "Inbox/Done",
    });
    expect((await check(handler.id)).ok).toBe(true);
    await simulator().deleteFolder(world.address, "Inbox/Done");
    const report = await check(handler.id);
    expect(named(report, "folder")?.ok).toBe(true);
    expect(named(report, "moveTarget")).toMatchObject({ ok: false, where: "handler" });
    expect(named(report, "moveTarget")?.detail).toContain("Done");
    expect(named(report, "moveTarget")?.fix).toContain("Move to folder");

    await simulator().deleteFolder(world.address, "Inbox/Support");
    const gone = await check(handler.id);
    expect(named(gone, "mailbox")?.ok).toBe(true);
    expect(named(gone, "folder")).toMatchObject({ ok: false, where: "handler" });
    expect(named(gone, "folder")?.detail).toContain("Inbox/Support");
    expect(named(gone, "folder")?.fix).toContain("pick an existing folder in Folder");
    expect(named(gone, "moveTarget")?.detail).toMatch(/^Not checked/);
  });

  it("proves Full Access on a shared mailbox by a write, and says where to grant it", async () => {
    const world = await handlerWorld();
    const shared = await sharedMailbox(world, { access: "read", prefix: "readonly" });
    await simulator().addMessages(shared, [{ subject: "for the team" }]);
    const handler = await createHandler(world, { mailbox: shared });
    const report = await check(handler.id);
    expect(report.ok).toBe(false);
    expect(named(report, "mailbox")?.ok).toBe(true);
    expect(named(report, "folder")?.ok).toBe(true);
    const write = named(report, "writeAccess");
    expect(write).toMatchObject({ ok: false, where: "exchange" });
    expect(write?.detail).toContain("Full Access");
    expect(write?.fix).toContain("Exchange admin center");
    expect(write?.fix).toContain("Read and manage");

    await simulator().setMailboxAccess(shared, world.tenant.users[0]?.id ?? "", "full");
    const granted = await check(handler.id);
    expect(named(granted, "writeAccess")).toMatchObject({ ok: true, verified: true });
    // No notifications for a shared mailbox with delegated rights: push is unavailable and passes, unverified.
    expect(named(granted, "push")).toMatchObject({ ok: true, verified: false });
  });

  it("says a shared mailbox it cannot open at all needs Full Access, and checks nothing behind it", async () => {
    const world = await handlerWorld();
    const shared = await sharedMailbox(world, { access: "full", prefix: "revoked" });
    const handler = await createHandler(world, { mailbox: shared });
    await simulator().setMailboxAccess(shared, world.tenant.users[0]?.id ?? "", null);
    const report = await check(handler.id);
    expect(named(report, "mailbox")).toMatchObject({ ok: false, where: "exchange" });
    expect(named(report, "mailbox")?.fix).toContain("Full Access");
    expect(named(report, "folder")?.detail).toMatch(/^Not checked/);
    expect(named(report, "writeAccess")?.detail).toMatch(/^Not checked/);
  });

  it("says Send As cannot be asked of Graph, and tries a send only on request", async () => {
    const world = await handlerWorld();
    const shared = await sharedMailbox(world, { access: "full", prefix: "sendas" });
    const handler = await createHandler(world, { mailbox: shared });
    const quiet = await check(handler.id);
    expect(named(quiet, "sendAs")).toMatchObject({ ok: true, verified: false });
    expect(named(quiet, "sendAs")?.detail).toContain("no way to ask");
    expect(await simulator().sent()).not.toContainEqual(expect.objectContaining({ from: shared }));

    const denied = await check(handler.id, { sendAs: true });
    expect(named(denied, "sendAs")).toMatchObject({ ok: false, where: "exchange", verified: true });
    expect(named(denied, "sendAs")?.detail).toContain("ErrorSendAsDenied");
    expect(named(denied, "sendAs")?.fix).toContain("Send As");

    await simulator().setSendAs(shared, world.tenant.users[0]?.id ?? "", true);
    const allowed = await check(handler.id, { sendAs: true });
    expect(named(allowed, "sendAs")).toMatchObject({ ok: true, verified: true });
  });

  it("fails the token check with the reconnect fix after consent was removed, and checks nothing behind it", async () => {
    const world = await handlerWorld();
    const handler = await createHandler(world);
    await simulator().revokeConsent(world.tenant.tenantId, world.tenant.users[0]?.id ?? "", {
      clientId: world.tenant.apps[0]?.clientId ?? "",
      code: 65001,
    });
    // The access token still works until it expires: Microsoft refuses the next refresh.
    await callJson("POST", `/api/accounts/${world.account.id}/token`, { body: { forceRefresh: true } });
    const report = await check(handler.id);
    expect(named(report, "token")).toMatchObject({ ok: false, where: "account" });
    expect(named(report, "token")?.detail).toContain("AADSTS65001");
    expect(named(report, "token")?.fix).toMatch(/reconnect/i);
    expect(named(report, "mailbox")?.detail).toMatch(/^Not checked/);
  });

  it("keeps the last report for the page and answers 404 for an unknown handler", async () => {
    const world = await handlerWorld();
    const handler = await createHandler(world);
    expect((await callJson("GET", `/api/handlers/${handler.id}/check`)).status).toBe(404);
    const report = await check(handler.id);
    expect((await callJson("GET", `/api/handlers/${handler.id}/check`)).body).toEqual(report);
    expect((await callJson("POST", "/api/handlers/hdl_aaaaaaaaaaaaaaaa/check")).status).toBe(404);
    const bad = await callJson<{ errors: { path: string }[] }>("POST", `/api/handlers/${handler.id}/check`, {
      body: { webhook: "yes", extra: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error) => error.path).sort()).toEqual(["extra", "webhook"]);
  });
});
