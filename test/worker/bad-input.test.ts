import { beforeAll, describe, expect, it } from "vitest";
import { call, callJson } from "../support/api.ts";
import { createHandler, handlerBody, handlerWorld } from "../support/handlers.ts";
import { signIn as signInToPages } from "../support/pages.ts";
import type { HandlerView } from "../../src/core/handlers/handler.ts";
import type { HandlerWorld } from "../support/handlers.ts";

let world: HandlerWorld;
let handler: HandlerView;

beforeAll(async () => {
  world = await handlerWorld();
  handler = await createHandler(world, { enabled: false });
});

const BAD_IDS = ["x".repeat(512), "acct_<script>", "cred_AAAAAAAAAAAAAAAA", "hdl_", "key_%00", "%E2%80%AE"];

describe("ids that do not match their pattern", () => {
  it("are answered 404 on every API route, as problems", async () => {
    const routes: [string, (id: string) => string, unknown?][] = [
      ["GET", (id) => `/api/credentials/${id}`],
      ["PATCH", (id) => `/api/credentials/${id}`, { name: "x" }],
      ["DELETE", (id) => `/api/credentials/${id}`],
      ["POST", (id) => `/api/credentials/${id}/authorize`],
      ["GET", (id) => `/api/accounts/${id}`],
      ["DELETE", (id) => `/api/accounts/${id}`],
      ["POST", (id) => `/api/accounts/${id}/reauthorize`],
      ["POST", (id) => `/api/accounts/${id}/token`],
      ["POST", (id) => `/api/accounts/${id}/send`, { to: ["a@example.com"], subject: "x", text: "y" }],
      ["GET", (id) => `/api/handlers/${id}`],
      ["PATCH", (id) => `/api/handlers/${id}`, { name: "x" }],
      ["DELETE", (id) => `/api/handlers/${id}`],
      ["POST", (id) => `/api/handlers/${id}/run`],
      ["GET", (id) => `/api/handlers/${id}/dead-letters`],
      ["POST", (id) => `/api/handlers/${id}/dead-letters/AAMkAG/retry`],
      ["POST", (id) => `/api/handlers/${handler.id}/dead-letters/${id}/retry`],
      ["DELETE", (id) => `/api/keys/${id}`],
    ];
    for (const [method, path, body] of routes) {
      for (const id of BAD_IDS) {
        const response = await call(method, path(id), body === undefined ? {} : { body });
        expect(response.status, `${method} ${path(id).slice(0, 80)}`).toBe(404);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
      }
    }
  });

  it("are answered 404 by the admin pages", async () => {
    const browser = await signInToPages();
    for (const page of ["/credentials", "/credentials/{id}/edit", "/handlers", "/handlers/{id}/edit"]) {
      for (const id of BAD_IDS) {
        const path = page.includes("{id}") ? page.replace("{id}", id) : `${page}/${id}`;
        expect((await browser.get(path)).status, path.slice(0, 80)).toBe(404);
      }
    }
  });
});

describe("handlers per account", () => {
  it("are capped at 50, with a 409 naming accountId", async () => {
    const own = await handlerWorld();
    const before = (await callJson<{ items: HandlerView[] }>("GET", "/api/handlers")).body.items.filter(
      (item) => item.accountId === own.account.id,
    ).length;
    for (let index = before; index < 50; index++) {
      await createHandler(own, { name: `Handler ${index}`, enabled: false });
    }
    const refused = await callJson<{ status: number; detail: string; errors: { path: string }[] }>(
      "POST",
      "/api/handlers",
      { body: handlerBody(own, { name: "One too many", enabled: false }) },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0]?.path).toBe("accountId");
    expect(refused.body.detail).toMatch(/^accountId names account acct_\w+, which already has 50 handlers/);
    const moved = await callJson("PATCH", `/api/handlers/${handler.id}`, { body: { accountId: own.account.id } });
    expect(moved.status).toBe(409);
  }, 120_000);
});

describe("list routes", () => {
  it("page with limit and cursor, and list everything in one page without them", async () => {
    for (let index = 0; index < 3; index++) {
      await createHandler(world, { name: `Paged ${index}`, enabled: false });
    }
    const all = await callJson<{ items: HandlerView[]; nextCursor: string | null }>("GET", "/api/handlers");
    expect(all.body.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = await callJson<{ items: HandlerView[]; nextCursor: string | null }>("GET", `/api/handlers${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.body.items.map((item) => item.id));
    for (const path of ["/api/credentials", "/api/accounts", "/api/keys"]) {
      const page = await callJson<{ items: unknown[]; nextCursor: string | null }>("GET", `${path}?limit=1`);
      expect(page.status, path).toBe(200);
      expect(page.body.items.length, path).toBeLessThanOrEqual(1);
    }
    const bad = await callJson<{ errors: { path: string }[] }>("GET", "/api/accounts?limit=0&cursor=nope");
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((issue) => issue.path)).toEqual(["limit", "cursor"]);
  });
});
