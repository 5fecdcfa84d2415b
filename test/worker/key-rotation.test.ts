import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/worker/index.ts";
import { ADMIN_TOKEN, simulator } from "../support/api.ts";
import { credentialBody } from "../support/credentials.ts";
import type { TenantInfo } from "../simulator/control.ts";

const OLD = "old:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const NEW = "new:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

async function callWithKeys(keys: string, method: string, path: string, body?: unknown): Promise<Response> {
  return await worker.fetch(
    new Request(`https://edgepost.test${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    { ...env, ENCRYPTION_KEYS: keys },
  );
}

let tenant: TenantInfo;
beforeAll(async () => {
  tenant = await simulator().createTenant();
});

describe("rotating ENCRYPTION_KEYS", () => {
  it("re-encrypts under the new first key, after which the old key can go", async () => {
    const created = await (await callWithKeys(OLD, "POST", "/api/credentials", credentialBody(tenant))).json<{
      id: string;
    }>();
    const stored = async (): Promise<string> =>
      (await env.CONFIG.get<{ clientSecret: string }>(`credential:${created.id}`, "json"))?.clientSecret ?? "";
    expect(await stored()).toMatch(/^v1\.old\./);

    const first = await callWithKeys(`${NEW},${OLD}`, "POST", "/api/maintenance/reencrypt");
    expect(first.status).toBe(200);
    const report = await first.json<{ primaryKeyId: string; credentials: { resealed: number; current: number } }>();
    expect(report.primaryKeyId).toBe("new");
    expect(report.credentials.resealed).toBeGreaterThanOrEqual(1);
    expect(await stored()).toMatch(/^v1\.new\./);

    const again = await (await callWithKeys(`${NEW},${OLD}`, "POST", "/api/maintenance/reencrypt")).json<{
      credentials: { resealed: number };
    }>();
    expect(again.credentials.resealed).toBe(0);

    const withoutOld = await callWithKeys(NEW, "POST", "/api/maintenance/reencrypt");
    expect(withoutOld.status).toBe(200);
  });

  it("names the missing key when a secret was sealed with a key that is gone", async () => {
    const created = await (await callWithKeys(OLD, "POST", "/api/credentials", credentialBody(tenant))).json<{
      id: string;
    }>();
    const response = await callWithKeys(NEW, "POST", "/api/maintenance/reencrypt");
    expect(response.status).toBe(500);
    const problem = await response.json<{ detail: string }>();
    expect(problem.detail).toContain(
      `clientSecret of credential:${created.id} was encrypted with key "old", which is not in ENCRYPTION_KEYS`,
    );
  });
});
