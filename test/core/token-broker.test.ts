import { beforeEach, describe, expect, it } from "vitest";
import { TokenBroker } from "../../src/core/accounts/token-broker.ts";
import { TestClock } from "../support/clock.ts";
import { inProcessSession, SIM_ENDPOINT_POLICY } from "../support/in-process-simulator.ts";
import { MemoryTokenVault } from "../support/memory-ports.ts";
import type { HttpClient, Logger } from "../../src/core/ports.ts";
import type { InProcessSession } from "../support/in-process-simulator.ts";

const SCOPES = ["offline_access", "openid", "profile", "User.Read", "Mail.ReadWrite"];
const QUIET: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let session: InProcessSession;
let clock: TestClock;
let vault: MemoryTokenVault;

/** Requests that reached the token endpoint. */
let tokenRequests: URLSearchParams[];

beforeEach(async () => {
  session = await inProcessSession({ settings: { refreshTokenRotation: "strict" } });
  clock = new TestClock();
  const signedIn = await session.signInTokens({ scope: SCOPES.join(" ") });
  vault = new MemoryTokenVault({
    credentialId: "cred_test",
    tokens: {
      accessToken: signedIn.access_token,
      // Expired by the broker's clock, so the next call refreshes.
      accessTokenExpiresAt: clock.now() - 1000,
      refreshToken: signedIn.refresh_token ?? "",
      refreshTokenUsedAt: clock.now(),
      requestedScopes: SCOPES,
      grantedScopes: signedIn.scope.split(" "),
    },
  });
  tokenRequests = [];
});

function broker(options: { http?: HttpClient } = {}): TokenBroker {
  const app = session.tenant.apps[0];
  const http: HttpClient = async (request) => {
    if (request.url === session.tenant.endpoints.token) {
      tokenRequests.push(new URLSearchParams(await request.clone().text()));
    }
    return session.sim.handle(request);
  };
  return new TokenBroker({
    vault,
    loadCredential: async () => ({
      config: {
        clientId: app?.clientId ?? "",
        clientSecret: app?.clientSecret ?? "",
        authEndpoint: session.tenant.endpoints.authorize,
        tokenEndpoint: session.tenant.endpoints.token,
        endpointPolicy: SIM_ENDPOINT_POLICY,
      },
      version: "v1",
    }),
    http: options.http ?? http,
    clock,
    logger: QUIET,
    accountId: "acct_test",
  });
}

const NOW = { minValiditySeconds: 300, forceRefresh: false };

describe("the token broker with in-memory storage", () => {
  it("lets a hundred concurrent callers share one refresh", async () => {
    const tokens = broker();
    const results = await Promise.all(Array.from({ length: 100 }, () => tokens.getAccessToken(NOW)));
    expect(tokenRequests).toHaveLength(1);
    expect(new Set(results.map((result) => (result.ok ? result.accessToken : "failed"))).size).toBe(1);
    expect(vault.writes).toBe(1);
  });

  it("after invalid_grant retries once with the refresh token another caller rotated meanwhile", async () => {
    const first = await vault.read();
    const staleRefreshToken = first?.tokens.refreshToken ?? "";
    let raced = false;
    // Another process refreshes (and so rotates) while this broker's request is on its way.
    const http: HttpClient = async (request) => {
      const body = new URLSearchParams(await request.clone().text());
      if (!raced && body.get("refresh_token") === staleRefreshToken) {
        raced = true;
        await broker().getAccessToken({ minValiditySeconds: 300, forceRefresh: true });
      }
      tokenRequests.push(body);
      return session.sim.handle(request);
    };
    const result = await broker({ http }).getAccessToken(NOW);
    expect(result.ok).toBe(true);
    const used = tokenRequests.map((body) => body.get("refresh_token"));
    // The rival's refresh, then ours with the old token (refused: rotation is strict here), then ours again.
    expect(used).toHaveLength(3);
    expect(used[1]).toBe(staleRefreshToken);
    expect(used[2]).not.toBe(staleRefreshToken);
    expect((await vault.read())?.health.status).toBe("connected");
  });

  it("answers from the backoff without asking Microsoft, and refreshes once the clock has moved past it", async () => {
    await session.control.updateSettings(session.tenant.tenantId, {
      tokenFaults: [
        { failure: { kind: "error", status: 503, error: "temporarily_unavailable", code: 90033 }, remaining: 1 },
      ],
    });
    const tokens = broker();
    const failed = await tokens.getAccessToken(NOW);
    expect(failed).toMatchObject({
      ok: false,
      reason: "upstream_unavailable",
      code: "AADSTS90033",
      retryAfterSeconds: 5,
    });
    clock.advance(4_000);
    expect(await tokens.getAccessToken(NOW)).toMatchObject({ ok: false, reason: "upstream_unavailable" });
    expect(tokenRequests).toHaveLength(1);
    clock.advance(1_000);
    expect((await tokens.getAccessToken(NOW)).ok).toBe(true);
    expect(tokenRequests).toHaveLength(2);
    expect((await vault.read())?.health.consecutiveFailures).toBe(0);
  });

  it("turns a refused grant into reauth_required, after which nothing reaches Microsoft", async () => {
    const user = session.tenant.users[0];
    await session.control.revokeConsent(session.tenant.tenantId, user?.id ?? "", {
      clientId: session.tenant.apps[0]?.clientId ?? "",
      code: 65001,
    });
    const tokens = broker();
    expect(await tokens.getAccessToken(NOW)).toMatchObject({
      ok: false,
      reason: "reauth_required",
      statusReason: { code: "AADSTS65001" },
    });
    clock.advance(60 * 60 * 1000);
    expect(await tokens.getAccessToken({ minValiditySeconds: 300, forceRefresh: true })).toMatchObject({
      reason: "reauth_required",
    });
    expect(tokenRequests).toHaveLength(1);
  });

  it("lets at most 10 forced refreshes a minute reach Microsoft, then answers refresh_limited until the minute is over", async () => {
    const tokens = broker();
    const FORCE = { minValiditySeconds: 300, forceRefresh: true };
    for (let index = 0; index < 10; index++) {
      expect((await tokens.getAccessToken(FORCE)).ok).toBe(true);
      clock.advance(1_000);
    }
    expect(await tokens.getAccessToken(FORCE)).toEqual({ ok: false, reason: "refresh_limited", retryAfterSeconds: 50 });
    expect(tokenRequests).toHaveLength(10);
    // Unforced callers still get the cached token meanwhile.
    expect((await tokens.getAccessToken(NOW)).ok).toBe(true);
    clock.advance(50_000);
    expect((await tokens.getAccessToken(FORCE)).ok).toBe(true);
    expect(tokenRequests).toHaveLength(11);
  });

  it("counts concurrent forced refreshes that share one request once", async () => {
    const tokens = broker();
    const FORCE = { minValiditySeconds: 300, forceRefresh: true };
    const results = await Promise.all(Array.from({ length: 30 }, () => tokens.getAccessToken(FORCE)));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(tokenRequests).toHaveLength(1);
  });

  it("keeps an idle refresh token alive only after the idle time has passed", async () => {
    const tokens = broker();
    expect(await tokens.keepAlive({ idleMs: 24 * 60 * 60 * 1000 })).toEqual({ refreshed: false });
    clock.advance(24 * 60 * 60 * 1000);
    expect(await tokens.keepAlive({ idleMs: 24 * 60 * 60 * 1000 })).toMatchObject({
      refreshed: true,
      result: { ok: true },
    });
    expect(tokenRequests).toHaveLength(1);
  });
});
