import { describe, expect, it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import { connectedSetup } from "../support/accounts.ts";

interface FolderList {
  items: { id: string; displayName: string; path: string; childFolderCount: number }[];
  complete: boolean;
}

describe("GET /api/accounts/{id}/folders", () => {
  it("lists the whole folder tree with paths, hidden folders included, parents before children", async () => {
    const { tenant, account } = await connectedSetup();
    const sim = simulator();
    const address = tenant.users[0]?.mail ?? "";
    await sim.addFolder(address, "Support", { parent: "inbox" });
    await sim.addFolder(address, "Escalations", { parent: "Inbox/Support" });
    await sim.addFolder(address, "Quarantine", { parent: "inbox", hidden: true });
    const { status, body } = await callJson<FolderList>("GET", `/api/accounts/${account.id}/folders`);
    expect(status).toBe(200);
    expect(body.complete).toBe(true);
    const paths = body.items.map((folder) => folder.path);
    expect(paths).toEqual(
      expect.arrayContaining(["Inbox", "Inbox/Support", "Inbox/Support/Escalations", "Sent Items"]),
    );
    expect(paths).toContain("Inbox/Quarantine");
    expect(paths.indexOf("Inbox")).toBeLessThan(paths.indexOf("Inbox/Support"));
    expect(paths.indexOf("Inbox/Support")).toBe(paths.indexOf("Inbox/Support/Escalations") - 1);
    expect(body.items.find((folder) => folder.path === "Inbox/Support")).toMatchObject({
      displayName: "Support",
      childFolderCount: 1,
      id: expect.any(String),
    });
  });

  it("reads a shared mailbox by address, and says which right is missing when the account may not", async () => {
    const { tenant, account } = await connectedSetup();
    const sim = simulator();
    const shared = `team-${tenant.tenantId.slice(0, 8)}@contoso.test`;
    const userId = tenant.users[0]?.id ?? "";
    await sim.createSharedMailbox({ tenantId: tenant.tenantId, address: shared, displayName: "Team" });
    const refused = await callJson<{ status: number; detail: string }>(
      "GET",
      `/api/accounts/${account.id}/folders?mailbox=${encodeURIComponent(shared)}`,
    );
    expect(refused.status).toBe(502);
    expect(refused.body.detail).toContain("Full Access");
    await sim.setMailboxAccess(shared, userId, "full");
    await sim.addFolder(shared, "Orders", { parent: "inbox" });
    const listed = await callJson<FolderList>(
      "GET",
      `/api/accounts/${account.id}/folders?mailbox=${encodeURIComponent(shared.toUpperCase())}`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((folder) => folder.path)).toContain("Inbox/Orders");
  });

  it("refuses a malformed mailbox or an unknown parameter, and answers 404 for an unknown account", async () => {
    const { account } = await connectedSetup();
    const bad = await callJson<{ errors: { path: string }[] }>(
      "GET",
      `/api/accounts/${account.id}/folders?mailbox=not-an-address&depth=3`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((issue) => issue.path).sort()).toEqual(["depth", "mailbox"]);
    expect((await callJson("GET", "/api/accounts/acct_aaaaaaaaaaaaaaaaaaaa/folders")).status).toBe(404);
  });
});
