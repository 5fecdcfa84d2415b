import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker/index.ts";
import { call, callJson, simulator } from "../support/api.ts";
import { connectedSetup, signIn } from "../support/accounts.ts";
import { advanceObjectClock } from "../support/object-clock.ts";
import type { AccountView } from "../../src/core/accounts/account.ts";

interface TokenBody {
  accessToken: string;
  tokenType: string;
  expiresAt: string;
  scopes: string[];
}

interface ProblemBody {
  type: string;
  status: number;
  detail: string;
  statusReason?: { code: string; message: string; at: string };
  credentialId?: string;
}

function token(accountId: string, body?: Record<string, unknown>) {
  return callJson<TokenBody & ProblemBody>(
    "POST",
    `/api/accounts/${accountId}/token`,
    body === undefined ? {} : { body },
  );
}

async function refreshes(tenantId: string): Promise<number> {
  return (await simulator().counters(tenantId))["token.refresh_token"] ?? 0;
}

async function graphMe(accessToken: string): Promise<number> {
  const response = await fetch(`${env.SIMULATOR_URL}/v1.0/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  await response.body?.cancel();
  return response.status;
}

/** An account whose access token expires within the default 300 s window, while refreshed ones last an hour. */
async function accountNeedingRefresh(settings: Parameters<ReturnType<typeof simulator>["updateSettings"]>[1] = {}) {
  const setup = await connectedSetup({ settings: { accessTokenLifetimeSeconds: 120 } });
  await simulator().updateSettings(setup.tenant.tenantId, { accessTokenLifetimeSeconds: 3599, ...settings });
  return setup;
}

describe("POST /api/accounts/{id}/token", () => {
  it("hands out the cached token while it is valid long enough", async () => {
    const { tenant, account } = await connectedSetup();
    const first = await token(account.id);
    expect(first.status).toBe(200);
    expect(first.response.headers.get("cache-control")).toBe("no-store");
    expect(first.body).toEqual({
      accessToken: expect.stringMatching(/^sim-at\./),
      tokenType: "Bearer",
      expiresAt: account.accessTokenExpiresAt,
      scopes: account.scopes,
    });
    expect((await token(account.id)).body.accessToken).toBe(first.body.accessToken);
    expect(await refreshes(tenant.tenantId)).toBe(0);
    expect(await graphMe(first.body.accessToken)).toBe(200);
  });

  it("makes exactly one refresh for 200 concurrent callers, all getting the same valid token", async () => {
    const { tenant, account } = await accountNeedingRefresh();
    const results = await Promise.all(Array.from({ length: 200 }, () => token(account.id)));
    expect(results.map((result) => result.status)).toEqual(Array.from({ length: 200 }, () => 200));
    const tokens = new Set(results.map((result) => result.body.accessToken));
    expect(tokens.size).toBe(1);
    expect(await refreshes(tenant.tenantId)).toBe(1);
    const [only] = [...tokens];
    expect(await graphMe(only ?? "")).toBe(200);
    expect(Date.parse(results[0]?.body.expiresAt ?? "")).toBeGreaterThan(Date.now() + 3500 * 1000);
    const view = (await callJson<AccountView>("GET", `/api/accounts/${account.id}`)).body;
    expect(view.lastRefreshAt).not.toBeNull();
    expect(view.accessTokenExpiresAt).toBe(results[0]?.body.expiresAt);
  });

  it("stores each rotated refresh token, so strict rotation keeps working", async () => {
    const { tenant, account } = await accountNeedingRefresh({ refreshTokenRotation: "strict" });
    await Promise.all(Array.from({ length: 50 }, () => token(account.id)));
    for (let round = 0; round < 3; round++) {
      const forced = await token(account.id, { forceRefresh: true });
      expect(forced.status, forced.body.detail).toBe(200);
    }
    expect(await refreshes(tenant.tenantId)).toBe(4);
  });

  it("keeps the old refresh token when Microsoft returns none", async () => {
    const { tenant, account } = await accountNeedingRefresh({ refreshTokenRotation: "keep" });
    expect((await token(account.id, { forceRefresh: true })).status).toBe(200);
    expect((await token(account.id, { forceRefresh: true })).status).toBe(200);
    expect(await refreshes(tenant.tenantId)).toBe(2);
  });

  it("refreshes when the cached token is valid for less than minValiditySeconds", async () => {
    const { tenant, account } = await connectedSetup();
    expect((await token(account.id, { minValiditySeconds: 3000 })).status).toBe(200);
    expect(await refreshes(tenant.tenantId)).toBe(0);
    expect((await token(account.id, { minValiditySeconds: 3700 })).status).toBe(200);
    expect(await refreshes(tenant.tenantId)).toBe(1);
  });

  it("refuses bad options, naming the field", async () => {
    const { account } = await connectedSetup();
    for (const [body, path] of [
      [{ minValiditySeconds: -1 }, "minValiditySeconds"],
      [{ minValiditySeconds: 1.5 }, "minValiditySeconds"],
      [{ forceRefresh: "yes" }, "forceRefresh"],
      [{ force: true }, "force"],
    ] as const) {
      const response = await callJson<{ errors: { path: string }[] }>("POST", `/api/accounts/${account.id}/token`, {
        body,
      });
      expect(response.status).toBe(400);
      expect(response.body.errors[0]?.path).toBe(path);
    }
  });
});

describe("revoked consent", () => {
  it("turns the account to reauth_required with Microsoft's code, stops refreshing, and recovers on reauthorize", async () => {
    const { tenant, account } = await connectedSetup();
    const user = tenant.users[0]?.id ?? "";
    await simulator().revokeConsent(tenant.tenantId, user, { clientId: tenant.apps[0]?.clientId ?? "" });

    const stillValid = await token(account.id);
    expect(stillValid.status).toBe(200);
    expect(await graphMe(stillValid.body.accessToken)).toBe(200);

    const refused = await token(account.id, { forceRefresh: true });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe("urn:edgepost:problem:reauth-required");
    expect(refused.body.statusReason).toEqual({
      code: "AADSTS50173",
      message: expect.stringContaining("revoked"),
      at: expect.any(String),
    });
    expect(refused.body.detail).toContain(`/api/accounts/${account.id}/reauthorize`);

    const view = (await callJson<AccountView>("GET", `/api/accounts/${account.id}`)).body;
    expect(view.status).toBe("reauth_required");
    expect(view.statusReason?.code).toBe("AADSTS50173");
    const listed = (await callJson<{ items: AccountView[] }>("GET", "/api/accounts")).body.items.find(
      (item) => item.id === account.id,
    );
    expect(listed?.status).toBe("reauth_required");

    const counted = await refreshes(tenant.tenantId);
    for (let i = 0; i < 3; i++) {
      expect((await token(account.id, { forceRefresh: true })).status).toBe(409);
    }
    expect(await refreshes(tenant.tenantId)).toBe(counted);

    const again = await signIn(`/api/accounts/${account.id}/reauthorize`);
    expect(again.status).toBe(200);
    const restored = (await callJson<AccountView>("GET", `/api/accounts/${account.id}`)).body;
    expect(restored).toMatchObject({
      id: account.id,
      status: "connected",
      statusReason: null,
      connectedAt: account.connectedAt,
    });
    expect((await token(account.id, { forceRefresh: true })).status).toBe(200);
  });

  it("passes the account's sign-in name as login_hint on reauthorize", async () => {
    const { account } = await connectedSetup();
    const { status, body } = await callJson<{ authorizeUrl: string }>(
      "POST",
      `/api/accounts/${account.id}/reauthorize`,
      { body: { prompt: "login" } },
    );
    expect(status).toBe(201);
    const params = new URL(body.authorizeUrl).searchParams;
    expect(params.get("login_hint")).toBe(account.username);
    expect(params.get("prompt")).toBe("login");
  });

  it("classifies consent removal (AADSTS65001) and MFA (AADSTS50076) the same way", async () => {
    for (const code of [65001, 50076]) {
      const { tenant, account } = await connectedSetup();
      await simulator().revokeConsent(tenant.tenantId, tenant.users[0]?.id ?? "", {
        clientId: tenant.apps[0]?.clientId ?? "",
        code,
      });
      const refused = await token(account.id, { forceRefresh: true });
      expect(refused.status).toBe(409);
      expect(refused.body.statusReason?.code).toBe(`AADSTS${code}`);
    }
  });
});

describe("a refused client secret", () => {
  it("answers a 502 naming the credential and the fix, leaves the account connected, and recovers with a new secret", async () => {
    const { tenant, credentialId, account } = await accountNeedingRefresh();
    const good = tenant.apps[0]?.clientSecret ?? "";
    expect(
      (
        await callJson("PATCH", `/api/credentials/${credentialId}`, {
          body: { clientSecret: "the-secret-id-not-value" },
        })
      ).status,
    ).toBe(200);

    const refused = await token(account.id);
    expect(refused.status).toBe(502);
    expect(refused.body.type).toBe("urn:edgepost:problem:credential-rejected");
    expect(refused.body.credentialId).toBe(credentialId);
    expect(refused.body.detail).toContain(`credential ${credentialId}`);
    expect(refused.body.detail).toContain("AADSTS7000215");
    expect(refused.body.detail).toContain(`PATCH /api/credentials/${credentialId}`);
    const view = (await callJson<AccountView>("GET", `/api/accounts/${account.id}`)).body;
    expect(view.status).toBe("connected");
    expect(view.lastRefreshError?.code).toBe("AADSTS7000215");

    const counted = await refreshes(tenant.tenantId);
    expect((await token(account.id)).status).toBe(502);
    expect(await refreshes(tenant.tenantId)).toBe(counted);

    expect((await callJson("PATCH", `/api/credentials/${credentialId}`, { body: { clientSecret: good } })).status).toBe(
      200,
    );
    expect((await token(account.id)).status).toBe(200);
    expect((await callJson<AccountView>("GET", `/api/accounts/${account.id}`)).body.lastRefreshError).toBeNull();
  });

  it("says so when the secret expired (AADSTS7000222)", async () => {
    const { tenant, credentialId, account } = await accountNeedingRefresh();
    const expiring = await simulator().addSecret(tenant.apps[0]?.clientId ?? "", { expiresInSeconds: 30 });
    await callJson("PATCH", `/api/credentials/${credentialId}`, { body: { clientSecret: expiring.value } });
    await simulator().advanceClock(tenant.tenantId, 60);
    const refused = await token(account.id);
    expect(refused.status).toBe(502);
    expect(refused.body.detail).toContain("AADSTS7000222");
    expect(refused.body.detail).toContain("expired");
  });
});

describe("outages", () => {
  it("answers 502 with Retry-After, keeps the status, backs off, and recovers", async () => {
    const { tenant, account } = await accountNeedingRefresh({
      tokenFaults: [
        { failure: { kind: "error", status: 503, error: "temporarily_unavailable", code: 90033 }, remaining: 1 },
      ],
    });
    const failed = await token(account.id);
    expect(failed.status).toBe(502);
    expect(failed.body.type).toBe("urn:edgepost:problem:upstream");
    expect(failed.body.detail).toContain("AADSTS90033");
    expect(failed.response.headers.get("retry-after")).toBe("5");
    const counted = await refreshes(tenant.tenantId);
    expect((await token(account.id)).status).toBe(502);
    expect(await refreshes(tenant.tenantId)).toBe(counted);
    expect((await callJson<AccountView>("GET", `/api/accounts/${account.id}`)).body.status).toBe("connected");

    await advanceObjectClock(env.ACCOUNTS.getByName(account.id), 5);
    const recovered = await token(account.id);
    expect(recovered.status).toBe(200);
    expect((await callJson<AccountView>("GET", `/api/accounts/${account.id}`)).body.lastRefreshError).toBeNull();
  });

  it("treats a dropped connection as transient", async () => {
    const { account } = await accountNeedingRefresh({ tokenFaults: [{ failure: { kind: "network" }, remaining: 1 }] });
    const failed = await token(account.id);
    expect(failed.status).toBe(502);
    expect(failed.body.detail).toContain("network");
    expect((await callJson<AccountView>("GET", `/api/accounts/${account.id}`)).body.status).toBe("connected");
  });
});

describe("keep-alive from the cron", () => {
  it("refreshes accounts whose refresh token has been idle for 24 hours, and leaves the others", async () => {
    const idle = await connectedSetup();
    const recent = await connectedSetup();
    // A day and an hour later for the idle account's object and for the cron; the other stays at now.
    const dayAndHour = 25 * 60 * 60;
    await advanceObjectClock(env.ACCOUNTS.getByName(idle.account.id), dayAndHour);

    const ctx = createExecutionContext();
    const later = Date.now() + dayAndHour * 1000;
    worker.scheduled(createScheduledController({ scheduledTime: later, cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    expect(await refreshes(idle.tenant.tenantId)).toBe(1);
    expect(await refreshes(recent.tenant.tenantId)).toBe(0);
    const view = (await callJson<AccountView>("GET", `/api/accounts/${idle.account.id}`)).body;
    expect(Date.parse(view.refreshTokenUsedAt ?? "")).toBeGreaterThan(Date.now() - 60_000);

    const again = createExecutionContext();
    worker.scheduled(createScheduledController({ scheduledTime: later, cron: "* * * * *" }), env, again);
    await waitOnExecutionContext(again);
    expect(await refreshes(idle.tenant.tenantId)).toBe(1);
  });
});

describe("deleting an account", () => {
  it("answers 404 afterwards on every route", async () => {
    const { account } = await connectedSetup();
    expect((await call("DELETE", `/api/accounts/${account.id}`)).status).toBe(204);
    for (const [method, path] of [
      ["GET", `/api/accounts/${account.id}`],
      ["DELETE", `/api/accounts/${account.id}`],
      ["POST", `/api/accounts/${account.id}/token`],
      ["POST", `/api/accounts/${account.id}/reauthorize`],
    ] as const) {
      expect((await call(method, path)).status, `${method} ${path}`).toBe(404);
    }
  });
});
