import { describe, expect, it } from "vitest";
import {
  checkEndpoint,
  DEFAULT_ALLOWED_AUTH_HOSTS,
  sameAuthority,
  v2EndpointsOf,
} from "../../src/core/microsoft/endpoints.ts";
import type { EndpointCheck, EndpointPolicy } from "../../src/core/microsoft/endpoints.ts";

const STRICT: EndpointPolicy = { allowedHosts: DEFAULT_ALLOWED_AUTH_HOSTS, allowHttpLoopback: false };
const LOCAL: EndpointPolicy = { allowedHosts: DEFAULT_ALLOWED_AUTH_HOSTS, allowHttpLoopback: true };
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

function problemOf(check: EndpointCheck): string {
  return check.ok ? "" : check.problem;
}

describe("checkEndpoint", () => {
  it("accepts Azure's v2.0 endpoints for every tenant form and cloud", () => {
    for (const tenant of [TENANT, "contoso.onmicrosoft.com", "common", "organizations", "consumers"]) {
      const check = checkEndpoint(`https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`, {
        kind: "authorize",
        policy: STRICT,
      });
      expect(check).toEqual({
        ok: true,
        endpoint: {
          url: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`,
          origin: "https://login.microsoftonline.com",
          tenant,
        },
      });
    }
    expect(
      checkEndpoint(`https://login.microsoftonline.us/${TENANT}/oauth2/v2.0/token`, { kind: "token", policy: STRICT })
        .ok,
    ).toBe(true);
  });

  it("tells the admin to copy the v2.0 endpoint when given v1", () => {
    const problem = problemOf(
      checkEndpoint(`https://login.microsoftonline.com/${TENANT}/oauth2/authorize`, {
        kind: "authorize",
        policy: STRICT,
      }),
    );
    expect(problem).toContain("v1 endpoint");
    expect(problem).toContain(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`);
  });

  it("names the swap when the token endpoint is given as auth endpoint", () => {
    const problem = problemOf(
      checkEndpoint(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`, {
        kind: "authorize",
        policy: STRICT,
      }),
    );
    expect(problem).toMatch(/is the token endpoint; use the authorization endpoint/);
  });

  it("refuses other hosts, http, queries, bad tenants and non-URLs", () => {
    const cases: [string, RegExp][] = [
      [`https://evil.example.com/${TENANT}/oauth2/v2.0/authorize`, /allowed host/],
      [`http://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`, /must use https/],
      [`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize?x=1`, /query string/],
      ["https://login.microsoftonline.com/not a tenant!/oauth2/v2.0/authorize", /tenant segment/],
      ["https://login.microsoftonline.com/oauth2/v2.0/authorize", /must be the v2.0 authorization endpoint/],
      ["login.microsoftonline.com/common/oauth2/v2.0/authorize", /absolute URL/],
    ];
    for (const [url, message] of cases) {
      expect(problemOf(checkEndpoint(url, { kind: "authorize", policy: STRICT })), url).toMatch(message);
    }
  });

  it("lets loopback http through only when ALLOW_HTTP_LOOPBACK is on", () => {
    for (const host of ["127.0.0.1:8788", "localhost:8788", "[::1]:8788"]) {
      const url = `http://${host}/${TENANT}/oauth2/v2.0/token`;
      expect(checkEndpoint(url, { kind: "token", policy: LOCAL }).ok, url).toBe(true);
      expect(problemOf(checkEndpoint(url, { kind: "token", policy: STRICT })), url).toMatch(/https/);
    }
  });

  it("compares host and tenant for sameAuthority", () => {
    const endpoint = (url: string) => {
      const check = checkEndpoint(url, { kind: url.endsWith("token") ? "token" : "authorize", policy: STRICT });
      if (!check.ok) throw new Error(check.problem);
      return check.endpoint;
    };
    const auth = endpoint(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`);
    expect(
      sameAuthority(auth, endpoint(`https://login.microsoftonline.com/${TENANT.toUpperCase()}/oauth2/v2.0/token`)),
    ).toBe(true);
    expect(sameAuthority(auth, endpoint("https://login.microsoftonline.com/common/oauth2/v2.0/token"))).toBe(false);
    expect(sameAuthority(auth, endpoint(`https://login.microsoftonline.us/${TENANT}/oauth2/v2.0/token`))).toBe(false);
  });
});

describe("v2EndpointsOf", () => {
  it("builds both v2.0 URLs for a tenant id, domain or keyword, which checkEndpoint then accepts", () => {
    const tenant = "6731de76-14a6-49ae-97bc-6eba6914391e";
    const endpoints = v2EndpointsOf(` ${tenant} `, "login.microsoftonline.us");
    expect(endpoints).toEqual({
      authorize: `https://login.microsoftonline.us/${tenant}/oauth2/v2.0/authorize`,
      token: `https://login.microsoftonline.us/${tenant}/oauth2/v2.0/token`,
    });
    const policy: EndpointPolicy = { allowedHosts: DEFAULT_ALLOWED_AUTH_HOSTS, allowHttpLoopback: false };
    expect(checkEndpoint(endpoints?.token ?? "", { kind: "token", policy }).ok).toBe(true);
    expect(v2EndpointsOf("contoso.onmicrosoft.com", "login.microsoftonline.com")?.authorize).toBe(
      "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
    );
    expect(v2EndpointsOf("organizations", "login.microsoftonline.com")).not.toBeNull();
  });

  it("refuses what is not a tenant", () => {
    for (const tenant of ["", "contoso", "a/b", "https://login.microsoftonline.com/x", "6731de76-14a6"]) {
      expect(v2EndpointsOf(tenant, "login.microsoftonline.com"), tenant).toBeNull();
    }
  });
});
