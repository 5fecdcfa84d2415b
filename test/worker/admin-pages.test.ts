import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createSession, sessionCookie } from "../../src/worker/admin/session.ts";
import { ADMIN_TOKEN, call, callJson, simulator, WORKER_ORIGIN } from "../support/api.ts";
import { connectedSetup, createTenantForWorker } from "../support/accounts.ts";
import { credentialBody, createCredential } from "../support/credentials.ts";
import { createHandler, handlerWorld } from "../support/handlers.ts";
import { browserWith, signIn } from "../support/pages.ts";

const XSS = `<script>alert("x")</script>`;

describe("signing in", () => {
  it("shows a sign-in form at / without a session, with no-store and a strict CSP", async () => {
    const response = await call("GET", "/", { token: null });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<form method="post" action="/login">');
    expect(html).toContain('<label for="token">Admin token</label>');
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("sets a signed HttpOnly, Secure, SameSite=Strict cookie for the right token only", async () => {
    const wrong = await call("POST", "/login", {
      token: null,
      rawBody: "token=nope&next=%2F",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: WORKER_ORIGIN },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("not the admin token");

    const right = await call("POST", "/login", {
      token: null,
      rawBody: new URLSearchParams({ token: ADMIN_TOKEN, next: "/handlers" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: WORKER_ORIGIN },
    });
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/handlers");
    const cookie = right.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(
      /^edgepost_session=\d+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200$/,
    );
    expect(cookie).not.toContain(ADMIN_TOKEN);
  });

  it("refuses a sign-in posted from another site", async () => {
    const response = await call("POST", "/login", {
      token: null,
      rawBody: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.test" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("treats a tampered or expired cookie as no session, and signs out", async () => {
    const browser = await signIn();
    expect((await browser.get("/credentials")).html).toContain("<h1>Credentials</h1>");
    const [name, value] = browser.cookie.split("=");
    const parts = (value ?? "").split(".");
    const forged = browserWith(`${name}=${Number(parts[0]) + 100000}.${parts[1]}.${parts[2]}`);
    expect((await forged.get("/credentials")).html).toContain("Sign in to edgepost");
    const { cookie } = await createSession(ADMIN_TOKEN, Date.now() - 13 * 60 * 60 * 1000);
    expect((await browserWith(`edgepost_session=${cookie}`).get("/")).html).toContain("Sign in to edgepost");
    const other = await createSession("another-admin-token-value", Date.now());
    expect((await browserWith(`edgepost_session=${other.cookie}`).get("/")).html).toContain("Sign in to edgepost");

    const out = await browser.submit("/logout", {});
    expect(out.status).toBe(303);
    expect(out.response.headers.get("set-cookie")).toBe(sessionCookie("", { maxAgeSeconds: 0 }));
  });
});

describe("credential pages", () => {
  it("shows the seed's fields in the seed's order with the defaults filled in", async () => {
    const browser = await signIn();
    const { html } = await browser.get("/credentials/new");
    const labels = [...html.matchAll(/<label for="[^"]+">([^<]+)<\/label>/g)].map((match) => match[1]);
    expect(labels).toEqual([
      "Name",
      "OAuth2 Service Provider",
      "Grant type",
      "Client ID",
      "Client Secret",
      "Auth Endpoint URL",
      "Token Endpoint URL",
      "Scopes",
    ]);
    expect(html).toContain('<option value="microsoft" selected="">Microsoft 365</option>');
    expect(html).toContain('<option value="authorization_code" selected="">Auth code (delegated)</option>');
    expect(html).toContain(
      'value="offline_access openid User.Read Mail.ReadWrite Mail.ReadWrite.Shared Mail.Send Mail.Send.Shared"',
    );
  });

  it("shows the API's message next to a v1 endpoint, keeps the values but never the secret", async () => {
    const tenant = await createTenantForWorker();
    const browser = await signIn();
    const body = credentialBody(tenant, {
      authEndpoint: `https://login.microsoftonline.com/${tenant.tenantId}/oauth2/authorize`,
    });
    const before = (await env.CONFIG.list({ prefix: "credential:" })).keys.length;
    const result = await browser.submit(
      "/credentials",
      { ...body, provider: "microsoft", grantType: "authorization_code", scopes: "offline_access openid" } as Record<
        string,
        string
      >,
      {
        fromPage: "/credentials/new",
      },
    );
    expect(result.status).toBe(400);
    expect(result.html).toMatch(
      /<p class="error" id="authEndpoint-error">authEndpoint is a v1 endpoint; in Azure open the app&#39;s Endpoints and copy the v2.0 one/,
    );
    expect(result.html).toContain('aria-invalid="true"');
    expect(result.html).toContain(`value="${tenant.apps[0]?.clientId ?? ""}"`);
    expect(result.html).not.toContain(tenant.apps[0]?.clientSecret ?? "?");
    expect((await env.CONFIG.list({ prefix: "credential:" })).keys.length).toBe(before);
  });

  it("creates a credential and shows its Redirect URI with a Copy button, never the secret", async () => {
    const tenant = await createTenantForWorker();
    const browser = await signIn();
    const created = await browser.submit(
      "/credentials",
      { ...credentialBody(tenant), provider: "microsoft", grantType: "authorization_code", scopes: "" } as Record<
        string,
        string
      >,
      {
        fromPage: "/credentials/new",
      },
    );
    expect(created.status).toBe(303);
    const location = created.response.headers.get("location") ?? "";
    expect(location).toMatch(/^\/credentials\/cred_[a-z2-7]{16}\?notice=credential-created$/);
    const { html } = await browser.get(location);
    expect(html).toContain('<code id="redirect-uri">https://edgepost.test/oauth/callback</code>');
    expect(html).toContain('data-copy="redirect-uri"');
    expect(html).toContain('<script src="/assets/copy.js" defer="">');
    expect(html).toContain("Copy the Redirect URI into Azure");
    expect(html).not.toContain(tenant.apps[0]?.clientSecret ?? "?");
    const script = await call("GET", "/assets/copy.js", { token: null });
    expect(script.headers.get("content-type")).toContain("javascript");
  });

  it("sends Authorize on to Microsoft", async () => {
    const tenant = await createTenantForWorker();
    const credential = await createCredential(tenant);
    const browser = await signIn();
    const result = await browser.submit(
      `/credentials/${credential.id}/authorize`,
      { loginHint: "adele@contoso.test" },
      { fromPage: `/credentials/${credential.id}` },
    );
    expect(result.status).toBe(303);
    const target = new URL(result.response.headers.get("location") ?? "");
    expect(`${target.origin}${target.pathname}`).toBe(tenant.endpoints.authorize);
    expect(target.searchParams.get("login_hint")).toBe("adele@contoso.test");
  });
});

describe("odd requests to the pages", () => {
  it("caps form bodies at 64 KiB, keeps sign-in redirects on edgepost, and knows only its own assets", async () => {
    const browser = await signIn();
    const big = await browser.submit("/credentials", { name: "x".repeat(70_000) }, { fromPage: "/credentials/new" });
    expect(big.status).toBe(413);
    const login = await call("POST", "/login", {
      token: null,
      rawBody: new URLSearchParams({ token: ADMIN_TOKEN, next: "//2130706433/" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: WORKER_ORIGIN },
    });
    expect(login.headers.get("location")).toBe("/");
    for (const name of ["constructor", "toString", "__proto__", "nope.js"]) {
      expect((await call("GET", `/assets/${name}`, { token: null })).status, name).toBe(404);
    }
  });
});

describe("forms refuse cross-site posts", () => {
  it("without the right Origin, without the CSRF token, or with another session's token, and changes nothing", async () => {
    const tenant = await createTenantForWorker();
    const browser = await signIn();
    const other = await signIn();
    const fields = {
      ...credentialBody(tenant),
      provider: "microsoft",
      grantType: "authorization_code",
      scopes: "",
    } as Record<string, string>;
    const before = (await env.CONFIG.list({ prefix: "credential:" })).keys.length;
    expect((await browser.submit("/credentials", fields, { origin: "https://evil.test" })).status).toBe(403);
    expect((await browser.submit("/credentials", fields, { origin: null })).status).toBe(403);
    expect((await browser.submit("/credentials", fields, { csrf: null })).status).toBe(403);
    const foreign = (await other.get("/")).html.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
    expect((await browser.submit("/credentials", fields, { csrf: foreign })).status).toBe(403);
    expect((await env.CONFIG.list({ prefix: "credential:" })).keys.length).toBe(before);
  });
});

describe("pages survive <script> in every text field", () => {
  it("escapes names, addresses, errors and messages everywhere", async () => {
    const world = await handlerWorld();
    await callJson("PATCH", `/api/credentials/${world.credentialId}`, { body: { name: XSS } });
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: XSS, from: { name: XSS, address: "x@example.com" } }]);
    const handler = await createHandler(world, { name: XSS });
    await sim.updateHook(world.hook.id, {
      faults: [{ failure: { kind: "error", status: 400, error: "bad", description: XSS }, remaining: -1 }],
    });
    await callJson("POST", `/api/handlers/${handler.id}/run`);
    const browser = await signIn();
    for (const path of [
      "/",
      "/credentials",
      `/credentials/${world.credentialId}`,
      `/credentials/${world.credentialId}/edit`,
      "/accounts",
      "/handlers",
      `/handlers/${handler.id}`,
      `/handlers/${handler.id}/edit`,
    ]) {
      const { status, html } = await browser.get(path);
      expect(status, path).toBe(200);
      expect(html, path).not.toContain("<script>alert");
      expect(html, path).not.toContain(world.hook.token ?? "?");
    }
    const detail = (await browser.get(`/handlers/${handler.id}`)).html;
    expect(detail).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(detail).toContain("webhook answered 400");
    // Without PUBLIC_URL (as in these tests) push is unavailable, and the page says what to set.
    expect(detail).toContain('<span class="badge muted">unavailable</span>');
    expect(detail).toContain("PUBLIC_URL is not set");
  });
});

describe("account and handler pages", () => {
  it("shows reauth_required with Microsoft's code in plain words, and Test connection finds it", async () => {
    const { tenant, account } = await connectedSetup();
    const browser = await signIn();
    expect((await browser.get("/accounts")).html).toContain('<span class="badge ok">connected</span>');
    await simulator().revokeConsent(tenant.tenantId, tenant.users[0]?.id ?? "", {
      clientId: tenant.apps[0]?.clientId ?? "",
    });
    const checked = await browser.submit(`/accounts/${account.id}/check`, {}, { fromPage: "/accounts" });
    expect(checked.status).toBe(409);
    expect(checked.html).toContain("needs re-authorization");
    const { html } = await browser.get("/accounts");
    expect(html).toContain('<span class="badge bad">reauth required</span>');
    expect(html).toContain("<code>AADSTS50173</code>");
    expect(html).toContain("The grant was revoked");
    const reconnect = await browser.submit(`/accounts/${account.id}/reconnect`, {}, { fromPage: "/accounts" });
    expect(reconnect.status).toBe(303);
    expect(new URL(reconnect.response.headers.get("location") ?? "").searchParams.get("login_hint")).toBe(
      account.username,
    );
  });

  it("creates a handler through the form, shows inline errors, runs it and retries a dead letter", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "From the form" }]);
    const browser = await signIn();
    const fields = {
      name: "Form handler",
      accountId: world.account.id,
      mailbox: "me",
      folder: "Inbox/Nowhere",
      onlyUnread: "on",
      afterProcessing: "markRead",
      moveToFolder: "",
      webhookUrl: world.hook.url,
      webhookToken: world.hook.token ?? "",
      pollIntervalMinutes: "1",
      includeAttachments: "on",
      maxAttachmentBytes: "10485760",
      skipAutoReplies: "on",
      enabled: "on",
      push: "off",
    };
    const form = await browser.get("/handlers/new");
    expect(form.html).toContain('<option value="auto" selected="">Push');
    const invalid = await browser.submit("/handlers", fields, { fromPage: "/handlers/new" });
    expect(invalid.status).toBe(400);
    expect(invalid.html).toContain('<p class="error" id="folder-error">folder was not found');
    const created = await browser.submit("/handlers", { ...fields, folder: "inbox" }, { fromPage: "/handlers/new" });
    expect(created.status).toBe(303);
    const path = (created.response.headers.get("location") ?? "").split("?")[0] ?? "";
    expect((await callJson<{ push: string }>("GET", `/api${path}`)).body.push).toBe("off");
    expect((await browser.get(path)).html).toContain("turned off for this handler: it polls");
    await sim.updateHook(world.hook.id, {
      faults: [{ failure: { kind: "error", status: 422, error: "bad" }, remaining: 1 }],
    });
    const ran = await browser.submit(`${path}/run`, {}, { fromPage: path });
    expect(ran.html).toContain(
      "Run finished: 1 new, 0 delivered, 0 skipped, 0 waiting for a retry, 1 to the dead letters.",
    );
    expect(ran.html).toContain("webhook answered 422");
    const messageId =
      (await callJson<{ items: { messageId: string }[] }>("GET", `/api${path}/dead-letters`)).body.items[0]
        ?.messageId ?? "";
    const retried = await browser.submit(`${path}/dead-letters/retry`, { messageId }, { fromPage: path });
    expect(retried.html).toContain("Delivered; the message left the dead letters.");
    expect((await sim.hook(world.hook.id)).requests.filter((request) => request.status === 200)).toHaveLength(1);
  });
});
