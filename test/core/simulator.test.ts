import { beforeEach, describe, expect, it } from "vitest";
import { s256 } from "../support/in-process-simulator.ts";
import { createSimulator } from "../simulator/index.ts";
import { SimulatedNetworkError } from "../simulator/state.ts";
import { SimulatorClient } from "../support/simulator-client.ts";
import type { Simulator } from "../simulator/index.ts";
import type { TenantInfo } from "../simulator/control.ts";

const ORIGIN = "http://sim.test";
const REDIRECT = "https://app.test/oauth/callback";
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-0123456789";
const SCOPES = "offline_access openid profile User.Read Mail.ReadWrite";

let sim: Simulator;
let control: SimulatorClient;
let tenant: TenantInfo;

beforeEach(async () => {
  sim = createSimulator({ random: () => 0 });
  control = new SimulatorClient(ORIGIN, { fetch: (request) => sim.handle(request) });
  tenant = await control.createTenant({ apps: [{ redirectUris: [REDIRECT] }] });
});

function app(): { clientId: string; clientSecret: string } {
  const first = tenant.apps[0];
  if (first === undefined) throw new Error("no app");
  return first;
}

async function authorize(params: Record<string, string> = {}): Promise<Response> {
  const url = new URL(tenant.endpoints.authorize);
  const query: Record<string, string> = {
    client_id: app().clientId,
    response_type: "code",
    redirect_uri: REDIRECT,
    scope: SCOPES,
    state: "st-123",
    code_challenge: await s256(VERIFIER),
    code_challenge_method: "S256",
    nonce: "n-456",
    ...params,
  };
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return sim.handle(new Request(url));
}

async function codeFromAuthorize(params: Record<string, string> = {}): Promise<string> {
  const response = await authorize(params);
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get("location") ?? "");
  return location.searchParams.get("code") ?? "";
}

function token(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return sim.handle(
    new Request(tenant.endpoints.token, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form),
    }),
  );
}

function redeem(code: string, extra: Record<string, string> = {}): Promise<Response> {
  return token({
    client_id: app().clientId,
    client_secret: app().clientSecret,
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
    ...extra,
  });
}

function refresh(refreshToken: string): Promise<Response> {
  return token({
    client_id: app().clientId,
    client_secret: app().clientSecret,
    grant_type: "refresh_token",
    refresh_token: refreshToken,
  });
}

