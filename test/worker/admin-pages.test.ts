import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createSession, sessionCookie } from "../../src/worker/admin/session.ts";
import { ADMIN_TOKEN, call, callJson, simulator, WORKER_ORIGIN } from "../support/api.ts";
import { connectedSetup, createTenantForWorker } from "../support/accounts.ts";
import { credentialBody, createCredential } from "../support/credentials.ts";
import { createHandler, handlerWorld } from "../support/handlers.ts";
import { browserWith, signIn } from "../support/pages.ts";
import { advanceObjectClock } from "../support/object-clock.ts";
import { accessObject } from "../../src/worker/stores/access.ts";

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
      /^__Host-edgepost_session=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200$/,
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

  it("treats a tampered cookie or one of another ADMIN_TOKEN as no session", async () => {
    const browser = await signIn();
    expect((await browser.get("/credentials")).html).toContain("<h1>Credentials</h1>");
    const [name, value = ""] = browser.cookie.split("=");
    const tampered = `${value.slice(0, -1)}${value.endsWith("A") ? "B" : "A"}`;
    expect((await browserWith(`${name}=${tampered}`).get("/credentials")).html).toContain("Sign in to edgepost");
    expect((await browserWith(`edgepost_session=${value}`).get("/credentials")).html).toContain("Sign in to edgepost");
    const other = await createSession(env, "Zq9xW2mKp7vLr4TbN8sQwE3yU6iO1aSdFgHjKl0");
    expect((await browserWith(`${name}=${other.cookie}`).get("/")).html).toContain("Sign in to edgepost");
  });

  it("ends a session after 30 minutes idle, and after 12 hours however busy", async () => {
    const sessions = accessObject(env, "sessions");
    const idle = await signIn();
    await advanceObjectClock(sessions, 29 * 60);
    expect((await idle.get("/credentials")).html).toContain("<h1>Credentials</h1>");
    await advanceObjectClock(sessions, 31 * 60);
    expect((await idle.get("/credentials")).html).toContain("Sign in to edgepost");

    const busy = await signIn();
    let moved = 0;
    for (; moved < 12 * 60; moved += 25) {
      expect((await busy.get("/credentials")).html, `after ${moved} minutes`).toContain("<h1>Credentials</h1>");
      await advanceObjectClock(sessions, 25 * 60);
    }
    expect((await busy.get("/credentials")).html).toContain("Sign in to edgepost");
    await advanceObjectClock(sessions, -(moved + 60) * 60);
  });

  it("signs out on the server: the old cookie opens nothing afterwards", async () => {
    const browser = await signIn();
    const out = await browser.submit("/logout", {});
    expect(out.status).toBe(303);
    expect(out.response.headers.get("set-cookie")).toBe(sessionCookie("", { maxAgeSeconds: 0 }));
    expect((await browser.get("/credentials")).html).toContain("Sign in to edgepost");
  });

  it("answers 429 with Retry-After after 20 wrong tokens a minute from one client, and still takes the right one", async () => {
    const attempt = (token: string) =>
      call("POST", "/login", {
        token: null,
        rawBody: new URLSearchParams({ token, next: "/" }).toString(),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: WORKER_ORIGIN,
          "cf-connecting-ip": "198.51.100.7",
        },
      });
    for (let index = 0; index < 20; index++) {
      expect((await attempt(`guess-${index}`)).status).toBe(401);
    }
    const limited = await attempt("guess-21");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.text()).toContain("Too many wrong tokens");
    expect((await attempt(ADMIN_TOKEN)).status).toBe(303);
  });
});

