import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, callJson, REDIRECT_URI, responsesSoFar, simulator } from "../support/api.ts";
import { createCredential, credentialBody } from "../support/credentials.ts";
import type { TenantInfo } from "../simulator/control.ts";

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

let tenant: TenantInfo;

beforeAll(async () => {
  tenant = await simulator().createTenant();
});

async function expectFieldProblem(body: unknown, path: string, message: RegExp): Promise<void> {
  const { status, body: problem, response } = await callJson<ProblemBody>("POST", "/api/credentials", { body });
  expect(status, JSON.stringify(problem)).toBe(400);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const issue = problem.errors?.find((candidate) => candidate.path === path);
  expect(issue, JSON.stringify(problem.errors)).toBeDefined();
  expect(issue?.message.startsWith(path === "" ? "body" : path)).toBe(true);
  expect(issue?.message).toMatch(message);
}

describe("POST /api/credentials", () => {
  it("creates a credential with the contract's defaults and a write-only secret", async () => {
    const body = credentialBody(tenant);
    const {
      status,
      body: view,
      response,
    } = await callJson<Record<string, unknown>>("POST", "/api/credentials", { body });
    expect(status).toBe(201);
    expect(response.headers.get("location")).toBe(`/api/credentials/${String(view["id"])}`);
    expect(view).toEqual({
      id: expect.stringMatching(/^cred_[a-z2-7]{16}$/),
      name: "Contoso support",
      provider: "microsoft",
      grantType: "authorization_code",
      clientId: body.clientId,
      authEndpoint: body.authEndpoint,
      tokenEndpoint: body.tokenEndpoint,
      scopes: [
        "offline_access",
        "openid",
        "profile",
        "User.Read",
        "Mail.ReadWrite",
        "Mail.ReadWrite.Shared",
        "Mail.Send",
        "Mail.Send.Shared",
      ],
      allowedTenants: [],
      clientSecretExpiresAt: null,
      redirectUri: REDIRECT_URI,
      clientSecretSet: true,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: view["createdAt"],
    });
  });

  it("accepts scopes as a space-separated string and drops duplicates", async () => {
    const credential = await createCredential(tenant, { scopes: "offline_access  User.Read user.read Mail.Send" });
    expect(credential["scopes"]).toEqual(["offline_access", "User.Read", "Mail.Send"]);
  });

  describe("refuses each invalid field with a message naming it", () => {
    const cases: [string, (base: Record<string, unknown>) => unknown, string, RegExp][] = [
      ["missing name", ({ name: _, ...rest }) => rest, "name", /is required/],
      ["empty name", (base) => ({ ...base, name: "   " }), "name", /must not be empty/],
      ["name over 100 characters", (base) => ({ ...base, name: "x".repeat(101) }), "name", /at most 100 characters/],
      ["name not a string", (base) => ({ ...base, name: 42 }), "name", /must be a string/],
      ["another provider", (base) => ({ ...base, provider: "google" }), "provider", /must be "microsoft"/],
      [
        "another grant type",
        (base) => ({ ...base, grantType: "client_credentials" }),
        "grantType",
        /must be "authorization_code"/,
      ],
      ["missing clientId", ({ clientId: _, ...rest }) => rest, "clientId", /is required/],
      ["clientId that is not a GUID", (base) => ({ ...base, clientId: "my-app" }), "clientId", /a GUID such as/],
      [
        "clientId with spaces",
        (base) => ({ ...base, clientId: "6731de76-14a6-49ae 97bc-6eba6914391e" }),
        "clientId",
        /a GUID/,
      ],
      ["missing clientSecret", ({ clientSecret: _, ...rest }) => rest, "clientSecret", /is required/],
      ["empty clientSecret", (base) => ({ ...base, clientSecret: "" }), "clientSecret", /must not be empty/],
      ["missing authEndpoint", ({ authEndpoint: _, ...rest }) => rest, "authEndpoint", /is required/],
      [
        "authEndpoint not a URL",
        (base) => ({ ...base, authEndpoint: "login.microsoftonline.com" }),
        "authEndpoint",
        /absolute URL/,
      ],
      [
        "authEndpoint on a host that is not allowed",
        (base) => ({ ...base, authEndpoint: `https://login.example.com/${tenant.tenantId}/oauth2/v2.0/authorize` }),
        "authEndpoint",
        /allowed host/,
      ],
      [
        "authEndpoint over http on a public host",
        (base) => ({
          ...base,
          authEndpoint: `http://login.microsoftonline.com/${tenant.tenantId}/oauth2/v2.0/authorize`,
        }),
        "authEndpoint",
        /must use https/,
      ],
      [
        "a v1 authEndpoint",
        (base) => ({ ...base, authEndpoint: `https://login.microsoftonline.com/${tenant.tenantId}/oauth2/authorize` }),
        "authEndpoint",
        /v1 endpoint.*copy the v2\.0 one/,
      ],
      [
        "a v1 tokenEndpoint",
        (base) => ({ ...base, tokenEndpoint: `https://login.microsoftonline.com/${tenant.tenantId}/oauth2/token` }),
        "tokenEndpoint",
        /v1 endpoint.*\/oauth2\/v2\.0\/token/,
      ],
      [
        "the token URL as authEndpoint",
        (base) => ({ ...base, authEndpoint: tenant.endpoints.token }),
        "authEndpoint",
        /is the token endpoint/,
      ],
      [
        "tokenEndpoint on another tenant",
        (base) => ({ ...base, tokenEndpoint: tenant.endpoints.token.replace(tenant.tenantId, "common") }),
        "tokenEndpoint",
        /same host and tenant as authEndpoint/,
      ],
      [
        "tokenEndpoint on another host",
        (base) => ({ ...base, tokenEndpoint: tenant.endpoints.token.replace("127.0.0.1", "localhost") }),
        "tokenEndpoint",
        /same host and tenant/,
      ],
      [
        "scopes without offline_access",
        (base) => ({ ...base, scopes: ["openid", "Mail.Read"] }),
        "scopes",
        /must contain offline_access/,
      ],
      ["scopes of the wrong type", (base) => ({ ...base, scopes: 7 }), "scopes", /wrong type/],
      ["an unknown field", (base) => ({ ...base, clientSecrt: "typo" }), "clientSecrt", /is not a known field/],
      ["a read-only field", (base) => ({ ...base, redirectUri: "https://x" }), "redirectUri", /is not a known field/],
      ["a body that is not an object", () => ["a"], "", /must be a JSON object/],
      ["no body", () => undefined, "", /is required/],
    ];
    for (const [label, mutate, path, message] of cases) {
      it(label, async () => {
        await expectFieldProblem(mutate(credentialBody(tenant)), path, message);
      });
    }
  });

  it("lists every bad field at once and stores nothing", async () => {
    const before = await env.CONFIG.list({ prefix: "credential:" });
    const { status, body } = await callJson<ProblemBody>("POST", "/api/credentials", {
      body: { name: "", clientId: "", authEndpoint: "x", tokenEndpoint: "y", scopes: [] },
    });
    expect(status).toBe(400);
    expect(body.errors?.map((issue) => issue.path).sort()).toEqual([
      "authEndpoint",
      "clientId",
      "clientSecret",
      "name",
      "scopes",
      "tokenEndpoint",
    ]);
    expect(body.detail).toContain("authEndpoint");
    const after = await env.CONFIG.list({ prefix: "credential:" });
    expect(after.keys.length).toBe(before.keys.length);
  });

  it("refuses http loopback endpoints when ALLOW_HTTP_LOOPBACK is off", async () => {
    const worker = (await import("../../src/worker/index.ts")).default;
    const response = await worker.fetch(
      new Request("https://edgepost.test/api/credentials", {
        method: "POST",
        headers: {
          authorization: "Bearer ggOWOvi+hsUE6hJo0H3sfmCevHPu/ad9iHTcceX8Jwk=",
          "content-type": "application/json",
        },
        body: JSON.stringify(credentialBody(tenant)),
      }),
      { ...env, ALLOW_HTTP_LOOPBACK: "false", GRAPH_BASE_URL: "https://graph.microsoft.com/v1.0" },
    );
    const problem = await response.json<ProblemBody>();
    expect(response.status, JSON.stringify(problem)).toBe(400);
    expect(problem.errors?.map((issue) => issue.path)).toEqual(["authEndpoint", "tokenEndpoint"]);
    expect(problem.errors?.[0]?.message).toMatch(/authEndpoint must use https/);
  });
});

