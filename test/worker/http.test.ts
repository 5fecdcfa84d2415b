import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker/index.ts";
import { ADMIN_TOKEN, call, callJson } from "../support/api.ts";
import type { Env } from "../../src/worker/env.ts";

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

async function fetchWith(overrides: Partial<Env>, path: string, init: RequestInit = {}): Promise<Response> {
  return worker.fetch(new Request(`https://edgepost.test${path}`, init), { ...env, ...overrides });
}

describe("health", () => {
  it("answers without auth", async () => {
    const { status, body } = await callJson("GET", "/healthz", { token: null });
    expect(status).toBe(200);
    expect(body).toEqual({ ok: true });
  });
});

describe("bearer authentication on /api/*", () => {
  const attempts: [string, Record<string, string>, RegExp][] = [
    ["no Authorization header", {}, /^Bearer realm="edgepost"$/],
    ["another scheme", { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }, /^Bearer realm="edgepost"$/],
    [
      "a wrong token",
      { authorization: "Bearer not-the-token-at-all" },
      /^Bearer realm="edgepost", error="invalid_token"$/,
    ],
    ["the token with a suffix", { authorization: `Bearer ${ADMIN_TOKEN}x` }, /error="invalid_token"/],
    ["an empty bearer", { authorization: "Bearer " }, /^Bearer realm="edgepost"$/],
  ];
  for (const [label, headers, challenge] of attempts) {
    it(`refuses ${label} with 401 and a Bearer challenge`, async () => {
      const response = await call("POST", "/api/credentials", { token: null, headers, body: {} });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(challenge);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = await response.json<ProblemBody>();
      expect(problem).toMatchObject({ type: "urn:edgepost:problem:unauthorized", title: "Unauthorized", status: 401 });
      expect(JSON.stringify(problem)).not.toContain(ADMIN_TOKEN);
    });
  }

  it("accepts the scheme in any case", async () => {
    const response = await call("GET", "/api/credentials", {
      token: null,
      headers: { authorization: `bEaReR ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
  });
});

describe("request bodies", () => {
  it("answers 413 past 64 KiB, declared or not", async () => {
    const big = JSON.stringify({ name: "x".repeat(64 * 1024) });
    const declared = await callJson<ProblemBody>("POST", "/api/credentials", {
      rawBody: big,
      headers: { "content-type": "application/json" },
    });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({
      type: "urn:edgepost:problem:payload-too-large",
      status: 413,
      detail: "The request body exceeds 64 KiB",
    });

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await worker.fetch(
      new Request("https://edgepost.test/api/credentials", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: stream,
      }),
      env,
    );
    expect(chunked.status).toBe(413);
  });

  it("accepts exactly 64 KiB", async () => {
    const padding = 64 * 1024 - JSON.stringify({ name: "" }).length;
    const exact = JSON.stringify({ name: "y".repeat(padding) });
    expect(exact.length).toBe(64 * 1024);
    const { status } = await callJson("POST", "/api/credentials", {
      rawBody: exact,
      headers: { "content-type": "application/json" },
    });
    expect(status).toBe(400);
  });

  it("answers 415 to a body that is not JSON", async () => {
    const { status, body, response } = await callJson<ProblemBody>("POST", "/api/credentials", {
      rawBody: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(status).toBe(415);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(body).toMatchObject({ type: "urn:edgepost:problem:unsupported-media-type", status: 415 });
  });

  it("answers 400 naming the body when the JSON is malformed", async () => {
    const { status, body } = await callJson<ProblemBody>("POST", "/api/credentials", {
      rawBody: '{"name": ',
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ path: "", message: "body is not valid JSON" }]);
  });
});

describe("unknown routes", () => {
  it("answer a 404 problem, with or without auth", async () => {
    for (const token of [undefined, null]) {
      const { status, body } = await callJson<ProblemBody>("GET", "/nowhere", token === null ? { token } : {});
      expect(status).toBe(404);
      expect(body).toEqual({
        type: "urn:edgepost:problem:not-found",
        title: "Not found",
        status: 404,
        detail: "No route for GET /nowhere",
      });
    }
    const api = await callJson<ProblemBody>("PUT", "/api/credentials");
    expect(api.status).toBe(404);
  });
});

describe("missing or malformed configuration", () => {
  const cases: [string, Partial<Env>, string, string | undefined][] = [
    ["missing ADMIN_TOKEN", { ADMIN_TOKEN: undefined }, "ADMIN_TOKEN", undefined],
    ["short ADMIN_TOKEN", { ADMIN_TOKEN: "short-secret" }, "ADMIN_TOKEN is too short", "short-secret"],
    [
      "ADMIN_TOKEN of too few distinct characters",
      { ADMIN_TOKEN: "abcabcabcabcabcabcabcabcabcabcabcabc" },
      "ADMIN_TOKEN has too few distinct characters",
      "abcabcabc",
    ],
    [
      "a dictionary-like ADMIN_TOKEN",
      { ADMIN_TOKEN: "Correct-Horse-Battery-Staple-Password-7" },
      "ADMIN_TOKEN contains a common word",
      "Correct-Horse",
    ],
    [
      "an ADMIN_TOKEN with a sequence",
      { ADMIN_TOKEN: "Zq9xW2mKp7-0123456789-vLr4TbN8sQ" },
      "ADMIN_TOKEN contains a run or a sequence",
      "0123456789",
    ],
    ["missing ENCRYPTION_KEYS", { ENCRYPTION_KEYS: undefined }, "ENCRYPTION_KEYS", undefined],
    [
      "ENCRYPTION_KEYS with a 16-byte key",
      { ENCRYPTION_KEYS: "k:AAECAwQFBgcICQoLDA0ODw==" },
      "ENCRYPTION_KEYS",
      "AAECAwQFBgcICQoLDA0ODw",
    ],
    [
      "ENCRYPTION_KEYS without key ids",
      { ENCRYPTION_KEYS: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" },
      "ENCRYPTION_KEYS",
      "AAECAwQFBgcICQoLDA0ODxAREhMU",
    ],
    ["GRAPH_BASE_URL that is not a URL", { GRAPH_BASE_URL: "graph" }, "GRAPH_BASE_URL", undefined],
    ["ALLOW_HTTP_LOOPBACK that is not a boolean", { ALLOW_HTTP_LOOPBACK: "yes" }, "ALLOW_HTTP_LOOPBACK", undefined],
  ];
  for (const [label, overrides, setting, value] of cases) {
    it(`answers 500 on every route for ${label}, naming ${setting} but not its value`, async () => {
      const errors: string[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => errors.push(args.join(" "));
      try {
        for (const path of ["/healthz", "/api/credentials", "/nowhere"]) {
          const response = await fetchWith(overrides, path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
          expect(response.status).toBe(500);
          const text = await response.text();
          const problem = JSON.parse(text) as ProblemBody;
          expect(problem.type).toBe("urn:edgepost:problem:misconfigured");
          expect(problem.detail).toContain(setting);
          if (value !== undefined) {
            expect(text).not.toContain(value);
          }
        }
      } finally {
        console.error = original;
      }
      const logged = errors.filter((line) => line.includes("config.invalid"));
      expect(logged.length).toBe(1);
      for (const line of errors) {
        expect(line).toContain(setting);
        if (value !== undefined) {
          expect(line).not.toContain(value);
        }
      }
    });
  }
});
