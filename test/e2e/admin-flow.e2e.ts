import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalStack, STATE_ROOT } from "../node/local-stack.ts";
import { SimulatorClient } from "../support/simulator-client.ts";
import { CHROMIUM_PATH } from "../vitest.config.ts";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { LocalStack } from "../node/local-stack.ts";
import type { TenantInfo } from "../simulator/control.ts";

const SCREENSHOTS = fileURLToPath(new URL("../../test-results/screenshots", import.meta.url));
const V1_ENDPOINT = "https://login.microsoftonline.com/contoso.example/oauth2/authorize";
const DESKTOP = { width: 1200, height: 900 };
/** A small phone: every page must fit it without scrolling sideways. */
const PHONE = { width: 390, height: 844 };

let stack: LocalStack;
let sim: SimulatorClient;
let tenant: TenantInfo;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];
const tooWide: string[] = [];
let shot = 0;

/** Screenshots the page at desktop width and at 390 px, and notes a page that scrolls sideways on the phone. */
async function screenshot(name: string): Promise<void> {
  shot++;
  const file = `${String(shot).padStart(2, "0")}-${name}`;
  await page.screenshot({ path: join(SCREENSHOTS, `${file}.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > PHONE.width) {
    tooWide.push(`${name}: ${width}px`);
  }
  await page.screenshot({ path: join(SCREENSHOTS, `${file}-390.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

async function mainText(): Promise<string> {
  return (await page.locator("main").textContent()) ?? "";
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startLocalStack({ stateDir: join(STATE_ROOT, "browser-test") });
  sim = new SimulatorClient(stack.simulator.url);
  tenant = await sim.createTenant({
    users: [{ displayName: "Adele Vance" }, { displayName: "Alex Wilber" }],
    apps: [{ redirectUris: [] }],
    settings: { signIn: "page" },
  });
  const mailbox = tenant.users[0]?.mail ?? "";
  await sim.addFolder(mailbox, "Support", { parent: "inbox" });
  await sim.addMessages(mailbox, [
    { subject: "[OPS-1] Printer jammed", from: { name: "Megan", address: "megan@customer.example" } },
    { subject: "Automatic reply", headers: [{ name: "Auto-Submitted", value: "auto-replied" }] },
  ]);
  await sim.addMessages(mailbox, [{ subject: "Escalation", from: { name: "Lee", address: "lee@customer.example" } }], {
    folder: "Inbox/Support",
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context = await browser.newContext({ viewport: DESKTOP });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.workerUrl });
  page = await context.newPage();
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the admin pages in Chromium", () => {
  it("walk an administrator from nothing to mail in Jira, through every failure to its fix", async () => {
    const app = tenant.apps[0];
    const hook = await sim.createHook();

    // Sign-in and the guided first hour (issue point 6).
    await page.goto(stack.workerUrl);
    await page.getByRole("heading", { name: "Sign in to edgepost" }).waitFor();
    await screenshot("sign-in");
    await page.getByLabel("Admin token").fill(stack.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(await page.locator('ol.steps li[aria-current="step"]').textContent()).toContain(
      "Enter the Azure app's credentials",
    );
    await screenshot("overview-first-steps");

    await page.getByRole("link", { name: "New credentials" }).first().click();
    expect(await page.locator("#redirect-uri").textContent()).toBe(`${stack.workerUrl}/oauth/callback`);
    await page.getByLabel("Name").fill(`Contoso <script>alert("x")</script>`);
    await page.getByLabel("Client ID").fill(app?.clientId ?? "");
    await page.getByLabel("Client Secret").fill(app?.clientSecret ?? "");
    await page.getByLabel("Directory (tenant) ID").fill(tenant.tenantId);
    await page.getByRole("button", { name: "Fill in the endpoints" }).click();
    expect(await page.getByLabel("Token Endpoint URL").inputValue()).toBe(
      `https://login.microsoftonline.com/${tenant.tenantId}/oauth2/v2.0/token`,
    );
    expect(await page.getByLabel("Client Secret").inputValue()).toBe("");
    await screenshot("credential-form-endpoints-filled");

    // A v1 endpoint: the summary takes the focus, names the field by its label and links to it.
    await page.getByLabel("Auth Endpoint URL").fill(V1_ENDPOINT);
    await page.getByLabel("Token Endpoint URL").fill(tenant.endpoints.token);
    await page.getByRole("button", { name: "Create" }).click();
    await page.locator("#authEndpoint-error").waitFor();
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("error-summary");
    expect(await page.locator(".error-summary a").first().textContent()).toMatch(/^Auth Endpoint URL is a v1 endpoint/);
    expect(await page.getByLabel("Client Secret").inputValue()).toBe("");
    expect(await mainText()).toContain("The secret you typed is kept");
    await screenshot("credential-form-v1-error");
    await page.locator(".error-summary a").first().click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("authEndpoint");
    await page.getByLabel("Auth Endpoint URL").fill(tenant.endpoints.authorize);
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Redirect URI" }).waitFor();
    await page.getByRole("button", { name: "Copy the Redirect URI" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    const redirectUri = await page.evaluate(() => navigator.clipboard.readText());
    expect(redirectUri).toBe(`${stack.workerUrl}/oauth/callback`);
    await screenshot("credential-redirect-uri");
    await sim.setRedirectUris(app?.clientId ?? "", [redirectUri]);

    await page.getByRole("button", { name: "Authorize" }).click();
    await page.getByRole("button", { name: /Adele Vance/ }).waitFor();
    await screenshot("microsoft-sign-in");
    await page.getByRole("button", { name: /Adele Vance/ }).click();
    await page.getByRole("heading", { name: "Mailbox connected" }).waitFor();
    expect(await mainText()).toContain(tenant.users[0]?.mail ?? "?");
    await screenshot("mailbox-connected");

    // Pickers (point 5): the connected page leads to a form with the account's mailbox and folders.
    await page.getByRole("link", { name: "Create a handler for this mailbox" }).click();
    await page.getByRole("heading", { name: "New handler" }).waitFor();
    const folders = await page
      .locator("#folder-options option")
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(folders).toEqual(expect.arrayContaining(["Inbox", "Inbox/Support", "Sent Items"]));
    expect(await page.locator("#mailbox-options option").first().textContent()).toContain(tenant.users[0]?.mail ?? "?");
    await page.getByLabel("Name").fill("Adele's inbox");
    await page.getByLabel("Folder", { exact: true }).fill("Inbox/Suport");
    await page.getByLabel("Jira Automation webhook URL").fill(hook.url);
    await page.getByLabel("Webhook secret").fill("not-the-rule-secret");
    await screenshot("handler-form");
    await page.getByRole("button", { name: "Create" }).click();
    await page.locator("#folder-error").waitFor();
    expect(await page.locator("#folder-error").textContent()).toContain('Did you mean "Inbox/Support"?');
    expect(await page.getByLabel("Name").inputValue()).toBe("Adele's inbox");
    expect(await page.getByLabel("Webhook secret").inputValue()).toBe("");
    expect(await page.content()).not.toContain("not-the-rule-secret");
    await screenshot("handler-form-folder-typo");
    await page.getByLabel("Folder", { exact: true }).fill("inbox");
    await page.getByRole("button", { name: "Create" }).click();

    // Failures stay visible (point 1), actions are safe to reload (point 3).
    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByText("Run finished with failures: 2 new, 0 delivered, 1 skipped").waitFor();
    expect(await page.locator("main > p .badge").first().textContent()).toBe("needs attention");
    expect(await mainText()).toContain("What to fix: Jira refused the webhook secret (401).");
    const postsAfterRun = (await sim.hook(hook.id)).requests.length;
    await page.reload();
    await page.getByText("Run finished with failures").waitFor();
    expect((await sim.hook(hook.id)).requests).toHaveLength(postsAfterRun);
    await screenshot("handler-dead-letter");
    // Every page shows what needs a person, linking to it (issue 13).
    const banner = page.locator("aside.attention");
    expect(await banner.textContent()).toContain("Adele's inbox");
    expect(await banner.textContent()).toContain("dead letter");
    // Check: the same list as the API's, on a page that is safe to reload.
    await page.getByRole("button", { name: "Check", exact: true }).click();
    await page.getByRole("heading", { name: "Check: Adele's inbox" }).waitFor();
    expect(await page.locator("#check-token").textContent()).toContain("Passed");
    expect(await page.locator("#check-folder").textContent()).toContain("Passed");
    const postsBeforeReload = (await sim.hook(hook.id)).requests.length;
    await page.reload();
    await page.getByRole("heading", { name: "Check: Adele's inbox" }).waitFor();
    expect((await sim.hook(hook.id)).requests).toHaveLength(postsBeforeReload);
    await screenshot("handler-check");
    await page.getByRole("link", { name: "Back to the handler" }).click();
    await page.getByRole("link", { name: "edgepost" }).click();
    expect(await mainText()).toContain("Handler Adele's inbox: 1 message waits in the dead letters.");
    await screenshot("overview-needs-attention");

    await page.goto(`${stack.workerUrl}/handlers`);
    // The banner links to what needs attention.
    await page.locator("aside.attention").getByRole("link", { name: "Adele's inbox" }).click();
    await page.getByRole("link", { name: "Edit the handler" }).click();
    await page.getByLabel("Webhook secret").fill(hook.token ?? "");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("1 message failed with the settings before this change.").waitFor();
    await screenshot("handler-saved-offer-retry");
    await page.getByRole("button", { name: "Retry all" }).first().click();
    await page.getByText("Retried: the message was delivered.").waitFor();
    expect(await page.locator("main > p .badge").first().textContent()).toBe("ok");
    expect(await page.locator("aside.attention").count()).toBe(0);
    await screenshot("handler-retried");
    const received = await sim.hook(hook.id);
    const accepted = received.requests.filter((request) => request.status === 200);
    expect(
      accepted.map((request) => (request.body as { data: { message: { subject: string } } }).data.message.subject),
    ).toEqual(["[OPS-1] Printer jammed"]);
    expect(accepted[0]?.headers["x-automation-webhook-token"]).toBe(hook.token);

    // Push: the handler subscribed to Adele's inbox, so new mail reaches Jira without Run now.
    const pushBadge = page.locator("#push-heading + dl .badge");
    await vi.waitFor(
      async () => {
        await page.reload();
        expect(await pushBadge.textContent()).toBe("active");
      },
      { timeout: 30_000, interval: 500 },
    );
    await sim.addMessages(tenant.users[0]?.mail ?? "", [{ subject: "[OPS-2] Pushed, not polled" }]);
    await vi.waitFor(
      async () => {
        const posts = (await sim.hook(hook.id)).requests.filter((request) => request.status === 200);
        expect(posts).toHaveLength(2);
      },
      { timeout: 30_000, interval: 200 },
    );
    await page.reload();
    const pushFacts = (await page.locator("#push-heading + dl").textContent()) ?? "";
    expect(pushFacts).toMatch(/Last notification\s*\d{4}-\d{2}-\d{2} /);
    await screenshot("handler-push-active");

    // Delete asks first and can be cancelled.
    await page.getByRole("link", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Delete Adele's inbox?" }).waitFor();
    await screenshot("handler-delete-confirm");
    await page.getByRole("link", { name: "Cancel" }).click();
    await page.getByRole("heading", { name: "Adele's inbox" }).waitFor();

    // A revoked consent, found by Test connection, fixed by Reconnect.
    await sim.revokeConsent(tenant.tenantId, tenant.users[0]?.id ?? "", { clientId: app?.clientId ?? "" });
    await page.goto(`${stack.workerUrl}/accounts`);
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByText("must sign in to Microsoft again: press Reconnect").waitFor();
    expect(page.url()).toContain("?notice=token-reauth");
    expect(await page.locator("tbody .badge.bad").textContent()).toBe("reconnect needed");
    expect(await mainText()).toContain("The grant was revoked");
    expect(await page.locator("aside.attention").textContent()).toContain("must be reconnected");
    await page.getByText(/Details \(AADSTS50173/).click();
    await screenshot("accounts-reconnect-needed");
    await page.getByRole("link", { name: "Disconnect" }).click();
    expect(await mainText()).toContain("These handlers read this mailbox; delete them first");
    await screenshot("account-disconnect-blocked");
    await page.goto(`${stack.workerUrl}/accounts`);
    await page.getByRole("button", { name: "Reconnect" }).click();
    await page.getByRole("button", { name: /Adele Vance/ }).click();
    await page.getByRole("heading", { name: "Mailbox connected" }).waitFor();
    await page.goto(`${stack.workerUrl}/accounts`);
    await expect(page.locator("tbody .badge.ok", { hasText: "connected" }).count()).resolves.toBe(1);
    expect(await page.locator("aside.attention").count()).toBe(0);
    await screenshot("accounts-reconnected");

    await page.goto(`${stack.workerUrl}/credentials`);
    expect(await mainText()).toContain(`Contoso <script>alert("x")</script>`);
    await screenshot("credentials");
    await page.goto(`${stack.workerUrl}/handlers`);
    await screenshot("handlers");
    expect(dialogs).toEqual([]);
    const html = await page.content();
    expect(html).not.toContain(app?.clientSecret ?? "?");
    expect(html).not.toContain(hook.token ?? "?");
    expect(tooWide).toEqual([]);
  });

  it("take the keyboard to the content first", async () => {
    await page.goto(`${stack.workerUrl}/handlers`);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
  });

  it("refuse a form posted to edgepost from another page", async () => {
    const attacker = await context.newPage();
    await attacker.setContent(
      `<form id="f" method="post" action="${stack.workerUrl}/credentials"><input name="name" value="planted"><input name="clientId" value="x"></form>`,
    );
    const [response] = await Promise.all([
      attacker.waitForNavigation(),
      attacker.evaluate(() => (document.getElementById("f") as HTMLFormElement).submit()),
    ]);
    expect(response?.status()).toBe(403);
    const listing = await fetch(`${stack.workerUrl}/api/credentials`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    const names = ((await listing.json()) as { items: { name: string }[] }).items.map((item) => item.name);
    expect(names).not.toContain("planted");
    await attacker.close();
  });
});