describe("reading, changing and deleting credentials", () => {
  it("lists, gets, patches and deletes", async () => {
    const created = await createCredential(tenant, { name: "First" });
    const listed = await callJson<{ items: { id: string }[] }>("GET", "/api/credentials");
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item) => item.id)).toContain(created.id);

    const fetched = await callJson("GET", `/api/credentials/${created.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created);

    const patched = await callJson<Record<string, unknown>>("PATCH", `/api/credentials/${created.id}`, {
      body: { name: "Renamed", scopes: "offline_access Mail.Read" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: created.id,
      name: "Renamed",
      scopes: ["offline_access", "Mail.Read"],
      createdAt: created["createdAt"],
    });
    expect(patched.body["updatedAt"]).not.toBe(created["updatedAt"]);

    const deleted = await call("DELETE", `/api/credentials/${created.id}`);
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/api/credentials/${created.id}`)).status).toBe(404);
    expect((await call("DELETE", `/api/credentials/${created.id}`)).status).toBe(404);
  });

  it("changes only the fields a patch names", async () => {
    const created = await createCredential(tenant, { scopes: "offline_access openid Mail.Read" });
    const patched = await callJson<Record<string, unknown>>("PATCH", `/api/credentials/${created.id}`, {
      body: { clientSecret: "rotated-secret-value" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...created, updatedAt: patched.body["updatedAt"] });
  });

  it("validates a patch against the stored credential", async () => {
    const created = await createCredential(tenant);
    const { status, body } = await callJson<ProblemBody>("PATCH", `/api/credentials/${created.id}`, {
      body: { authEndpoint: tenant.endpoints.authorize.replace(tenant.tenantId, "common") },
    });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        path: "authEndpoint",
        message: expect.stringMatching(/^authEndpoint must be on the same host and tenant as tokenEndpoint/),
      },
    ]);
    expect((await callJson("GET", `/api/credentials/${created.id}`)).body).toEqual(created);
  });

  it("replaces the secret on patch and keeps it sealed", async () => {
    const created = await createCredential(tenant);
    const before = await env.CONFIG.get(`credential:${created.id}`, "json");
    const patched = await callJson("PATCH", `/api/credentials/${created.id}`, {
      body: { clientSecret: "brand-new-secret-value" },
    });
    expect(patched.status).toBe(200);
    const after = await env.CONFIG.get<{ clientSecret: string }>(`credential:${created.id}`, "json");
    expect(after?.clientSecret).not.toBe((before as { clientSecret: string }).clientSecret);
    expect(JSON.stringify(after)).not.toContain("brand-new-secret-value");
  });

  it("answers 404 problems for unknown ids", async () => {
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "x" }],
      ["DELETE", undefined],
    ] as const) {
      const { status, body: problem } = await callJson<ProblemBody>(method, "/api/credentials/cred_missing", { body });
      expect(status).toBe(404);
      expect(problem).toMatchObject({
        type: "urn:edgepost:problem:not-found",
        status: 404,
        detail: "No credential with id cred_missing",
      });
    }
  });
});

describe("secrets at rest and in responses", () => {
  it("keeps only ciphertext in KV and never shows a secret", async () => {
    const created = await createCredential(tenant);
    const listing = await env.CONFIG.list();
    const dump = (await Promise.all(listing.keys.map((key) => env.CONFIG.get(key.name)))).join("\n");
    const stored = JSON.parse((await env.CONFIG.get(`credential:${created.id}`)) ?? "{}") as { clientSecret: string };
    expect(stored.clientSecret).toMatch(/^v1\.k2\./);
    const secrets = (await simulator().issued(tenant.tenantId)).clientSecrets;
    expect(secrets.length).toBeGreaterThan(0);
    const responses = (await responsesSoFar()).map((response) => response.text).join("\n");
    for (const secret of [...secrets, "brand-new-secret-value"]) {
      expect(dump).not.toContain(secret);
      expect(responses).not.toContain(secret);
    }
  });
});
