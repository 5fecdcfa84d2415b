import { encodeBase64, encodeHexLowerCase } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { adminTokenWeakness } from "../../src/core/access/admin-token.ts";
import { keyPermits, looksLikeApiKey, newApiKey, parseApiKeyCreate } from "../../src/core/access/api-keys.ts";
import { randomBytes } from "../../src/core/crypto/random.ts";
import { ValidationError } from "../../src/core/validation.ts";

const ACCOUNT = "acct_aaaaaaaaaaaaaaaaaaaa";
const OTHER = "acct_bbbbbbbbbbbbbbbbbbbb";

describe("ADMIN_TOKEN strength", () => {
  it("accepts random values as openssl and the dev scripts make them", () => {
    for (let index = 0; index < 2000; index++) {
      expect(adminTokenWeakness(encodeBase64(randomBytes(32)))).toBeNull();
      expect(adminTokenWeakness(encodeHexLowerCase(randomBytes(16)))).toBeNull();
    }
  });

  const weak: [string, string, RegExp][] = [
    ["a short value", "s3cr3t-Xy7", /too short/],
    ["spaces", "correct horse battery staple and more words", /spaces/],
    ["few distinct characters", "abababababababababababababababababab", /too few distinct/],
    ["a common word", "My-Password-Is-Long-Enough-Really-2024", /common word/],
    ["a keyboard walk", "qwertyuiop-QWERTYUIOP-asdfghjkl-1234", /common word/],
    ["a run", "Zq9xW2mKp7vLr4TbN8sQ-aaaaaaaa-wE3", /run or a sequence/],
    ["a sequence", "Zq9xW2mKp7vLr4TbN8sQ-abcdefgh-wE3", /run or a sequence/],
  ];
  for (const [label, value, problem] of weak) {
    it(`refuses ${label}, saying what is wrong without the value`, () => {
      const weakness = adminTokenWeakness(value) ?? "";
      expect(weakness).toMatch(problem);
      expect(weakness).not.toContain(value.slice(0, 6));
    });
  }
});

describe("API keys", () => {
  it("are 256 random bits with a recognisable prefix, stored as a SHA-256 hash", async () => {
    const { key, hash } = await newApiKey();
    expect(key).toMatch(/^epk_[\w-]{43}$/);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(looksLikeApiKey(key)).toBe(true);
    expect(looksLikeApiKey("some-admin-token")).toBe(false);
  });

  it("permit exactly what their scopes name", () => {
    const send = [`send:${ACCOUNT}`];
    expect(keyPermits(send, { method: "POST", path: `/api/accounts/${ACCOUNT}/send` })).toBe(true);
    expect(keyPermits(send, { method: "POST", path: `/accounts/${ACCOUNT}/send` })).toBe(true);
    expect(keyPermits(send, { method: "POST", path: `/api/accounts/${OTHER}/send` })).toBe(false);
    expect(keyPermits(send, { method: "POST", path: `/api/accounts/${ACCOUNT}/token` })).toBe(false);
    expect(keyPermits(send, { method: "GET", path: `/api/accounts/${ACCOUNT}` })).toBe(false);
    const token = [`token:${ACCOUNT}`];
    expect(keyPermits(token, { method: "POST", path: `/api/accounts/${ACCOUNT}/token` })).toBe(true);
    expect(keyPermits(token, { method: "POST", path: `/api/accounts/${ACCOUNT}/reauthorize` })).toBe(false);
    const read = ["read"];
    expect(keyPermits(read, { method: "GET", path: "/api/handlers" })).toBe(true);
    expect(keyPermits(read, { method: "GET", path: `/api/accounts/${ACCOUNT}` })).toBe(true);
    expect(keyPermits(read, { method: "GET", path: "/api/keys" })).toBe(false);
    expect(keyPermits(read, { method: "POST", path: "/api/handlers" })).toBe(false);
    expect(keyPermits(read, { method: "DELETE", path: `/api/accounts/${ACCOUNT}` })).toBe(false);
    expect(keyPermits(read, { method: "POST", path: `/api/accounts/${ACCOUNT}/token` })).toBe(false);
  });

  it("are created only with known scopes naming existing accounts, each bad scope named", async () => {
    const exists = async (id: string) => id === ACCOUNT;
    expect(await parseApiKeyCreate({ name: " Jira ", scopes: [`send:${ACCOUNT}`, "read", "read"] }, exists)).toEqual({
      name: "Jira",
      scopes: [`send:${ACCOUNT}`, "read"],
    });
    const error = await parseApiKeyCreate(
      { name: "Jira", scopes: ["admin", `send:${OTHER}`, "token:acct_nope", `send:${ACCOUNT}`] },
      exists,
    ).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: "scopes.0", message: expect.stringMatching(/^scopes\.0 must be "read", "send:\{accountId\}"/) },
      { path: "scopes.1", message: `scopes.1 names no account (${OTHER})` },
      { path: "scopes.2", message: expect.stringMatching(/^scopes\.2 must be/) },
    ]);
  });
});
