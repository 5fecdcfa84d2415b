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

let stack: LocalStack;
let sim: SimulatorClient;
let tenant: TenantInfo;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];
let shot = 0;

async function screenshot(name: string): Promise<void> {
  shot++;
  await page.screenshot({ path: join(SCREENSHOTS, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
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
  await sim.addMessages(tenant.users[0]?.mail ?? "", [
    { subject: "[OPS-1] Printer jammed", from: { name: "Megan", address: "megan@customer.example" } },
    { subject: "Automatic reply", headers: [{ name: "Auto-Submitted", value: "auto-replied" }] },
  ]);
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
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
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
  it("walk an administrator from sign-in to a mailbox in Jira, through a revoked consent and back", async () => {
    await page.goto(stack.workerUrl);
    await expect(page.getByRole("heading", { name: "Sign in to edgepost" }).isVisible()).resolves.toBe(true);
    await screenshot("sign-in");
    await page.getByLabel("Admin token").fill(stack.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await screenshot("overview");

    await page.getByRole("link", { name: "Credentials", exact: true }).click();
    await page.getByRole("link", { name: "New credentials" }).click();
    const app = tenant.apps[0];
    await page.getByLabel("Name").fill(`Contoso <script>alert("x")</script>`);
    await page.getByLabel("Client ID").fill(app?.clientId ?? "");
    await page.getByLabel("Client Secret").fill(app?.clientSecret ?? "");
    await page.getByLabel("Auth Endpoint URL").fill(V1_ENDPOINT);
    await page.getByLabel("Token Endpoint URL").fill(tenant.endpoints.token);
    await page.getByRole("button", { name: "Create" }).click();
    await page.locator("#authEndpoint-error").waitFor();
    expect(await page.locator("#authEndpoint-error").textContent()).toContain("v1 endpoint");
    await screenshot("credential-form-v1-error");
    expect(await page.getByLabel("Client Secret").inputValue()).toBe("");

    await page.getByLabel("Client Secret").fill(app?.clientSecret ?? "");
    await page.getByLabel("Auth Endpoint URL").fill(tenant.endpoints.authorize);
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Redirect URI" }).waitFor();
    await page.getByRole("button", { name: "Copy" }).click();
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
    expect(await page.locator("main").textContent()).toContain(tenant.users[0]?.mail ?? "?");
    await screenshot("mailbox-connected");

    await page.goto(`${stack.workerUrl}/accounts`);
    await expect(page.locator("tbody .badge.ok", { hasText: "connected" }).count()).resolves.toBe(1);
    await screenshot("accounts-connected");

    const hook = await sim.createHook();
    await page.goto(`${stack.workerUrl}/handlers/new`);
    await page.getByLabel("Name").fill("Adele's inbox");
    await page.getByLabel("Jira Automation webhook URL").fill(hook.url);
    await page.getByLabel("Webhook secret").fill(hook.token ?? "");
    await screenshot("handler-form");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByText("Run finished: 2 new, 1 delivered, 1 skipped").waitFor();
    await screenshot("handler-ran");
    const received = await sim.hook(hook.id);
    expect(
      received.requests.map(
        (request) => (request.body as { data: { message: { subject: string } } }).data.message.subject,
      ),
    ).toEqual(["[OPS-1] Printer jammed"]);
    expect(received.requests[0]?.headers["x-automation-webhook-token"]).toBe(hook.token);

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
    await vi.waitFor(async () => expect((await sim.hook(hook.id)).requests).toHaveLength(2), {
      timeout: 30_000,
      interval: 200,
    });
    await page.reload();
    const pushFacts = (await page.locator("#push-heading + dl").textContent()) ?? "";
    expect(pushFacts).toMatch(/Last notification\s*\d{4}-\d{2}-\d{2} /);
    await screenshot("handler-push-active");

    await sim.revokeConsent(tenant.tenantId, tenant.users[0]?.id ?? "", { clientId: app?.clientId ?? "" });
    await page.goto(`${stack.workerUrl}/accounts`);
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByText("needs re-authorization").first().waitFor();
    await page.goto(`${stack.workerUrl}/accounts`);
    await expect(page.locator("tbody .badge.bad", { hasText: "reauth required" }).count()).resolves.toBe(1);
    expect(await page.locator("main").textContent()).toContain("AADSTS50173");
    await screenshot("accounts-reauth-required");

    await page.getByRole("button", { name: "Reconnect" }).click();
    await page.getByRole("button", { name: /Adele Vance/ }).click();
    await page.getByRole("heading", { name: "Mailbox connected" }).waitFor();
    await page.goto(`${stack.workerUrl}/accounts`);
    await expect(page.locator("tbody .badge.ok", { hasText: "connected" }).count()).resolves.toBe(1);
    await screenshot("accounts-reconnected");

    await page.goto(`${stack.workerUrl}/credentials`);
    expect(await page.locator("main").textContent()).toContain(`Contoso <script>alert("x")</script>`);
    expect(dialogs).toEqual([]);
    const html = await page.content();
    expect(html).not.toContain(app?.clientSecret ?? "?");
    expect(html).not.toContain(hook.token ?? "?");
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
