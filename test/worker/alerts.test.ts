import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, callJson, REDIRECT_URI, simulator } from "../support/api.ts";
import { signIn as signInMailbox } from "../support/accounts.ts";
import { signIn } from "../support/pages.ts";
import { alertReceiver, alertsAbout, deliverAlerts, eventsAbout } from "../support/alerts.ts";
import { credentialBody } from "../support/credentials.ts";
import { createHandler, handlerWorld, runNow } from "../support/handlers.ts";
import { advanceObjectClock } from "../support/object-clock.ts";
import { runScheduled } from "../../src/worker/scheduled.ts";
import type { AlertPayload } from "../../src/core/alerts/alert-payload.ts";
import type { AlertSettingsView } from "../../src/core/alerts/alert-settings.ts";
import type { HeldCondition } from "../../src/worker/objects/alerts-tables.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

async function attention(): Promise<HeldCondition[]> {
  return (await callJson<{ items: HeldCondition[] }>("GET", "/api/alerts/active")).body.items;
}

describe("GET|PUT /api/alerts", () => {
  it("keeps the webhook with a write-only token, every event by default, and refuses bad settings by field", async () => {
    const hook = await simulator().createHook();
    const saved = await callJson<AlertSettingsView>("PUT", "/api/alerts", {
      body: { webhookUrl: hook.url, webhookToken: hook.token },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ webhookUrl: hook.url, webhookTokenSet: true });
    expect(saved.body.events).toHaveLength(12);
    expect(JSON.stringify(saved.body)).not.toContain(hook.token ?? "");
    expect((await callJson<AlertSettingsView>("GET", "/api/alerts")).body).toEqual(saved.body);

    const bad = await callJson<{ errors: { path: string; message: string }[] }>("PUT", "/api/alerts", {
      body: { webhookUrl: "http://10.0.0.1/alerts", events: ["handler.error", "handler.exploded"], more: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error) => error.path).sort()).toEqual(["events.1", "more", "webhookUrl"]);
    expect((await callJson<AlertSettingsView>("GET", "/api/alerts")).body).toEqual(saved.body);

    // Same origin: the token stays; events narrowed.
    const narrowed = await callJson<AlertSettingsView>("PUT", "/api/alerts", {
      body: { webhookUrl: hook.url, events: ["handler.error"] },
    });
    expect(narrowed.body).toMatchObject({ webhookTokenSet: true, events: ["handler.error"] });
    const off = await callJson<AlertSettingsView>("PUT", "/api/alerts", { body: { webhookUrl: null } });
    expect(off.body).toMatchObject({ webhookUrl: null, webhookTokenSet: false });
  });

  it("sends a test alert with the token in X-Edgepost-Alert-Token", async () => {
    const hook = await alertReceiver();
    const sent = await callJson<{ state: string; payload: AlertPayload }>("POST", "/api/alerts/test");
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ state: "delivered", payload: { event: "alert.test", test: true } });
    const { requests } = await simulator().hook(hook.id);
    expect(requests.at(-1)?.body).toMatchObject({ event: "alert.test", test: true });
    expect(requests.at(-1)?.headers["x-edgepost-alert-token"]).toBe(hook.token);
    expect(requests.at(-1)?.headers["x-automation-webhook-token"]).toBeUndefined();
  });
});

