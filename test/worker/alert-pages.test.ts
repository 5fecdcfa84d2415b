import { describe, expect, it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import { createHandler, handlerWorld, runNow } from "../support/handlers.ts";
import { signIn } from "../support/pages.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

describe("alert pages", () => {
  it("shows a banner on every page while something needs attention, linking to it", async () => {
    const world = await handlerWorld();
    const handler = await createHandler(world, { name: "Banner inbox" });
    await simulator().addMessages(world.address, [{ subject: "refused" }]);
    await simulator().updateHook(world.hook.id, { token: "jira-wants-another-token" });
    expect((await runNow(handler.id)).status).toBe("attention");
    const browser = await signIn();
    for (const path of ["/", "/credentials", "/accounts", "/handlers", "/alerts", `/handlers/${handler.id}`]) {
      const { html } = await browser.get(path);
      expect(html, path).toContain('class="notice error attention"');
      expect(html, path).toContain(`<a href="/handlers/${handler.id}">Banner inbox</a>`);
    }
    // A form shown again after a refusal keeps the banner too.
    const refused = await browser.submit("/credentials", { name: "" }, { fromPage: "/credentials/new" });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('class="notice error attention"');
    await simulator().updateHook(world.hook.id, { token: world.hook.token });
    await callJson("POST", `/api/handlers/${handler.id}/dead-letters/retry`);
    expect((await browser.get("/handlers")).html).not.toContain("attention-title");
  });

  it("saves the alert settings from the Alerts page and sends a test alert from it", async () => {
    const hook = await simulator().createHook({ tokenHeader: "x-edgepost-alert-token" });
    const browser = await signIn();
    expect((await browser.get("/alerts")).html).toContain('<a href="/alerts" aria-current="page">Alerts</a>');
    const refused = await browser.submit(
      "/alerts",
      { webhookUrl: "ftp://alerts.example", events: "handler.error" },
      { fromPage: "/alerts" },
    );
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("Alert webhook URL must be an https URL");
    const saved = await browser.submit(
      "/alerts",
      { webhookUrl: hook.url, webhookToken: hook.token ?? "", events: "handler.error" },
      { fromPage: "/alerts" },
    );
    expect(saved.status).toBe(303);
    expect(saved.response.headers.get("location")).toBe("/alerts?notice=alerts-saved");
    expect((await callJson("GET", "/api/alerts")).body).toMatchObject({
      webhookUrl: hook.url,
      webhookTokenSet: true,
      events: ["handler.error"],
    });
    const test = await browser.submit("/alerts/test", {}, { fromPage: "/alerts" });
    expect(test.response.headers.get("location")).toBe("/alerts?notice=alert-test-delivered");
    const page = (await browser.get("/alerts?notice=alert-test-delivered")).html;
    expect(page).toContain("The test alert was delivered.");
    expect(page).toContain("alert.test");
    expect(page).not.toContain(hook.token ?? "");
  });

  it("shows the days left on a credential's secret and, within 30 days, how to replace it", async () => {
    const world = await handlerWorld();
    const soon = new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10);
    await callJson("PATCH", `/api/credentials/${world.credentialId}`, { body: { clientSecretExpiresAt: soon } });
    const browser = await signIn();
    const { html } = await browser.get(`/credentials/${world.credentialId}`);
    expect(html).toMatch(new RegExp(`${soon} \\((9|10) days left\\)`));
    expect(html).toContain('id="secret-notice"');
    expect(html).toContain("Certificates &amp; secrets → Client secrets → New client secret");
    expect(html).toContain(`href="/credentials/${world.credentialId}/edit"`);
    const later = new Date(Date.now() + 200 * DAY_MS).toISOString().slice(0, 10);
    const edited = await browser.submit(
      `/credentials/${world.credentialId}`,
      { ...(await formOf(browser, `/credentials/${world.credentialId}/edit`)), clientSecretExpiresAt: later },
      { fromPage: `/credentials/${world.credentialId}/edit` },
    );
    expect(edited.status).toBe(303);
    expect((await browser.get(`/credentials/${world.credentialId}`)).html).not.toContain('id="secret-notice"');
  });
});

/** The text inputs and selects of a form page, as a browser would post them back. */
async function formOf(browser: Awaited<ReturnType<typeof signIn>>, path: string): Promise<Record<string, string>> {
  const { html } = await browser.get(path);
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    if (match[1] !== "_csrf" && match[1] !== undefined) {
      fields[match[1]] = (match[2] ?? "").replaceAll("&amp;", "&");
    }
  }
  for (const match of html.matchAll(/<select[^>]*name="([^"]+)"[\s\S]*?<option value="([^"]*)" selected/g)) {
    if (match[1] !== undefined) {
      fields[match[1]] = match[2] ?? "";
    }
  }
  return fields;
}
