import { describe, expect, it } from "vitest";
import { IdTokenError, verifyIdToken } from "../../src/core/microsoft/id-token.ts";

const TENANT = "0e8f8f8a-1111-4a4a-9b9b-123456789abc";
const CLIENT = "4a1b2c3d-0000-4000-8000-00000000abcd";
const AUTH = `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

function jwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}.c2ln`;
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: CLIENT,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    tid: TENANT,
    oid: "9f1c7e4b-2222-4c4c-8d8d-abcdefabcdef",
    preferred_username: "adele@contoso.com",
    name: "Adele Vance",
    nonce: "n1",
    exp: NOW / 1000 + 3600,
    ...overrides,
  };
}

function verify(
  overrides: Record<string, unknown> = {},
  expected: { authEndpoint?: string; nonce?: string | null } = {},
) {
  return verifyIdToken(jwt(claims(overrides)), {
    clientId: CLIENT,
    authEndpoint: expected.authEndpoint ?? AUTH,
    nonce: expected.nonce === undefined ? "n1" : expected.nonce,
    now: NOW,
  });
}

describe("verifyIdToken", () => {
  it("identifies the user by tenant and object id", () => {
    expect(verify()).toEqual({
      tenantId: TENANT,
      userId: "9f1c7e4b-2222-4c4c-8d8d-abcdefabcdef",
      username: "adele@contoso.com",
      name: "Adele Vance",
    });
  });

  it("accepts the real tenant in iss when the endpoint says common", () => {
    expect(
      verify({}, { authEndpoint: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize" }).tenantId,
    ).toBe(TENANT);
  });

  const refusals: [string, Record<string, unknown>, { authEndpoint?: string; nonce?: string | null }, RegExp][] = [
    ["another audience", { aud: "someone-else" }, {}, /\(aud\)/],
    ["an expired token", { exp: NOW / 1000 - 600 }, {}, /\(exp\)/],
    ["a foreign issuer", { iss: `https://evil.example/${TENANT}/v2.0` }, {}, /\(iss\)/],
    ["an issuer of another tenant", { iss: "https://login.microsoftonline.com/other/v2.0" }, {}, /\(iss\)/],
    [
      "a tid other than the endpoint's tenant",
      {
        tid: "11111111-2222-3333-4444-555555555555",
        iss: "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0",
      },
      {},
      /\(tid\)/,
    ],
    ["a wrong nonce", { nonce: "n2" }, {}, /\(nonce\)/],
    ["a missing nonce", { nonce: undefined }, {}, /\(nonce\)/],
    ["no tid", { tid: undefined }, {}, /\(tid\)/],
    ["an exp that is not a number", { exp: "tomorrow" }, {}, /\(exp\)/],
  ];
  for (const [label, overrides, expected, message] of refusals) {
    it(`refuses ${label}`, () => {
      expect(() => verify(overrides, expected)).toThrow(IdTokenError);
      expect(() => verify(overrides, expected)).toThrow(message);
    });
  }

  it("leaves user id, sign-in name and name empty without the profile scope", () => {
    expect(verify({ oid: undefined, preferred_username: undefined, name: undefined })).toEqual({
      tenantId: TENANT,
      userId: null,
      username: null,
      name: null,
    });
  });

  it("compares the audience without regard to case", () => {
    expect(verify({ aud: CLIENT.toUpperCase() }).tenantId).toBe(TENANT);
  });

  it("refuses something that is not a JWT", () => {
    expect(() => verifyIdToken("not-a-jwt", { clientId: CLIENT, authEndpoint: AUTH, nonce: null, now: NOW })).toThrow(
      /not a JWT/,
    );
    expect(() => verifyIdToken("a.!!!.c", { clientId: CLIENT, authEndpoint: AUTH, nonce: null, now: NOW })).toThrow(
      IdTokenError,
    );
  });
});
