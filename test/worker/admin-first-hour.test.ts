import { describe, expect, it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import { connectAccount, createTenantForWorker, signIn as signInMailbox } from "../support/accounts.ts";
import { createCredential } from "../support/credentials.ts";
import { createHandler } from "../support/handlers.ts";
import { signIn } from "../support/pages.ts";

/** The overview's getting-started list, as text. */
function steps(html: string): string[] {
  const list = /<ol class="steps">(.*?)<\/ol>/.exec(html)?.[1] ?? "";
  return [...list.matchAll(/<li[^>]*>(.*?)<\/li>/g)].map((match) => (match[1] ?? "").replace(/<[^>]+>/g, ""));
}

describe("the first hour", () => {
  it("guides from nothing to a handler, and says to connect a mailbox before a handler can be made", async () => {
    expect((await callJson<{ items: unknown[] }>("GET", "/api/accounts")).body.items).toEqual([]);
    const browser = await signIn();
    expect(steps((await browser.get("/")).html)[0]).toMatch(/^Next: Enter the Azure app&#39;s credentials/);
    const noAccount = (await browser.get("/handlers/new")).html;
    expect(noAccount).toContain("Connect a mailbox first");
    expect(noAccount).toContain('<a href="/credentials">Open your credentials and press Authorize</a>');
    expect(noAccount).not.toContain('action="/handlers"');

    const tenant = await createTenantForWorker();
    const credential = await createCredential(tenant);
    const afterCredential = steps((await browser.get("/")).html);
    expect(afterCredential[0]).toMatch(/^Done: /);
    expect(afterCredential[1]).toMatch(/^Next: Copy the Redirect URI/);

    const started = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credential.id}/authorize`);
    const { followAuthorizeUrl, deliverCallback } = await import("../support/accounts.ts");
    const connected = await deliverCallback(await followAuthorizeUrl(started.body.authorizeUrl));
    expect(connected.status).toBe(200);
    const account = (await callJson<{ items: { id: string }[] }>("GET", "/api/accounts")).body.items[0];
    expect(connected.page).toContain(`href="/handlers/new?account=${account?.id ?? "?"}"`);
    expect(connected.page).toContain("Create a handler for this mailbox");
    expect(steps((await browser.get("/")).html)[3]).toMatch(/^Next: Create a handler/);
  });
});

describe("the overview", () => {
  it("lists everything that needs a person, and what recovers by itself apart", async () => {
    const tenant = await createTenantForWorker();
    const credential = await createCredential(tenant);
    const account = await connectAccount(credential.id);
    const sim = simulator();
    const address = tenant.users[0]?.mail ?? "";
    const world = { tenant, account, credentialId: credential.id, address };
    const hook = await sim.createHook();
    await sim.addMessages(address, [{ subject: "refused" }]);
    const refused = await createHandler({ ...world, hook }, { name: "Refused by Jira", webhookToken: "wrong" });
    await callJson("POST", `/api/handlers/${refused.id}/run`);
    const slowHook = await sim.createHook();
    await sim.updateHook(slowHook.id, { failuresPerKey: { count: 1, status: 503 } });
    await sim.addMessages(address, [{ subject: "waits" }], { folder: "inbox" });
    const waiting = await createHandler(
      { ...world, hook: slowHook },
      { name: "Waiting for Jira", folder: "inbox", onlyUnread: false },
    );
    await callJson("POST", `/api/handlers/${waiting.id}/run`);

    const browser = await signIn();
    let html = (await browser.get("/")).html;
    expect(html).toContain("Handler Refused by Jira: 1 message waits in the dead letters.");
    expect(html).toContain(`<a href="/handlers/${refused.id}">What to fix</a>`);
    expect(html).toMatch(/<h2>Recovering by itself<\/h2><ul><li><a href="\/handlers\/[^"]+">Waiting for Jira<\/a>/);

    await sim.revokeConsent(tenant.tenantId, tenant.users[0]?.id ?? "", { clientId: tenant.apps[0]?.clientId ?? "" });
    await callJson("POST", `/api/accounts/${account.id}/token`, { body: { forceRefresh: true } });
    html = (await browser.get("/")).html;
    expect(html).toContain(`${account.email} must sign in to Microsoft again.`);
    expect(html).toContain(`<a href="/accounts#${account.id}">Reconnect</a>`);
    expect(html.replace(/<[^>]+>/g, " ")).not.toContain("acct_");
    expect((await signInMailbox(`/api/accounts/${account.id}/reauthorize`)).status).toBe(200);
  });
});