interface TokenBody {
  token_type: string;
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

interface ErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

async function expectAadError(response: Response, status: number, error: string, code: number): Promise<ErrorBody> {
  expect(response.status).toBe(status);
  const body = await (response.json() as Promise<ErrorBody>);
  expect(body).toEqual({
    error,
    error_description: expect.stringMatching(
      new RegExp(
        `^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`,
      ),
    ),
    error_codes: [code],
    timestamp: expect.stringMatching(/Z$/),
    trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...(body.suberror === undefined ? {} : { suberror: body.suberror }),
  });
  return body;
}

function claimsOf(idToken: string): Record<string, unknown> {
  const payload = idToken.split(".")[1] ?? "";
  return JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
}

describe("authorization endpoint", () => {
  it("redirects back with a code, the state and a session_state", async () => {
    const response = await authorize();
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get("state")).toBe("st-123");
    expect(location.searchParams.get("code")).toMatch(/^sim-code\./);
    expect(location.searchParams.get("session_state")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("shows an error page without redirecting for an unknown client or redirect URI", async () => {
    const unknownClient = await authorize({ client_id: "00000000-0000-0000-0000-000000000000" });
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.headers.get("location")).toBeNull();
    expect(await unknownClient.text()).toContain("AADSTS700016");
    const wrongRedirect = await authorize({ redirect_uri: `${REDIRECT}/` });
    expect(wrongRedirect.status).toBe(400);
    expect(await wrongRedirect.text()).toContain("AADSTS50011");
  });

  it("redirects with error= when switched to refuse, and on cancel at the sign-in page", async () => {
    await control.updateSettings(tenant.tenantId, {
      authorizeError: { error: "access_denied", code: 65004, description: "User declined <script>alert(1)</script>" },
    });
    const refused = new URL((await authorize()).headers.get("location") ?? "");
    expect(refused.searchParams.get("error")).toBe("access_denied");
    expect(refused.searchParams.get("error_description")).toBe("AADSTS65004: User declined <script>alert(1)</script>");
    expect(refused.searchParams.get("state")).toBe("st-123");

    await control.updateSettings(tenant.tenantId, { authorizeError: null, signIn: "page" });
    const page = await authorize();
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(tenant.users[0]?.userPrincipalName ?? "?");
    const url = new URL(tenant.endpoints.authorize);
    const form = new URLSearchParams({
      client_id: app().clientId,
      response_type: "code",
      redirect_uri: REDIRECT,
      scope: SCOPES,
      state: "s",
      sim_cancel: "1",
    });
    const cancelled = await sim.handle(
      new Request(url, {
        method: "POST",
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(new URL(cancelled.headers.get("location") ?? "").searchParams.get("error_description")).toMatch(
      /^AADSTS65004/,
    );
  });
});

describe("personal accounts at /consumers", () => {
  it("refuses the *.Shared scopes with invalid_scope on the redirect", async () => {
    const url = new URL(tenant.endpoints.authorize.replace(tenant.tenantId, "consumers"));
    url.searchParams.set("client_id", app().clientId);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("redirect_uri", REDIRECT);
    url.searchParams.set("scope", "offline_access openid Mail.Send.Shared");
    url.searchParams.set("state", "st-1");
    const response = await sim.handle(new Request(url));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("error_description")).toMatch(/^AADSTS70011: .*'Mail\.Send\.Shared'/);
    expect(location.searchParams.get("state")).toBe("st-1");
  });
});

describe("token endpoint: authorization code", () => {
  it("answers Microsoft's success shape with an id_token for the user", async () => {
    const response = await redeem(await codeFromAuthorize());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = await (response.json() as Promise<TokenBody>);
    expect(body).toEqual({
      token_type: "Bearer",
      scope: "User.Read Mail.ReadWrite profile email",
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: expect.stringMatching(/^sim-at\./),
      refresh_token: expect.stringMatching(/^sim-rt\./),
      id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    const user = tenant.users[0];
    expect(claimsOf(body.id_token ?? "")).toMatchObject({
      aud: app().clientId,
      iss: `${ORIGIN}/${tenant.tenantId}/v2.0`,
      tid: tenant.tenantId,
      oid: user?.id,
      preferred_username: user?.userPrincipalName,
      name: user?.displayName,
      nonce: "n-456",
      ver: "2.0",
    });
  });

  it("puts oid, name and preferred_username in the id_token only with the profile scope", async () => {
    const scope = "offline_access openid User.Read";
    const body = await ((await redeem(await codeFromAuthorize({ scope }))).json() as Promise<TokenBody>);
    const claims = claimsOf(body.id_token ?? "");
    expect(claims).toMatchObject({ aud: app().clientId, tid: tenant.tenantId, nonce: "n-456" });
    expect(claims).not.toHaveProperty("oid");
    expect(claims).not.toHaveProperty("name");
    expect(claims).not.toHaveProperty("preferred_username");
  });

  it("echoes scope as Entra writes it: short Graph names, never offline_access, openid left out", async () => {
    const scope = "offline_access openid https://graph.microsoft.com/Mail.Read User.Read";
    const body = await ((await redeem(await codeFromAuthorize({ scope }))).json() as Promise<TokenBody>);
    expect(body.scope.split(" ").sort()).toEqual(["Mail.Read", "User.Read", "email", "profile"]);
    expect(body.id_token).toBeDefined();
  });

  it("writes expires_in as a numeric string when switched to", async () => {
    await control.updateSettings(tenant.tenantId, { expiresInAs: "string" });
    const body = await ((await redeem(await codeFromAuthorize())).json() as Promise<Record<string, unknown>>);
    expect(body["expires_in"]).toBe("3599");
  });

  it("answers exactly what a response fault gives, once", async () => {
    await control.updateSettings(tenant.tenantId, {
      tokenFaults: [
        {
          failure: { kind: "response", status: 307, body: "", headers: { location: "https://elsewhere.test/" } },
          remaining: 1,
        },
      ],
    });
    const redirected = await redeem(await codeFromAuthorize());
    expect(redirected.status).toBe(307);
    expect(redirected.headers.get("location")).toBe("https://elsewhere.test/");
    expect((await redeem(await codeFromAuthorize())).status).toBe(200);
  });

  it("accepts client authentication by HTTP Basic", async () => {
    const code = await codeFromAuthorize();
    const basic = btoa(`${encodeURIComponent(app().clientId)}:${encodeURIComponent(app().clientSecret)}`);
    const response = await token(
      {
        client_id: app().clientId,
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      },
      { authorization: `Basic ${basic}` },
    );
    expect(response.status).toBe(200);
  });

  it("gives no refresh token without offline_access and no id_token without openid", async () => {
    const body = await ((await redeem(await codeFromAuthorize({ scope: "User.Read" }))).json() as Promise<TokenBody>);
    expect(body.refresh_token).toBeUndefined();
    expect(body.id_token).toBeUndefined();
  });

  it("refuses a PKCE mismatch with invalid_grant AADSTS501481", async () => {
    const response = await redeem(await codeFromAuthorize(), { code_verifier: `${VERIFIER}x` });
    await expectAadError(response, 400, "invalid_grant", 501481);
  });

  it("refuses a reused code with AADSTS54005", async () => {
    const code = await codeFromAuthorize();
    expect((await redeem(code)).status).toBe(200);
    await expectAadError(await redeem(code), 400, "invalid_grant", 54005);
  });

  it("refuses an expired code with AADSTS70008 and another redirect URI with AADSTS500112", async () => {
    const code = await codeFromAuthorize();
    await expectAadError(await redeem(code, { redirect_uri: "https://other.test/cb" }), 400, "invalid_grant", 500112);
    await control.advanceClock(tenant.tenantId, 601);
    await expectAadError(await redeem(code), 400, "invalid_grant", 70008);
  });

  it("refuses a wrong secret with 401 invalid_client AADSTS7000215", async () => {
    const body = await expectAadError(
      await redeem(await codeFromAuthorize(), { client_secret: "wrong" }),
      401,
      "invalid_client",
      7000215,
    );
    expect(body.error_description).toContain("not the client secret ID");
  });

  it("refuses an expired secret with AADSTS7000222 and a missing one with AADSTS7000218", async () => {
    const expiring = await control.addSecret(app().clientId, { expiresInSeconds: 60 });
    const code = await codeFromAuthorize();
    await control.advanceClock(tenant.tenantId, 120);
    await expectAadError(await redeem(code, { client_secret: expiring.value }), 401, "invalid_client", 7000222);
    await expectAadError(
      await token({ client_id: app().clientId, grant_type: "authorization_code", code, redirect_uri: REDIRECT }),
      401,
      "invalid_client",
      7000218,
    );
  });

  it("refuses client credentials sent with an Origin header", async () => {
    const response = await token(
      {
        client_id: app().clientId,
        client_secret: app().clientSecret,
        grant_type: "authorization_code",
        code: "x",
        redirect_uri: REDIRECT,
      },
      { origin: "https://app.test" },
    );
    await expectAadError(response, 400, "invalid_request", 9002326);
  });
});

describe("token endpoint: refresh token", () => {
  async function initialTokens(): Promise<TokenBody> {
    return (await redeem(await codeFromAuthorize())).json() as Promise<TokenBody>;
  }

  it("rotates the refresh token and keeps the old one valid", async () => {
    const first = await initialTokens();
    const second = await ((await refresh(first.refresh_token ?? "")).json() as Promise<TokenBody>);
    expect(second.refresh_token).toMatch(/^sim-rt\./);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await refresh(first.refresh_token ?? "")).status).toBe(200);
  });

  it("refuses superseded refresh tokens in strict mode, and returns none in keep mode", async () => {
    await control.updateSettings(tenant.tenantId, { refreshTokenRotation: "strict" });
    const first = await initialTokens();
    const second = await ((await refresh(first.refresh_token ?? "")).json() as Promise<TokenBody>);
    await expectAadError(await refresh(first.refresh_token ?? ""), 400, "invalid_grant", 70000);
    expect((await refresh(second.refresh_token ?? "")).status).toBe(200);

    await control.updateSettings(tenant.tenantId, { refreshTokenRotation: "keep" });
    const kept = await initialTokens();
    const body = await ((await refresh(kept.refresh_token ?? "")).json() as Promise<TokenBody>);
    expect(body.refresh_token).toBeUndefined();
    expect((await refresh(kept.refresh_token ?? "")).status).toBe(200);
  });

  it("refuses refresh after consent is revoked, while the access token keeps working", async () => {
    const first = await initialTokens();
    const user = tenant.users[0]?.id ?? "";
    await control.revokeConsent(tenant.tenantId, user, { clientId: app().clientId });
    const body = await expectAadError(await refresh(first.refresh_token ?? ""), 400, "invalid_grant", 50173);
    expect(body.error_description).toContain("revoked");
    const me = await sim.handle(
      new Request(`${ORIGIN}/v1.0/me`, { headers: { authorization: `Bearer ${first.access_token}` } }),
    );
    expect(me.status).toBe(200);

    const again = await initialTokens();
    expect((await refresh(again.refresh_token ?? "")).status).toBe(200);
    await control.revokeConsent(tenant.tenantId, user, { clientId: app().clientId, code: 65001 });
    const consent = await expectAadError(await refresh(again.refresh_token ?? ""), 400, "invalid_grant", 65001);
    expect(consent.suberror).toBe("consent_required");
  });

  it("expires refresh tokens unused for 90 days with AADSTS700082", async () => {
    const first = await initialTokens();
    await control.advanceClock(tenant.tenantId, 90 * 24 * 3600);
    await expectAadError(await refresh(first.refresh_token ?? ""), 400, "invalid_grant", 700082);
  });

  it("injects outages and dropped connections, and counts requests", async () => {
    const first = await initialTokens();
    await control.updateSettings(tenant.tenantId, {
      tokenFaults: [
        { failure: { kind: "error", status: 503, error: "temporarily_unavailable", code: 90033 }, remaining: 1 },
        { failure: { kind: "network" }, remaining: 1 },
      ],
    });
    await expectAadError(await refresh(first.refresh_token ?? ""), 503, "temporarily_unavailable", 90033);
    await expect(refresh(first.refresh_token ?? "")).rejects.toBeInstanceOf(SimulatedNetworkError);
    expect((await refresh(first.refresh_token ?? "")).status).toBe(200);
    expect(await control.counters(tenant.tenantId)).toMatchObject({
      authorize: 1,
      "token.authorization_code": 1,
      "token.refresh_token": 2,
      "token.dropped": 1,
    });
  });
});

describe("Graph", () => {
  async function accessToken(): Promise<string> {
    return (await ((await redeem(await codeFromAuthorize())).json() as Promise<TokenBody>)).access_token;
  }

  function me(bearer: string | null, query = ""): Promise<Response> {
    return sim.handle(
      new Request(`${ORIGIN}/v1.0/me${query}`, {
        headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` },
      }),
    );
  }

  it("answers /me with the user's default properties", async () => {
    const response = await me(await accessToken());
    expect(response.status).toBe(200);
    expect(response.headers.get("request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const user = tenant.users[0];
    expect(await response.json()).toMatchObject({
      id: user?.id,
      mail: user?.mail,
      displayName: user?.displayName,
      userPrincipalName: user?.userPrincipalName,
    });
    const selected = await ((await me(await accessToken(), "?$select=mail,displayName")).json() as Promise<
      Record<string, unknown>
    >);
    expect(Object.keys(selected).sort()).toEqual(["@odata.context", "displayName", "mail"]);
  });

  it("refuses missing, unknown and expired tokens like Graph", async () => {
    for (const [bearer, message] of [
      [null, "Access token is empty."],
      ["garbage", "CompactToken parsing failed with error code: 80049217"],
    ] as const) {
      const response = await me(bearer);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm=""/);
      expect(await response.json()).toEqual({
        error: {
          code: "InvalidAuthenticationToken",
          message,
          innerError: {
            date: expect.any(String),
            "request-id": expect.any(String),
            "client-request-id": expect.any(String),
          },
        },
      });
    }
    await control.updateSettings(tenant.tenantId, { accessTokenLifetimeSeconds: 60 });
    const short = await accessToken();
    await control.advanceClock(tenant.tenantId, 61);
    const expired = await ((await me(short)).json() as Promise<{ error: { message: string } }>);
    expect(expired.error.message).toBe("Lifetime validation failed, the token is expired.");
  });

  it("throttles with a fractional Retry-After", async () => {
    const bearer = await accessToken();
    await control.updateSettings(tenant.tenantId, {
      graphFaults: [
        { failure: { kind: "error", status: 429, error: "TooManyRequests", retryAfter: "0.5" }, remaining: 1 },
      ],
    });
    const throttled = await me(bearer);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("0.5");
    expect((await (throttled.json() as Promise<{ error: { code: string } }>)).error.code).toBe("TooManyRequests");
    expect((await me(bearer)).status).toBe(200);
  });
});

describe("Jira receiver", () => {
  it("records posts, checks the webhook token and fails on demand", async () => {
    const hook = await control.createHook({ token: "hook-secret" });
    const post = (headers: Record<string, string>, body = '{"issues":[]}'): Promise<Response> =>
      sim.handle(
        new Request(hook.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }),
      );
    expect((await post({ "x-automation-webhook-token": "hook-secret", "idempotency-key": "m1" })).status).toBe(200);
    expect((await post({ "x-automation-webhook-token": "wrong" })).status).toBe(401);
    await control.updateHook(hook.id, {
      faults: [{ failure: { kind: "error", status: 503, error: "unavailable", retryAfter: "2" }, remaining: 1 }],
    });
    const failed = await post({ "x-automation-webhook-token": "hook-secret", "idempotency-key": "m1" });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("2");
    const record = await control.hook(hook.id);
    expect(record.requests.map((request) => request.status)).toEqual([200, 401, 503]);
    expect(record.acceptedByKey).toEqual({ m1: 1 });
    expect(record.requests[0]?.body).toEqual({ issues: [] });
  });
});
