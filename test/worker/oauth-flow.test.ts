import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { advanceObjectClock } from "../support/object-clock.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { s256 } from "../support/in-process-simulator.ts";
import { stateKey } from "../../src/core/accounts/authorization.ts";
import { directoryShardOf } from "../../src/worker/stores/directory-shards.ts";
import worker from "../../src/worker/index.ts";
import { ADMIN_TOKEN, call, callJson, REDIRECT_URI, simulator } from "../support/api.ts";
import {
  connectAccount,
  createTenantForWorker,
  deliverCallback,
  followAuthorizeUrl,
  signIn,
} from "../support/accounts.ts";
import { createCredential } from "../support/credentials.ts";
import type { AccountView } from "../../src/core/accounts/account.ts";
import type { TenantInfo } from "../simulator/control.ts";

let tenant: TenantInfo;
let credentialId: string;

beforeAll(async () => {
  tenant = await createTenantForWorker();
  credentialId = (await createCredential(tenant)).id;
});

async function accountCount(): Promise<number> {
  return (await callJson<{ items: AccountView[] }>("GET", "/api/accounts")).body.items.length;
}

describe("POST /api/credentials/{id}/authorize", () => {
  it("answers a URL at the credential's endpoint carrying every parameter", async () => {
    const before = Date.now();
    const { status, body } = await callJson<{ authorizeUrl: string; expiresAt: string }>(
      "POST",
      `/api/credentials/${credentialId}/authorize`,
      {
        body: { loginHint: "adele@contoso.com", prompt: "consent" },
      },
    );
    expect(status).toBe(201);
    const url = new URL(body.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(tenant.endpoints.authorize);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toEqual({
      client_id: tenant.apps[0]?.clientId,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      response_mode: "query",
      scope: "offline_access openid profile User.Read Mail.ReadWrite Mail.ReadWrite.Shared Mail.Send Mail.Send.Shared",
      state: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: "S256",
      nonce: expect.stringMatching(/^[\w-]{22}$/),
      prompt: "consent",
      login_hint: "adele@contoso.com",
    });
    const expiresAt = Date.parse(body.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(10 * 60 * 1000 - 1000);
    expect(expiresAt - before).toBeLessThanOrEqual(10 * 60 * 1000 + 5000);
  });

  it("leaves out nonce without openid, and prompt and login_hint when not given", async () => {
    const noOpenId = await createCredential(tenant, { scopes: "offline_access User.Read" });
    const refused = await callJson<{ detail: string }>("POST", `/api/credentials/${noOpenId.id}/authorize`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("openid");
    const { body } = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credentialId}/authorize`);
    const params = new URL(body.authorizeUrl).searchParams;
    expect(params.has("prompt")).toBe(false);
    expect(params.has("login_hint")).toBe(false);
  });

  it("refuses another prompt or an unknown field, naming it", async () => {
    for (const [body, path] of [
      [{ prompt: "none" }, "prompt"],
      [{ loginHint: "" }, "loginHint"],
      [{ redirectUri: "https://evil.test" }, "redirectUri"],
    ] as const) {
      const response = await callJson<{ errors: { path: string; message: string }[] }>(
        "POST",
        `/api/credentials/${credentialId}/authorize`,
        { body },
      );
      expect(response.status).toBe(400);
      expect(response.body.errors[0]?.path).toBe(path);
      expect(response.body.errors[0]?.message.startsWith(path)).toBe(true);
    }
    expect((await call("POST", "/api/credentials/cred_nope/authorize")).status).toBe(404);
  });

  it("without PUBLIC_URL, builds the redirect URI only from hosts that cannot be arbitrary", async () => {
    const production = { ...env, ALLOW_HTTP_LOOPBACK: "false", GRAPH_BASE_URL: "https://graph.microsoft.com/v1.0" };
    const authorize = (origin: string) =>
      worker.fetch(
        new Request(`${origin}/api/credentials/${credentialId}/authorize`, {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        }),
        production,
      );
    const refused = await authorize("https://attacker-chosen.example");
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/^PUBLIC_URL is not set/);
    for (const origin of ["https://edgepost.contoso.workers.dev", "http://localhost:8787"]) {
      const started = await authorize(origin);
      expect(started.status).toBe(201);
      const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
      expect(new URL(authorizeUrl).searchParams.get("redirect_uri")).toBe(`${origin}/oauth/callback`);
    }
    const pinned = await worker.fetch(
      new Request(`https://attacker-chosen.example/api/credentials/${credentialId}/authorize`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
      { ...production, PUBLIC_URL: "https://edgepost.contoso.com" },
    );
    const { authorizeUrl } = (await pinned.json()) as { authorizeUrl: string };
    expect(new URL(authorizeUrl).searchParams.get("redirect_uri")).toBe("https://edgepost.contoso.com/oauth/callback");
  });

  it("binds the code challenge to a verifier only edgepost knows", async () => {
    const { body } = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credentialId}/authorize`);
    const challenge = new URL(body.authorizeUrl).searchParams.get("code_challenge") ?? "";
    expect(challenge).not.toBe(await s256(new URL(body.authorizeUrl).searchParams.get("state") ?? ""));
  });
});

describe("GET /oauth/callback", () => {
  it("connects the mailbox with the user's tenant, id, names and address", async () => {
    const before = await accountCount();
    const result = await signIn(`/api/credentials/${credentialId}/authorize`);
    expect(result.status).toBe(200);
    const user = tenant.users[0];
    expect(result.page).toContain("Mailbox connected");
    expect(result.page).toContain(user?.mail ?? "?");
    expect(await accountCount()).toBe(before + 1);
    const account = await connectAccount(credentialId);
    expect(account).toMatchObject({
      id: expect.stringMatching(/^acct_[a-z2-7]{20}$/),
      credentialId,
      tenantId: tenant.tenantId,
      userId: user?.id,
      username: user?.userPrincipalName,
      displayName: user?.displayName,
      email: user?.mail,
      status: "connected",
      statusReason: null,
      scopes: expect.arrayContaining(["User.Read", "Mail.ReadWrite", "Mail.Send.Shared"]),
      lastRefreshAt: null,
    });
    expect(Date.parse(account.accessTokenExpiresAt ?? "")).toBeGreaterThan(Date.now() + 3500 * 1000);
    expect((await callJson("GET", `/api/accounts/${account.id}`)).body).toEqual(account);
  });

  it("keeps the same account when the same user connects again", async () => {
    const first = await connectAccount(credentialId);
    const count = await accountCount();
    const second = await connectAccount(credentialId);
    expect(second.id).toBe(first.id);
    expect(second.connectedAt).toBe(first.connectedAt);
    expect(await accountCount()).toBe(count);
  });

  it("gives another user of the tenant an account of their own", async () => {
    const user = await simulator().addUser(tenant.tenantId, { displayName: "Support <Desk>" });
    const other = await connectAccount(credentialId, { loginHint: user.userPrincipalName });
    expect(other.userId).toBe(user.id);
    expect(other.displayName).toBe("Support <Desk>");
  });

  it("connects through a credential saved without profile, taking the user from Graph /me", async () => {
    const isolated = await createTenantForWorker();
    const credential = await createCredential(isolated, { scopes: "offline_access openid User.Read Mail.ReadWrite" });
    const account = await connectAccount(credential.id);
    const user = isolated.users[0];
    expect(account).toMatchObject({
      tenantId: isolated.tenantId,
      userId: user?.id,
      username: user?.userPrincipalName,
      displayName: user?.displayName,
    });
    // The same user connecting again lands on the same account.
    expect((await connectAccount(credential.id)).id).toBe(account.id);
  });

  it("signs in when Microsoft writes expires_in as a numeric string", async () => {
    const isolated = await createTenantForWorker({ settings: { expiresInAs: "string" } });
    const account = await connectAccount((await createCredential(isolated)).id);
    expect(Date.parse(account.accessTokenExpiresAt ?? "")).toBeGreaterThan(Date.now() + 3500 * 1000);
  });

  it("refuses a forged, a replayed and an expired state, storing nothing", async () => {
    const count = await accountCount();
    const forged = await deliverCallback("/oauth/callback?code=abc&state=forged-state-value");
    expect(forged.status).toBe(400);
    expect(forged.page).toContain("does not belong to any sign-in");
    expect((await deliverCallback("/oauth/callback?code=abc")).status).toBe(400);

    const started = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credentialId}/authorize`);
    const callbackPath = await followAuthorizeUrl(started.body.authorizeUrl);
    expect((await deliverCallback(callbackPath)).status).toBe(200);
    const replayed = await deliverCallback(callbackPath);
    expect(replayed.status).toBe(400);
    expect(replayed.page).toContain("already used");

    const late = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credentialId}/authorize`);
    const state = new URL(late.body.authorizeUrl).searchParams.get("state") ?? "";
    const key = await stateKey(state);
    // Past the 10 minutes at the shard that keeps this state; its clock goes back afterwards.
    const pastExpiry = 10 * 60 + 1;
    await advanceObjectClock(directoryShardOf(env, key), pastExpiry);
    const expired = await deliverCallback(await followAuthorizeUrl(late.body.authorizeUrl));
    expect(expired.status).toBe(400);
    expect(expired.page).toContain("expired");
    await advanceObjectClock(directoryShardOf(env, key), -pastExpiry);
    expect(await accountCount()).toBe(count + (count === 0 ? 1 : 0));
  });

  it("shows Microsoft's error escaped, with no-store and a strict CSP", async () => {
    const started = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credentialId}/authorize`);
    const state = new URL(started.body.authorizeUrl).searchParams.get("state") ?? "";
    const description = `AADSTS65004: User declined <script>alert("x")</script> & left`;
    const result = await deliverCallback(
      `/oauth/callback?error=access_denied&error_description=${encodeURIComponent(description)}&state=${state}`,
    );
    expect(result.status).toBe(400);
    expect(result.page).not.toContain("<script>");
    expect(result.page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; left");
    expect(result.page).toContain("access_denied");
    expect(result.page).toContain("declined");
    expect(result.response.headers.get("cache-control")).toBe("no-store");
    expect(result.response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(result.response.headers.get("referrer-policy")).toBe("same-origin");
    expect((await deliverCallback(`/oauth/callback?code=x&state=${state}`)).status).toBe(400);
  });

  it("shows Microsoft's error text only for a state edgepost issued", async () => {
    const planted = "Your mailbox is locked. Call +1 555 0100 to unlock it.";
    const result = await deliverCallback(
      `/oauth/callback?error=access_denied&error_description=${encodeURIComponent(planted)}&state=made-up`,
    );
    expect(result.status).toBe(400);
    expect(result.page).toContain("does not belong to any sign-in");
    expect(result.page).not.toContain("Call +1 555 0100");
    expect(result.page).not.toContain("access_denied");
  });

  it("redirects to a result page without the code or the state, which shows once", async () => {
    const started = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credentialId}/authorize`);
    const callbackPath = await followAuthorizeUrl(started.body.authorizeUrl);
    const redirect = await call("GET", callbackPath, { token: null });
    expect(redirect.status).toBe(303);
    const location = redirect.headers.get("location") ?? "";
    const code = new URL(callbackPath, "https://x.test").searchParams.get("code") ?? "";
    const state = new URL(callbackPath, "https://x.test").searchParams.get("state") ?? "";
    expect(location).not.toContain(code);
    expect(location).not.toContain(state);
    expect(location).not.toContain("?");
    expect(redirect.headers.get("referrer-policy")).toBe("no-referrer");
    const first = await call("GET", location, { token: null });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("Mailbox connected");
    const again = await call("GET", location, { token: null });
    expect(again.status).toBe(404);
    expect(await again.text()).toContain("shown once");
    expect((await call("GET", "/oauth/result/not-a-result", { token: null })).status).toBe(404);
  });

  it("answers 502 with Microsoft's code when the token exchange fails, storing nothing", async () => {
    const count = await accountCount();
    const started = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credentialId}/authorize`);
    const callbackPath = await followAuthorizeUrl(started.body.authorizeUrl);
    await simulator().updateSettings(tenant.tenantId, {
      tokenFaults: [
        { failure: { kind: "error", status: 503, error: "temporarily_unavailable", code: 90033 }, remaining: 1 },
      ],
    });
    const result = await deliverCallback(callbackPath);
    expect(result.status).toBe(502);
    expect(result.page).toContain("AADSTS90033");
    expect(result.page).toContain("transient");
    expect(await accountCount()).toBe(count);
  });

  it("answers 502 when the client secret is refused, naming the fix", async () => {
    const wrong = await createCredential(tenant, { clientSecret: "not-the-secret" });
    const result = await signIn(`/api/credentials/${wrong.id}/authorize`);
    expect(result.status).toBe(502);
    expect(result.page).toContain("AADSTS7000215");
    expect(result.page).toContain("Value (not its Secret ID)");
  });
});

