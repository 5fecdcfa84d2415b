import { describe, expect, it } from "vitest";
import { validationIssues } from "../support/validation.ts";
import { parseCredentialCreate, parseCredentialPatch } from "../../src/core/credentials/credential.ts";
import { DEFAULT_ALLOWED_AUTH_HOSTS } from "../../src/core/microsoft/endpoints.ts";
import type { CredentialPolicy } from "../../src/core/credentials/credential.ts";

const GLOBAL: CredentialPolicy = {
  allowedHosts: DEFAULT_ALLOWED_AUTH_HOSTS,
  allowHttpLoopback: false,
  graphBaseUrl: "https://graph.microsoft.com/v1.0",
};
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

function body(host: string, tenant: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Contoso",
    clientId: "4a1b2c3d-0000-4000-8000-00000000abcd",
    clientSecret: "secret-value",
    authEndpoint: `https://${host}/${tenant}/oauth2/v2.0/authorize`,
    tokenEndpoint: `https://${host}/${tenant}/oauth2/v2.0/token`,
    ...extra,
  };
}

describe("default scopes", () => {
  it("ask for profile, so Microsoft puts oid, name and preferred_username in the id_token", () => {
    expect(parseCredentialCreate(body("login.microsoftonline.com", TENANT), GLOBAL).scopes).toEqual([
      "offline_access",
      "openid",
      "profile",
      "User.Read",
      "Mail.ReadWrite",
      "Mail.ReadWrite.Shared",
      "Mail.Send",
      "Mail.Send.Shared",
    ]);
  });

  it("leave out the *.Shared scopes for /consumers, which personal accounts cannot have", () => {
    expect(parseCredentialCreate(body("login.microsoftonline.com", "consumers"), GLOBAL).scopes).toEqual([
      "offline_access",
      "openid",
      "profile",
      "User.Read",
      "Mail.ReadWrite",
      "Mail.Send",
    ]);
  });

  it("are not replaced on a patch that does not name them", () => {
    const current = parseCredentialCreate(
      body("login.microsoftonline.com", TENANT, { scopes: "offline_access openid" }),
      GLOBAL,
    );
    expect(parseCredentialPatch({ name: "Renamed" }, current, GLOBAL).scopes).toEqual(["offline_access", "openid"]);
  });
});

describe("rules between fields", () => {
  it("refuses *.Shared scopes with /consumers endpoints, naming them", () => {
    const found = validationIssues(() =>
      parseCredentialCreate(
        body("login.microsoftonline.com", "consumers", { scopes: "offline_access Mail.Send.Shared" }),
        GLOBAL,
      ),
    );
    expect(found).toEqual([
      { path: "scopes", message: expect.stringMatching(/^scopes must not contain Mail\.Send\.Shared/) },
    ]);
  });

  it("refuses a sign-in host of another cloud than GRAPH_BASE_URL, saying which Graph base would match", () => {
    const found = validationIssues(() => parseCredentialCreate(body("login.microsoftonline.us", TENANT), GLOBAL));
    expect(found).toEqual([
      {
        path: "authEndpoint",
        message: expect.stringMatching(/US Government cloud.*GRAPH_BASE_URL.*https:\/\/graph\.microsoft\.us\/v1\.0/),
      },
    ]);
    const china = validationIssues(() => parseCredentialCreate(body("login.chinacloudapi.cn", TENANT), GLOBAL));
    expect(china[0]?.message).toMatch(/https:\/\/microsoftgraph\.chinacloudapi\.cn\/v1\.0/);
  });

  it("accepts matching clouds, both China sign-in hosts, and any host when GRAPH_BASE_URL is no Microsoft cloud", () => {
    const usGraph = { ...GLOBAL, graphBaseUrl: "https://graph.microsoft.us/v1.0" };
    expect(parseCredentialCreate(body("login.microsoftonline.us", TENANT), usGraph).authEndpoint).toContain(".us/");
    const china = { ...GLOBAL, graphBaseUrl: "https://microsoftgraph.chinacloudapi.cn/v1.0" };
    expect(() => parseCredentialCreate(body("login.partner.microsoftonline.cn", TENANT), china)).not.toThrow();
    expect(() => parseCredentialCreate(body("login.chinacloudapi.cn", TENANT), china)).not.toThrow();
    const simulator = { ...GLOBAL, allowHttpLoopback: true, graphBaseUrl: "http://127.0.0.1:8788/v1.0" };
    expect(() => parseCredentialCreate(body("login.microsoftonline.us", TENANT), simulator)).not.toThrow();
  });

  it("takes allowedTenants as tenant ids for /common and /organizations only", () => {
    const other = "11111111-2222-3333-4444-555555555555";
    const common = parseCredentialCreate(
      body("login.microsoftonline.com", "common", { allowedTenants: [TENANT.toUpperCase(), other, TENANT] }),
      GLOBAL,
    );
    expect(common.allowedTenants).toEqual([TENANT, other]);
    expect(
      validationIssues(() =>
        parseCredentialCreate(
          body("login.microsoftonline.com", "organizations", { allowedTenants: ["contoso.com"] }),
          GLOBAL,
        ),
      ),
    ).toEqual([{ path: "allowedTenants.0", message: expect.stringMatching(/^allowedTenants\.0 must be a tenant id/) }]);
    expect(
      validationIssues(() =>
        parseCredentialCreate(body("login.microsoftonline.com", TENANT, { allowedTenants: [other] }), GLOBAL),
      ),
    ).toEqual([
      { path: "allowedTenants", message: expect.stringMatching(/only used with \/common or \/organizations/) },
    ]);
  });
});
