import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, callJson, simulator } from "../support/api.ts";
import { connectedSetup } from "../support/accounts.ts";
import { accessObject } from "../../src/worker/stores/access.ts";
import type { AccountView } from "../../src/core/accounts/account.ts";

interface KeyBody {
  id: string;
  name: string;
  scopes: string[];
  key?: string;
  createdAt: string;
  lastUsedAt?: string | null;
}

let account: AccountView;
/** Every key value this file saw, to check none shows up anywhere but the answer that created it. */
const issuedKeys: string[] = [];
const answers: string[] = [];

beforeAll(async () => {
  ({ account } = await connectedSetup());
});

afterAll(() => {
  for (const key of issuedKeys) {
    expect(answers.some((text) => text.includes(key))).toBe(false);
  }
});

async function createKey(scopes: string[], name = "Jira rule"): Promise<KeyBody & { key: string }> {
  const { status, body } = await callJson<KeyBody & { key: string }>("POST", "/api/keys", { body: { name, scopes } });
  expect(status, JSON.stringify(body)).toBe(201);
  issuedKeys.push(body.key);
  return body;
}

/** A request with an API key; its answer is kept for the leak check. */
async function withKey(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  const response = await call(method, path, { token: key, ...(body === undefined ? {} : { body }) });
  answers.push(await response.clone().text());
  return response;
}

const MAIL = { to: ["customer@example.com"], subject: "Re: ABC-1", text: "Done." };

describe("POST /api/keys", () => {
  it("shows the key once and lists it without it", async () => {
    const created = await createKey([`send:${account.id}`]);
    expect(created).toEqual({
      id: expect.stringMatching(/^key_[a-z2-7]{16}$/),
      name: "Jira rule",
      scopes: [`send:${account.id}`],
      key: expect.stringMatching(/^epk_[\w-]{43}$/),
      createdAt: expect.stringMatching(/Z$/),
    });
    const list = await callJson<{ items: KeyBody[]; nextCursor: string | null }>("GET", "/api/keys");
    answers.push(JSON.stringify(list.body));
    expect(list.body.items).toContainEqual({
      id: created.id,
      name: "Jira rule",
      scopes: [`send:${account.id}`],
      createdAt: created.createdAt,
      lastUsedAt: null,
    });
  });

  it("stores only the key's hash", async () => {
    const created = await createKey(["read"]);
    const rows = await runInDurableObject(accessObject(env, "api-keys"), (_instance, state) =>
      state.storage.sql.exec("SELECT * FROM api_keys").toArray(),
    );
    expect(JSON.stringify(rows)).not.toContain(created.key);
    expect(JSON.stringify(rows)).not.toContain(created.key.slice(4));
  });

  it("refuses unknown scopes and scopes naming an unknown account, naming each", async () => {
    const { status, body } = await callJson<{ errors: { path: string; message: string }[] }>("POST", "/api/keys", {
      body: { name: "x", scopes: ["write", "send:acct_aaaaaaaaaaaaaaaaaaaa", `token:${account.id}`] },
    });
    expect(status).toBe(400);
    expect(body.errors.map((issue) => issue.path)).toEqual(["scopes.0", "scopes.1"]);
    expect(body.errors[1]?.message).toContain("names no account");
    expect((await callJson("POST", "/api/keys", { body: { name: "x", scopes: [] } })).status).toBe(400);
  });
});