describe("credential pages", () => {
  it("shows the seed's fields in the seed's order with the defaults filled in, and the Redirect URI first", async () => {
    const browser = await signIn();
    const { html } = await browser.get("/credentials/new");
    const labels = [...html.matchAll(/<label for="[^"]+">([^<]+)<\/label>/g)].map((match) => match[1]);
    expect(labels.slice(0, 8)).toEqual([
      "Name",
      "OAuth2 Service Provider",
      "Grant type",
      "Client ID",
      "Client Secret",
      "Auth Endpoint URL",
      "Token Endpoint URL",
      "Scopes",
    ]);
    expect(labels.slice(8)).toEqual([
      "Allowed tenants",
      "Secret expiry date",
      "Directory (tenant) ID",
      "Microsoft cloud",
    ]);
    expect(html).toContain('<option value="microsoft" selected="">Microsoft 365</option>');
    expect(html).toContain('<option value="authorization_code" selected="">Auth code (delegated)</option>');
    expect(html).toContain(
      'value="offline_access openid profile User.Read Mail.ReadWrite Mail.ReadWrite.Shared Mail.Send Mail.Send.Shared"',
    );
    expect(html.indexOf('<code id="redirect-uri">https://edgepost.test/oauth/callback</code>')).toBeGreaterThan(0);
    expect(html.indexOf("redirect-uri")).toBeLessThan(html.indexOf('id="name"'));
  });

  it("fills both endpoint URLs from a tenant id, keeping what was typed and the secret, unshown", async () => {
    const tenant = await createTenantForWorker();
    const browser = await signIn();
    const secret = tenant.apps[0]?.clientSecret ?? "?";
    const filled = await browser.submit(
      "/credentials",
      {
        name: "Shortcut",
        provider: "microsoft",
        grantType: "authorization_code",
        clientId: tenant.apps[0]?.clientId ?? "",
        clientSecret: secret,
        authEndpoint: "",
        tokenEndpoint: "",
        scopes: "",
        tenant: "6731de76-14a6-49ae-97bc-6eba6914391e",
        tenantHost: "login.microsoftonline.us",
        _action: "fill-endpoints",
      },
      { fromPage: "/credentials/new" },
    );
    expect(filled.status).toBe(200);
    expect(filled.html).toContain(
      'value="https://login.microsoftonline.us/6731de76-14a6-49ae-97bc-6eba6914391e/oauth2/v2.0/authorize"',
    );
    expect(filled.html).toContain(
      'value="https://login.microsoftonline.us/6731de76-14a6-49ae-97bc-6eba6914391e/oauth2/v2.0/token"',
    );
    expect(filled.html).toContain('value="Shortcut"');
    expect(filled.html).not.toContain(secret);
    expect(filled.html).toContain('name="clientSecret:kept"');
    const wrong = await browser.submit(
      "/credentials",
      { name: "x", tenant: "not a tenant", _action: "fill-endpoints" },
      { fromPage: "/credentials/new" },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('<a href="#tenant">Directory (tenant) ID must be a GUID');
  });

  it("lists errors in the form's words, focused and linked to their fields, and keeps the secret unshown", async () => {
    const tenant = await createTenantForWorker();
    const browser = await signIn();
    const body = credentialBody(tenant, {
      authEndpoint: `https://login.microsoftonline.com/${tenant.tenantId}/oauth2/authorize`,
    });
    const before = (await env.CONFIG.list({ prefix: "credential:" })).keys.length;
    const fields = { ...body, provider: "microsoft", grantType: "authorization_code", scopes: "offline_access openid" };
    const result = await browser.submit("/credentials", fields as Record<string, string>, {
      fromPage: "/credentials/new",
    });
    expect(result.status).toBe(400);
    expect(result.html).toMatch(
      /<p class="error" id="authEndpoint-error">Auth Endpoint URL is a v1 endpoint; in Azure open the app&#39;s Endpoints and copy the v2.0 one/,
    );
    expect(result.html).toMatch(/<div class="error-summary" role="alert" tabindex="-1" autofocus=""/);
    expect(result.html).toContain('<a href="#authEndpoint">Auth Endpoint URL is a v1 endpoint');
    expect(result.html).toContain('aria-invalid="true"');
    expect(result.html).not.toContain("/api/");
    expect(result.html).toContain(`value="${tenant.apps[0]?.clientId ?? ""}"`);
    expect(result.html).not.toContain(tenant.apps[0]?.clientSecret ?? "?");
    expect((await env.CONFIG.list({ prefix: "credential:" })).keys.length).toBe(before);

    const kept = /name="clientSecret:kept" value="([^"]+)"/.exec(result.html)?.[1] ?? "";
    const fixed = await browser.submit(
      "/credentials",
      {
        ...(fields as Record<string, string>),
        clientSecret: "",
        "clientSecret:kept": kept,
        authEndpoint: tenant.endpoints.authorize,
      },
      { fromPage: "/credentials/new" },
    );
    expect(fixed.status).toBe(303);
    const id = /\/credentials\/(cred_[a-z2-7]+)/.exec(fixed.response.headers.get("location") ?? "")?.[1] ?? "";
    const { signIn: authorize } = await import("../support/accounts.ts");
    expect((await authorize(`/api/credentials/${id}/authorize`)).status).toBe(200);

    const forged = await browser.submit(
      "/credentials",
      { ...(fields as Record<string, string>), clientSecret: "", "clientSecret:kept": `${kept}x` },
      { fromPage: "/credentials/new" },
    );
    expect(forged.html).toContain("Client Secret must not be empty");
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
  it("shows a revoked consent in plain words, Microsoft's text behind Details, after a Test connection redirect", async () => {
    const { tenant, account } = await connectedSetup();
    const browser = await signIn();
    const listed = (await browser.get("/accounts")).html;
    expect(listed).toContain('<span class="badge ok">connected</span>');
    expect(listed).toContain(`<code id="id-${account.id}">${account.id}</code>`);
    expect(listed).toContain(`data-copy="id-${account.id}"`);
    await simulator().revokeConsent(tenant.tenantId, tenant.users[0]?.id ?? "", {
      clientId: tenant.apps[0]?.clientId ?? "",
    });
    const checked = await browser.submit(`/accounts/${account.id}/check`, {}, { fromPage: "/accounts" });
    expect(checked.status).toBe(303);
    const location = checked.response.headers.get("location") ?? "";
    expect(location).toBe(`/accounts?notice=token-reauth&about=${account.id}#${account.id}`);
    const { html } = await browser.get(location.split("#")[0] ?? "");
    expect(html).toContain(`${account.email} must sign in to Microsoft again: press Reconnect next to it.`);
    expect(html).toContain('<span class="badge bad">reconnect needed</span>');
    expect(html).toContain("The grant was revoked");
    expect(html).toMatch(
      /<details><summary>Details \(AADSTS50173, since [^)]+\)<\/summary><p class="mono">AADSTS50173: /,
    );
    expect(html).not.toContain("/api/");
    const reconnect = await browser.submit(`/accounts/${account.id}/reconnect`, {}, { fromPage: "/accounts" });
    expect(reconnect.status).toBe(303);
    expect(new URL(reconnect.response.headers.get("location") ?? "").searchParams.get("login_hint")).toBe(
      account.username,
    );
  });

  it("creates a handler through the form with a folder suggestion, runs it and retries, each action redirecting", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addFolder(world.address, "Support", { parent: "inbox" });
    await sim.addMessages(world.address, [{ subject: "From the form" }]);
    const browser = await signIn();
    const form = (await browser.get(`/handlers/new?account=${world.account.id}`)).html;
    expect(form).toContain(`<option value="${world.account.id}" selected="">`);
    expect(form).toContain('<datalist id="folder-options">');
    expect(form).toContain('<option value="Inbox/Support">Inbox/Support</option>');
    expect(form).toContain(`<option value="me">${world.account.email} (its own mailbox)</option>`);
    expect(form).toContain('<option value="auto" selected="">Push');
    const fields = {
      name: "Form handler",
      accountId: world.account.id,
      mailbox: "me",
      folder: "Inbox/Suport",
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
    const invalid = await browser.submit("/handlers", fields, { fromPage: "/handlers/new" });
    expect(invalid.status).toBe(400);
    expect(invalid.html).toContain('<p class="error" id="folder-error">Folder was not found');
    expect(invalid.html).toContain("Did you mean &quot;Inbox/Support&quot;?");
    expect(invalid.html).toContain('value="Inbox/Suport"');
    expect(invalid.html).not.toContain(world.hook.token ?? "?");
    const kept = /name="webhookToken:kept" value="([^"]+)"/.exec(invalid.html)?.[1] ?? "";
    expect(kept).not.toBe("");
    const created = await browser.submit(
      "/handlers",
      { ...fields, folder: "Inbox", webhookToken: "", "webhookToken:kept": kept },
      { fromPage: "/handlers/new" },
    );
    expect(created.status).toBe(303);
    const path = (created.response.headers.get("location") ?? "").split("?")[0] ?? "";
    expect((await callJson<{ webhookTokenSet: boolean }>("GET", `/api${path}`)).body.webhookTokenSet).toBe(true);
    await sim.addMessages(world.address, [{ subject: "From the form" }]);
    expect((await callJson<{ push: string }>("GET", `/api${path}`)).body.push).toBe("off");
    expect((await browser.get(path)).html).toContain("turned off for this handler: it polls");
    await sim.updateHook(world.hook.id, {
      faults: [{ failure: { kind: "error", status: 422, error: "bad" }, remaining: 1 }],
    });
    const ran = await browser.submit(`${path}/run`, {}, { fromPage: path });
    expect(ran.status).toBe(303);
    const result = ran.response.headers.get("location") ?? "";
    expect(result).toMatch(/\?notice=ran&fetched=2&delivered=1&skipped=0&failed=0&pending=0&deadLettered=1$/);
    const shown = await browser.get(result);
    expect(shown.html).toContain(
      "Run finished with failures: 2 new, 1 delivered, 0 skipped, 0 waiting for a retry, 1 to the dead letters.",
    );
    expect(shown.html).toContain('<span class="badge warn">needs attention</span>');
    expect(shown.html).toContain("<strong>What to fix:</strong> Jira refused the message (422).");
    expect(shown.html).toContain('<span class="badge bad">dead letter</span>');
    expect(shown.html).toContain('<span class="badge ok">delivered</span>');
    expect(shown.html).toContain("HTTP 422");
    expect(shown.html).toContain("{{webhookData.data.message.subject}}");
    expect(shown.html).toContain("{{webhookData.issues}}");
    expect((await browser.get(result)).status).toBe(200);
    const posted = (await sim.hook(world.hook.id)).requests.length;
    const messageId =
      (await callJson<{ items: { messageId: string }[] }>("GET", `/api${path}/dead-letters`)).body.items[0]
        ?.messageId ?? "";
    const retried = await browser.submit(`${path}/dead-letters/retry`, { messageId }, { fromPage: path });
    expect(retried.response.headers.get("location")).toBe(`${path}?notice=retry-delivered`);
    expect((await browser.get(`${path}?notice=retry-delivered`)).html).toContain(
      "Delivered; the message left the dead letters.",
    );
    expect((await sim.hook(world.hook.id)).requests).toHaveLength(posted + 1);
    expect((await callJson<{ status: string }>("GET", `/api${path}`)).body.status).toBe("ok");
  });

  it("asks before deleting or disconnecting, and says what must go first", async () => {
    const world = await handlerWorld();
    const handler = await createHandler(world, { name: "To delete" });
    const browser = await signIn();
    const blocked = await browser.get(`/accounts/${world.account.id}/delete`);
    expect(blocked.html).toContain(`Disconnect ${world.account.email}?`);
    expect(blocked.html).toContain(`<a href="/handlers/${handler.id}">To delete</a>`);
    expect(blocked.html).not.toContain(`action="/accounts/${world.account.id}/delete"`);
    const credentialBlocked = await browser.get(`/credentials/${world.credentialId}/delete`);
    expect(credentialBlocked.html).toContain("1 mailbox is still connected");

    const confirm = await browser.get(`/handlers/${handler.id}/delete`);
    expect(confirm.html).toContain("Delete To delete?");
    expect(confirm.html).toContain(`action="/handlers/${handler.id}/delete"`);
    const deleted = await browser.submit(
      `/handlers/${handler.id}/delete`,
      {},
      { fromPage: `/handlers/${handler.id}/delete` },
    );
    expect(deleted.response.headers.get("location")).toBe("/handlers?notice=handler-deleted");

    const disconnect = await browser.get(`/accounts/${world.account.id}/delete`);
    expect(disconnect.html).toContain(`action="/accounts/${world.account.id}/delete"`);
    const gone = await browser.submit(`/accounts/${world.account.id}/delete`, {}, { fromPage: "/accounts" });
    expect(gone.response.headers.get("location")).toBe("/accounts?notice=account-deleted");
    expect((await browser.get("/accounts?notice=account-deleted")).html).toContain(
      "Mailbox disconnected and its tokens erased.",
    );
  });

  it("names a refused webhook secret with a link to fix it, then offers to retry with the new one", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "One" }, { subject: "Two" }]);
    const handler = await createHandler(world, { webhookToken: "not-the-rule-secret" });
    await callJson("POST", `/api/handlers/${handler.id}/run`);
    const browser = await signIn();
    const page = (await browser.get(`/handlers/${handler.id}`)).html;
    expect(page).toContain("<strong>What to fix:</strong> Jira refused the webhook secret (401).");
    expect(page).toContain(`href="/handlers/${handler.id}/edit"`);
    expect(page).toMatch(/<details><summary>Details<\/summary><p class="mono">2 message\(s\) went to the dead letters/);
    const saved = await browser.submit(
      `/handlers/${handler.id}`,
      {
        name: handler.name,
        accountId: world.account.id,
        mailbox: "me",
        folder: "inbox",
        afterProcessing: "markRead",
        webhookUrl: world.hook.url,
        webhookToken: world.hook.token ?? "",
        pollIntervalMinutes: "1",
        maxAttachmentBytes: "1000",
        enabled: "on",
      },
      { fromPage: `/handlers/${handler.id}/edit` },
    );
    expect(saved.response.headers.get("location")).toBe(`/handlers/${handler.id}?notice=handler-saved`);
    const offer = (await browser.get(`/handlers/${handler.id}?notice=handler-saved`)).html;
    expect(offer).toContain("2 messages failed with the settings before this change.");
    const retried = await browser.submit(
      `/handlers/${handler.id}/dead-letters/retry-all`,
      {},
      { fromPage: `/handlers/${handler.id}` },
    );
    const location = retried.response.headers.get("location") ?? "";
    expect(location).toBe(`/handlers/${handler.id}?notice=retried&delivered=2&failed=0`);
    const after = (await browser.get(location)).html;
    expect(after).toContain("Retried: all 2 were delivered.");
    expect(after).not.toContain("What to fix");
  });
});