describe("sign-in edges", () => {
  it("stores nothing for a sign-in started before its credential was deleted, without asking Microsoft", async () => {
    const isolated = await createTenantForWorker();
    const credential = await createCredential(isolated);
    const started = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credential.id}/authorize`);
    const callbackPath = await followAuthorizeUrl(started.body.authorizeUrl);
    expect((await call("DELETE", `/api/credentials/${credential.id}`)).status).toBe(204);
    const result = await deliverCallback(callbackPath);
    expect(result.status).toBe(400);
    expect(result.page).toContain("was deleted during the sign-in");
    expect((await simulator().counters(isolated.tenantId))["token.received"]).toBeUndefined();
  });

  it("stores nothing when the credential is deleted while Microsoft answers", async () => {
    const isolated = await createTenantForWorker({ settings: { tokenLatencyMs: 3000 } });
    const credential = await createCredential(isolated);
    const before = await accountCount();
    const started = await callJson<{ authorizeUrl: string }>("POST", `/api/credentials/${credential.id}/authorize`);
    const callback = deliverCallback(await followAuthorizeUrl(started.body.authorizeUrl));
    while (((await simulator().counters(isolated.tenantId))["token.received"] ?? 0) === 0) {
      await scheduler.wait(20);
    }
    expect((await call("DELETE", `/api/credentials/${credential.id}`)).status).toBe(204);
    const result = await callback;
    expect(result.status).toBe(400);
    expect(result.page).toContain("Nothing was stored");
    expect(await accountCount()).toBe(before);
  });

  it("refuses users of tenants the credential does not allow, storing nothing", async () => {
    const isolated = await createTenantForWorker();
    const common = {
      authEndpoint: isolated.endpoints.authorize.replace(isolated.tenantId, "common"),
      tokenEndpoint: isolated.endpoints.token.replace(isolated.tenantId, "common"),
    };
    const before = await accountCount();
    const elsewhere = await createCredential(isolated, {
      ...common,
      allowedTenants: ["11111111-2222-3333-4444-555555555555"],
    });
    const refused = await signIn(`/api/credentials/${elsewhere.id}/authorize`);
    expect(refused.status).toBe(502);
    expect(refused.page).toContain(`belongs to tenant ${isolated.tenantId}`);
    expect(refused.page).toContain("allowedTenants");
    expect(await accountCount()).toBe(before);
    const allowed = await createCredential(isolated, { ...common, allowedTenants: [isolated.tenantId] });
    expect((await signIn(`/api/credentials/${allowed.id}/authorize`)).status).toBe(200);
  });

  it("refuses a Graph /me that names another user than the id_token", async () => {
    const isolated = await createTenantForWorker();
    const credential = await createCredential(isolated);
    const before = await accountCount();
    await simulator().updateSettings(isolated.tenantId, {
      graphFaults: [
        {
          failure: {
            kind: "response",
            status: 200,
            body: JSON.stringify({
              id: "00000000-0000-0000-0000-00000000beef",
              displayName: "Someone else",
              mail: null,
            }),
            headers: { "content-type": "application/json" },
          },
          match: { path: "^/me" },
          remaining: 1,
        },
      ],
    });
    const result = await signIn(`/api/credentials/${credential.id}/authorize`);
    expect(result.status).toBe(502);
    expect(result.page).toContain("names another user than the id_token");
    expect(await accountCount()).toBe(before);
  });
});

describe("accounts", () => {
  it("refuses to delete a credential while an account uses it, then deletes the account and its tokens", async () => {
    const isolated = await createTenantForWorker();
    const credential = await createCredential(isolated);
    const account = await connectAccount(credential.id);
    const blocked = await callJson<{ detail: string }>("DELETE", `/api/credentials/${credential.id}`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.detail).toContain("used by 1 account");

    expect((await call("DELETE", `/api/accounts/${account.id}`)).status).toBe(204);
    expect((await call("GET", `/api/accounts/${account.id}`)).status).toBe(404);
    expect((await call("POST", `/api/accounts/${account.id}/token`)).status).toBe(404);
    const tables = await runInDurableObject(env.ACCOUNTS.getByName(account.id), (_instance, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
    );
    expect(tables).toEqual([]);
    expect((await call("DELETE", `/api/credentials/${credential.id}`)).status).toBe(204);
  });

  it("answers 404 for unknown or malformed account ids", async () => {
    for (const id of ["acct_aaaaaaaaaaaaaaaaaaaa", "nope", "acct_<script>"]) {
      expect((await call("GET", `/api/accounts/${encodeURIComponent(id)}`)).status).toBe(404);
    }
  });
});