describe("a send-only key", () => {
  it("sends for its account and does nothing else (403)", async () => {
    const { key } = await createKey([`send:${account.id}`]);
    expect((await withKey(key, "POST", `/api/accounts/${account.id}/send`, MAIL)).status).toBe(202);
    expect((await simulator().sent()).some((sent) => sent.message["subject"] === "Re: ABC-1")).toBe(true);
    const other = await connectedSetup();
    for (const [method, path, body] of [
      ["POST", `/api/accounts/${other.account.id}/send`, MAIL],
      ["POST", `/api/accounts/${account.id}/token`, undefined],
      ["GET", "/api/accounts", undefined],
      ["GET", "/api/keys", undefined],
      ["POST", "/api/keys", { name: "escalate", scopes: ["read"] }],
      ["POST", "/api/credentials", { name: "x" }],
      ["DELETE", `/api/accounts/${account.id}`, undefined],
      ["PUT", "/api/alerts", {}],
    ] as const) {
      const response = await withKey(key, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      const problem = (await response.json()) as { type: string; detail: string };
      expect(problem.type).toBe("urn:edgepost:problem:forbidden");
      expect(problem.detail).toContain("only ADMIN_TOKEN");
    }
  });

  it("records when it was last used", async () => {
    const created = await createKey([`send:${account.id}`]);
    const before = Date.now();
    await withKey(created.key, "POST", `/api/accounts/${account.id}/send`, MAIL);
    const list = await callJson<{ items: KeyBody[] }>("GET", "/api/keys");
    const used = list.body.items.find((item) => item.id === created.id);
    expect(Date.parse(used?.lastUsedAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
  });

  it("stops working at once when deleted", async () => {
    const created = await createKey([`send:${account.id}`]);
    expect((await withKey(created.key, "POST", `/api/accounts/${account.id}/send`, MAIL)).status).toBe(202);
    expect((await call("DELETE", `/api/keys/${created.id}`)).status).toBe(204);
    expect((await withKey(created.key, "POST", `/api/accounts/${account.id}/send`, MAIL)).status).toBe(401);
    expect((await call("DELETE", `/api/keys/${created.id}`)).status).toBe(404);
    expect((await call("DELETE", "/api/keys/not-a-key-id")).status).toBe(404);
  });
});

describe("token and read keys", () => {
  it("a token key gets its account's token, and the log says who took it, without the token", async () => {
    const { id, key } = await createKey([`token:${account.id}`]);
    const logged: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => {
      logged.push(args.join(" "));
      original(...args);
    };
    try {
      const response = await call("POST", `/api/accounts/${account.id}/token`, { token: key });
      expect(response.status).toBe(200);
      const { accessToken } = (await response.json()) as { accessToken: string };
      const line = logged.find((entry) => entry.includes('"token.issued"'));
      expect(JSON.parse(line ?? "{}")).toMatchObject({ accountId: account.id, caller: id, forced: false });
      expect(logged.join("\n")).not.toContain(accessToken);
    } finally {
      console.log = original;
    }
    expect((await withKey(key, "POST", `/api/accounts/${account.id}/send`, MAIL)).status).toBe(403);
  });

  it("a read key reads everything but the keys, and changes nothing", async () => {
    const { key } = await createKey(["read"]);
    for (const path of ["/api/accounts", `/api/accounts/${account.id}`, "/api/handlers", "/api/credentials"]) {
      expect((await withKey(key, "GET", path)).status, path).toBe(200);
    }
    expect((await withKey(key, "GET", "/api/keys")).status).toBe(403);
    expect((await withKey(key, "PATCH", `/api/credentials/${account.credentialId}`, { name: "x" })).status).toBe(403);
    expect((await withKey(key, "POST", `/api/accounts/${account.id}/token`)).status).toBe(403);
  });
});

describe("forced refreshes", () => {
  it("reach Microsoft at most 10 times a minute per account; then 429 with Retry-After", async () => {
    const setup = await connectedSetup();
    const path = `/api/accounts/${setup.account.id}/token`;
    for (let index = 0; index < 10; index++) {
      expect((await call("POST", path, { body: { forceRefresh: true } })).status).toBe(200);
    }
    const limited = await callJson<{ type: string; detail: string }>("POST", path, { body: { forceRefresh: true } });
    expect(limited.status).toBe(429);
    expect(limited.body.type).toBe("urn:edgepost:problem:too-many-requests");
    expect(Number(limited.response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await simulator().counters(setup.tenant.tenantId))["token.refresh_token"]).toBe(10);
    // The cached token is still handed out without forcing.
    expect((await call("POST", path)).status).toBe(200);
  });
});

describe("the token endpoint answering with a redirect", () => {
  it("does not send the secret, code or refresh token on to the redirect's target", async () => {
    const setup = await connectedSetup();
    const trap = await simulator().createHook({ token: null });
    await simulator().updateSettings(setup.tenant.tenantId, {
      tokenFaults: [
        { failure: { kind: "response", status: 307, body: "", headers: { location: trap.url } }, remaining: -1 },
      ],
    });
    const refused = await callJson<{ type: string; detail: string }>(
      "POST",
      `/api/accounts/${setup.account.id}/token`,
      { body: { forceRefresh: true } },
    );
    expect(refused.status).toBe(502);
    expect(refused.body.type).toBe("urn:edgepost:problem:credential-rejected");
    expect(refused.body.detail).toContain("redirect");
    expect((await simulator().hook(trap.id)).requests).toEqual([]);
  });
});
