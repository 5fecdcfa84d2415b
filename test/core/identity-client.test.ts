import { beforeEach, describe, expect, it } from "vitest";
import { refreshAccessToken } from "../../src/core/microsoft/identity-client.ts";
import { IdentityError } from "../../src/core/microsoft/identity-errors.ts";
import { TestClock } from "../support/clock.ts";
import { inProcessSession, SIM_ENDPOINT_POLICY } from "../support/in-process-simulator.ts";
import type { IdentityClientConfig } from "../../src/core/microsoft/identity-client.ts";
import type { HttpClient } from "../../src/core/ports.ts";
import type { InProcessSession } from "../support/in-process-simulator.ts";
import type { SimFailure } from "../simulator/state.ts";

const SCOPES = ["offline_access", "openid", "profile", "User.Read"];

let session: InProcessSession;
let refreshToken: string;
let sent: Request[];

beforeEach(async () => {
  session = await inProcessSession();
  refreshToken = (await session.signInTokens({ scope: SCOPES.join(" ") })).refresh_token ?? "";
  sent = [];
});

function config(overrides: Partial<IdentityClientConfig> = {}): IdentityClientConfig {
  const app = session.tenant.apps[0];
  return {
    clientId: app?.clientId ?? "",
    clientSecret: app?.clientSecret ?? "",
    authEndpoint: session.tenant.endpoints.authorize,
    tokenEndpoint: session.tenant.endpoints.token,
    endpointPolicy: SIM_ENDPOINT_POLICY,
    ...overrides,
  };
}

const http: HttpClient = async (request) => {
  sent.push(request.clone());
  return session.sim.handle(request);
};

function refresh(overrides: Partial<IdentityClientConfig> = {}) {
  return refreshAccessToken(config(overrides), { refreshToken, scopes: SCOPES }, { http, clock: new TestClock() });
}

async function answerOnce(failure: SimFailure): Promise<void> {
  await session.control.updateSettings(session.tenant.tenantId, { tokenFaults: [{ failure, remaining: 1 }] });
}

async function refusal(promise: Promise<unknown>): Promise<IdentityError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(IdentityError);
  return error as IdentityError;
}

describe("token responses are parsed with a schema", () => {
  const malformed: [string, string, RegExp][] = [
    ["a body that is not JSON", "<html>proxy error</html>", /is not a JSON object/],
    ["JSON that is not an object", "[1,2]", /is not a JSON object/],
    ["no access_token", JSON.stringify({ token_type: "Bearer", expires_in: 3599 }), /has no access_token/],
    [
      "an expires_in that is not seconds",
      JSON.stringify({ access_token: "a", token_type: "Bearer", expires_in: "soon" }),
      /expires_in/,
    ],
    [
      "another token_type",
      JSON.stringify({ access_token: "a", token_type: "pop", expires_in: 3599 }),
      /token_type other than Bearer/,
    ],
    [
      "a refresh_token that is not a string",
      JSON.stringify({ access_token: "a", token_type: "Bearer", expires_in: 3599, refresh_token: 7 }),
      /malformed|refresh_token|expected/i,
    ],
  ];
  for (const [label, body, message] of malformed) {
    it(`turns ${label} into invalid_response, never a TypeError`, async () => {
      await answerOnce({ kind: "response", status: 200, body, headers: { "content-type": "application/json" } });
      const error = await refusal(refresh());
      expect(error.code).toBe("invalid_response");
      expect(error.kind).toBe("transient");
      expect(error.description).toMatch(message);
    });
  }

  it("accepts expires_in as a numeric string and a response without refresh_token or scope", async () => {
    await session.control.updateSettings(session.tenant.tenantId, { expiresInAs: "string" });
    const clock = new TestClock();
    const tokens = await refreshAccessToken(config(), { refreshToken, scopes: SCOPES }, { http, clock });
    expect(tokens.accessTokenExpiresAt).toBeGreaterThan(clock.now() + 3000 * 1000);
    await answerOnce({
      kind: "response",
      status: 200,
      body: JSON.stringify({ access_token: "a", token_type: "bearer", expires_in: 60, refresh_token: null }),
    });
    expect(await refresh()).toMatchObject({ accessToken: "a", refreshToken: null, idToken: null, scopes: [] });
  });
});

describe("token requests stay where they were sent", () => {
  it("does not follow a redirect, so the secret never reaches its target", async () => {
    await answerOnce({
      kind: "response",
      status: 307,
      body: "",
      headers: { location: "https://rogue.test/steal" },
    });
    const error = await refusal(refresh());
    expect(error).toMatchObject({ kind: "credential", code: "redirected", status: 307 });
    expect(sent.map((request) => new URL(request.url).host)).toEqual(["sim.test"]);
    expect(sent[0]?.redirect).toBe("manual");
  });

  it("re-checks the token endpoint against the rules in force before anything is sent", async () => {
    const error = await refusal(
      refresh({ endpointPolicy: { allowedHosts: ["login.microsoftonline.com"], allowHttpLoopback: false } }),
    );
    expect(error).toMatchObject({ kind: "credential", code: "endpoint_refused" });
    expect(error.description).toMatch(/tokenEndpoint must be on an allowed host/);
    expect(sent).toEqual([]);
  });
});