describe("alerts", () => {
  it("fires account.reauth_required once when consent is removed, and resolved once on reconnect", async () => {
    const hook = await alertReceiver();
    const world = await handlerWorld();
    const userId = world.tenant.users[0]?.id ?? "";
    await simulator().revokeConsent(world.tenant.tenantId, userId, {
      clientId: world.tenant.apps[0]?.clientId ?? "",
      code: 65001,
    });
    const token = `/api/accounts/${world.account.id}/token`;
    expect((await call("POST", token, { body: { forceRefresh: true } })).status).toBe(409);
    expect((await call("POST", token, { body: { forceRefresh: true } })).status).toBe(409);
    await runScheduled(env, Date.now());
    const [raised, ...more] = await alertsAbout(hook, world.account.id);
    expect(more).toEqual([]);
    expect(raised).toMatchObject({
      event: "account.reauth_required",
      severity: "error",
      subject: { type: "account", id: world.account.id, name: world.address },
    });
    expect(raised?.text).toMatch(/^edgepost: Mailbox .* must be reconnected \(AADSTS65001/);
    expect(raised?.text).not.toContain("\n");
    expect(raised?.fix).toContain("Reconnect");
    expect(await attention()).toContainEqual(
      expect.objectContaining({
        condition: "account.reauth_required",
        subject: expect.objectContaining({ id: world.account.id }),
      }),
    );

    const reconnected = await signInMailbox(`/api/accounts/${world.account.id}/reauthorize`);
    expect(reconnected.status, reconnected.page).toBe(200);
    expect(await eventsAbout(hook, world.account.id)).toEqual([
      "account.reauth_required",
      "account.reauth_required.resolved",
    ]);
    const resolved = (await alertsAbout(hook, world.account.id))[1];
    expect(resolved).toMatchObject({ severity: "info", fix: null });
    expect(resolved?.text).toContain("connected again");
    expect((await attention()).some((item) => item.subject.id === world.account.id)).toBe(false);
  });

  it("fires credential.secret_rejected once for a refused secret, whichever account meets it, and resolves on a new secret", async () => {
    const hook = await alertReceiver();
    const world = await handlerWorld();
    const good = credentialBody(world.tenant).clientSecret;
    const { value: wrong } = await simulator().addSecret(world.tenant.apps[0]?.clientId ?? "");
    // A secret Microsoft does not know: the value of a secret with a letter changed.
    const unknown = `${wrong.slice(0, -1)}${wrong.endsWith("a") ? "b" : "a"}`;
    await callJson("PATCH", `/api/credentials/${world.credentialId}`, { body: { clientSecret: unknown } });
    const token = `/api/accounts/${world.account.id}/token`;
    expect((await call("POST", token, { body: { forceRefresh: true } })).status).toBe(502);
    await advanceObjectClock(env.ACCOUNTS.getByName(world.account.id), 120);
    expect((await call("POST", token, { body: { forceRefresh: true } })).status).toBe(502);
    const [rejected, ...more] = await alertsAbout(hook, world.credentialId);
    expect(more).toEqual([]);
    expect(rejected).toMatchObject({ event: "credential.secret_rejected", subject: { type: "credential" } });
    expect(rejected?.text).toContain("AADSTS7000215");
    expect(rejected?.fix).toContain("Certificates & secrets");
    expect(rejected?.fix).toContain("New client secret");

    await callJson("PATCH", `/api/credentials/${world.credentialId}`, { body: { clientSecret: good } });
    expect(await eventsAbout(hook, world.credentialId)).toEqual([
      "credential.secret_rejected",
      "credential.secret_rejected.resolved",
    ]);
    expect((await call("POST", token, { body: { forceRefresh: true } })).status).toBe(200);
    expect(await eventsAbout(hook, world.credentialId)).toHaveLength(2);
  });

  it("explains an expired secret as Microsoft refuses it (AADSTS7000222), with the steps to a new one", async () => {
    const hook = await alertReceiver();
    const world = await handlerWorld({ apps: [{ redirectUris: [REDIRECT_URI], secretExpiresInSeconds: 3 * 86_400 }] });
    const expires = world.tenant.apps[0]?.secretExpiresAt ?? "";
    const saved = await callJson<{ clientSecretExpiresAt: string }>("PATCH", `/api/credentials/${world.credentialId}`, {
      body: { clientSecretExpiresAt: expires },
    });
    expect(saved.body.clientSecretExpiresAt).toBe(expires);
    expect(await eventsAbout(hook, world.credentialId)).toEqual(["credential.secret_expiring"]);
    await simulator().advanceClock(world.tenant.tenantId, 4 * 86_400);
    const refused = await callJson<{ code: string }>("POST", `/api/accounts/${world.account.id}/token`, {
      body: { forceRefresh: true },
    });
    expect(refused.status).toBe(502);
    const alerts = await alertsAbout(hook, world.credentialId);
    expect(alerts.map((alert) => alert.event)).toEqual(["credential.secret_expiring", "credential.secret_rejected"]);
    expect(alerts[1]?.text).toContain("AADSTS7000222");
    expect(alerts[1]?.text).toContain("has expired");
    expect(alerts[1]?.fix).toContain("App registrations → the app → Certificates & secrets");
    const browser = await signIn();
    const page = (await browser.get(`/credentials/${world.credentialId}`)).html;
    expect(page).toContain('id="secret-notice"');
    expect(page).toContain("AADSTS7000222");
    expect(page).toContain(`href="/credentials/${world.credentialId}/edit"`);
  });

  it("fires credential.secret_expiring at 30, 7 and 1 days, once each (one for thresholds crossed together), resolving when the date moves out", async () => {
    const hook = await alertReceiver();
    const world = await handlerWorld();
    const now = Date.now();
    const saved = await callJson<{ clientSecretExpiresAt: string }>("PATCH", `/api/credentials/${world.credentialId}`, {
      body: { clientSecretExpiresAt: isoDay(now + 20 * DAY_MS) },
    });
    expect(saved.body.clientSecretExpiresAt).toBe(isoDay(now + 20 * DAY_MS));
    const alerts = env.ALERTS.getByName("alerts");
    expect(await alerts.checkSecretExpiry(now + DAY_MS, { force: true })).toBe(true);
    // The daily look happens once a day, whatever the cron's pace.
    expect(await alerts.checkSecretExpiry(now + DAY_MS + 60_000)).toBe(false);
    const first = await alertsAbout(hook, world.credentialId);
    expect(first.map((alert) => [alert.event, alert.severity])).toEqual([["credential.secret_expiring", "warning"]]);
    expect(first[0]?.text).toMatch(/expires in 1\d days/);
    expect(first[0]?.fix).toContain("New client secret");

    // 7 and 1 days crossed between two looks: one alert.
    await alerts.checkSecretExpiry(now + 19.5 * DAY_MS, { force: true });
    await alerts.checkSecretExpiry(now + 19.6 * DAY_MS, { force: true });
    const second = await alertsAbout(hook, world.credentialId);
    expect(second.map((alert) => [alert.event, alert.severity])).toEqual([
      ["credential.secret_expiring", "warning"],
      ["credential.secret_expiring", "error"],
    ]);

    await callJson("PATCH", `/api/credentials/${world.credentialId}`, {
      body: { clientSecretExpiresAt: isoDay(now + 400 * DAY_MS) },
    });
    expect(await eventsAbout(hook, world.credentialId)).toEqual([
      "credential.secret_expiring",
      "credential.secret_expiring",
      "credential.secret_expiring.resolved",
    ]);
  });

  it("resolves credential.secret_expiring when a new secret is saved without a date, and refuses a date it cannot read", async () => {
    const hook = await alertReceiver();
    const world = await handlerWorld();
    const path = `/api/credentials/${world.credentialId}`;
    await callJson("PATCH", path, { body: { clientSecretExpiresAt: isoDay(Date.now() + 5 * DAY_MS) } });
    expect(await eventsAbout(hook, world.credentialId)).toEqual(["credential.secret_expiring"]);

    for (const bad of ["2027-02-30", "2027-01-01T10:00:00", "next year", 20270101]) {
      const refused = await callJson<{ errors: { path: string }[] }>("PATCH", path, {
        body: { clientSecretExpiresAt: bad },
      });
      expect(refused.status, String(bad)).toBe(400);
      expect(refused.body.errors.map((error) => error.path)).toEqual(["clientSecretExpiresAt"]);
    }
    expect((await callJson<{ clientSecretExpiresAt: string }>("GET", path)).body.clientSecretExpiresAt).toBe(
      isoDay(Date.now() + 5 * DAY_MS),
    );

    const { clientSecret } = credentialBody(world.tenant);
    const saved = await callJson<{ clientSecretExpiresAt: string | null }>("PATCH", path, { body: { clientSecret } });
    expect(saved.body.clientSecretExpiresAt).toBeNull();
    expect(await eventsAbout(hook, world.credentialId)).toEqual([
      "credential.secret_expiring",
      "credential.secret_expiring.resolved",
    ]);
  });

  it("fires handler.error once while runs keep failing, and resolved once when a run succeeds", async () => {
    const hook = await alertReceiver();
    const world = await handlerWorld();
    const userId = world.tenant.users[0]?.id ?? "";
    const shared = `alerts-${world.tenant.tenantId.slice(0, 8)}@contoso.test`;
    await simulator().createSharedMailbox({
      tenantId: world.tenant.tenantId,
      address: shared,
      access: [{ userId, access: "full" }],
    });
    const handler = await createHandler(world, { mailbox: shared, name: "Team inbox" });
    expect((await runNow(handler.id)).status).toBe("ok");
    await simulator().setMailboxAccess(shared, userId, null);
    expect((await runNow(handler.id)).status).toBe("error");
    expect((await runNow(handler.id)).status).toBe("error");
    const [error, ...more] = await alertsAbout(hook, handler.id);
    expect(more).toEqual([]);
    expect(error).toMatchObject({ event: "handler.error", severity: "error", subject: { name: "Team inbox" } });
    expect(error?.text).toContain("Full Access");
    expect(error?.fix).toContain("Exchange admin center");

    await simulator().setMailboxAccess(shared, userId, "full");
    expect((await runNow(handler.id)).status).toBe("ok");
    expect(await eventsAbout(hook, handler.id)).toEqual(["handler.error", "handler.error.resolved"]);
  });

  it("fires handler.dead_letter when dead letters appear and resolved when none are left; a failing alert webhook is retried", async () => {
    const hook = await alertReceiver();
    // The alert webhook fails twice for each alert before taking it.
    await simulator().updateHook(hook.id, { failuresPerKey: { count: 2, status: 503 } });
    const world = await handlerWorld();
    const handler = await createHandler(world, { name: "Jira intake" });
    await simulator().addMessages(world.address, [{ subject: "first" }, { subject: "second" }]);
    await simulator().updateHook(world.hook.id, { token: "a-token-jira-expects-now" });
    expect(await runNow(handler.id)).toMatchObject({ deadLettered: 2, status: "attention" });
    await simulator().addMessages(world.address, [{ subject: "third" }]);
    expect(await runNow(handler.id)).toMatchObject({ deadLettered: 1 });
    expect(await alertsAbout(hook, handler.id)).toEqual([]);
    const deliveries = async (): Promise<{ attempts: number; state: string }[]> =>
      (
        await callJson<{ items: { attempts: number; state: string; payload: AlertPayload }[] }>(
          "GET",
          "/api/alerts/deliveries?limit=100",
        )
      ).body.items.filter((item) => item.payload.subject.id === handler.id);
    expect(await deliveries()).toEqual([expect.objectContaining({ attempts: 1, state: "pending" })]);
    const alerts = env.ALERTS.getByName("alerts");
    await advanceObjectClock(alerts, 5);
    await deliverAlerts();
    expect(await deliveries()).toEqual([expect.objectContaining({ attempts: 2, state: "pending" })]);
    await advanceObjectClock(alerts, 30);
    const [deadLetter, ...more] = await alertsAbout(hook, handler.id);
    expect(more).toEqual([]);
    expect(await deliveries()).toEqual([expect.objectContaining({ attempts: 3, state: "delivered" })]);
    expect(deadLetter).toMatchObject({ event: "handler.dead_letter", severity: "warning" });
    expect(deadLetter?.text).toContain("dead letter");
    expect(deadLetter?.fix).toContain("Webhook secret");

    await simulator().updateHook(hook.id, { failuresPerKey: null });
    await simulator().updateHook(world.hook.id, { token: world.hook.token });
    const retried = await callJson("POST", `/api/handlers/${handler.id}/dead-letters/retry`);
    expect(retried.body).toMatchObject({ delivered: 3, failed: 0 });
    expect(await eventsAbout(hook, handler.id)).toEqual(["handler.dead_letter", "handler.dead_letter.resolved"]);
  });

  it("sends only the events asked for, and forgets a deleted handler's conditions without an alert", async () => {
    const hook = await simulator().createHook();
    await callJson("PUT", "/api/alerts", { body: { webhookUrl: hook.url, events: ["handler.error.resolved"] } });
    const world = await handlerWorld();
    const userId = world.tenant.users[0]?.id ?? "";
    const shared = `only-${world.tenant.tenantId.slice(0, 8)}@contoso.test`;
    await simulator().createSharedMailbox({
      tenantId: world.tenant.tenantId,
      address: shared,
      access: [{ userId, access: "full" }],
    });
    const handler = await createHandler(world, { mailbox: shared });
    await simulator().setMailboxAccess(shared, userId, null);
    expect((await runNow(handler.id)).status).toBe("error");
    expect(await eventsAbout(hook, handler.id)).toEqual([]);
    expect((await attention()).some((item) => item.subject.id === handler.id)).toBe(true);
    expect((await call("DELETE", `/api/handlers/${handler.id}`)).status).toBe(204);
    expect((await attention()).some((item) => item.subject.id === handler.id)).toBe(false);
    expect(await eventsAbout(hook, handler.id)).toEqual([]);
  });
});
