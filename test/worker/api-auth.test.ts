import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call } from "../support/api.ts";
import { advanceObjectClock } from "../support/object-clock.ts";
import { accessObject } from "../../src/worker/stores/access.ts";

function from(client: string, token: string | null): Promise<Response> {
  return call("GET", "/api/credentials", { token, headers: { "cf-connecting-ip": client } });
}

describe("repeated wrong tokens from one client", () => {
  it("are answered 401 twenty times a minute, then 429 with Retry-After, while the right token keeps working", async () => {
    const client = "203.0.113.10";
    for (let attempt = 1; attempt <= 20; attempt++) {
      expect((await from(client, `wrong-token-${attempt}`)).status, `attempt ${attempt}`).toBe(401);
    }
    const limited = await from(client, "wrong-token-21");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await limited.json()) as { type: string }).type).toBe("urn:edgepost:problem:too-many-requests");
    // An API key's form does not help either.
    expect((await from(client, "epk_guessguessguessguessguessguessguessguessgue")).status).toBe(429);
    expect((await from(client, ADMIN_TOKEN)).status).toBe(200);
    expect((await from("203.0.113.11", "wrong-token")).status).toBe(401);
    // A minute later the client starts over.
    await advanceObjectClock(accessObject(env, "failed-attempts"), 61);
    expect((await from(client, "wrong-token-again")).status).toBe(401);
    await advanceObjectClock(accessObject(env, "failed-attempts"), -61);
  });

  it("never count a missing token, which stays 401", async () => {
    const client = "203.0.113.20";
    for (let attempt = 0; attempt < 30; attempt++) {
      expect((await from(client, null)).status).toBe(401);
    }
    expect((await from(client, "wrong-token")).status).toBe(401);
  });
});

describe("API responses", () => {
  it("carry HSTS, no-store and nosniff, whatever their status", async () => {
    for (const response of [
      await call("GET", "/api/credentials"),
      await call("GET", "/api/credentials", { token: null }),
      await call("GET", "/api/credentials/cred_aaaaaaaaaaaaaaaa"),
      await call("POST", "/api/credentials", { body: {} }),
    ]) {
      expect(response.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });
});
