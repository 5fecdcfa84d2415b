import { describe, expect, it } from "vitest";
import { parseKeyRing } from "../../src/core/crypto/key-ring.ts";
import { DecryptionError, openSecret, sealedKeyId, sealSecret } from "../../src/core/crypto/secret-box.ts";
import { ConfigError } from "../../src/core/config-error.ts";

const KEY_A = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
const CONTEXT = { record: "credential:cred_1", field: "clientSecret" };

describe("sealSecret / openSecret", () => {
  it("round-trips and never contains the plaintext", async () => {
    const ring = await parseKeyRing(`a:${KEY_A}`);
    const sealed = await sealSecret(ring, "s3cr3t~value", CONTEXT);
    expect(sealed).toMatch(/^v1\.a\.[\w-]{16}\.[\w-]+$/);
    expect(sealed).not.toContain("s3cr3t");
    expect(await openSecret(ring, sealed, CONTEXT)).toBe("s3cr3t~value");
  });

  it("uses a fresh IV each time", async () => {
    const ring = await parseKeyRing(`a:${KEY_A}`);
    const first = await sealSecret(ring, "same", CONTEXT);
    const second = await sealSecret(ring, "same", CONTEXT);
    expect(first.split(".")[2]).not.toBe(second.split(".")[2]);
    expect(first).not.toBe(second);
  });

  it("decrypts with a key that rotation moved out of first place", async () => {
    const before = await parseKeyRing(`a:${KEY_A}`);
    const sealed = await sealSecret(before, "old", CONTEXT);
    const after = await parseKeyRing(`b:${KEY_B},a:${KEY_A}`);
    expect(await openSecret(after, sealed, CONTEXT)).toBe("old");
    const resealed = await sealSecret(after, "old", CONTEXT);
    expect(sealedKeyId(resealed)).toBe("b");
  });

  it("refuses a ciphertext whose key is gone, naming the key id", async () => {
    const sealed = await sealSecret(await parseKeyRing(`a:${KEY_A}`), "x", CONTEXT);
    const without = await parseKeyRing(`b:${KEY_B}`);
    await expect(openSecret(without, sealed, CONTEXT)).rejects.toThrow(/key "a", which is not in ENCRYPTION_KEYS/);
  });

  it("refuses tampered ciphertext", async () => {
    const ring = await parseKeyRing(`a:${KEY_A}`);
    const sealed = await sealSecret(ring, "value", CONTEXT);
    const parts = sealed.split(".");
    const body = parts[3] ?? "";
    const flipped = (body[0] === "A" ? "B" : "A") + body.slice(1);
    const tampered = [parts[0], parts[1], parts[2], flipped].join(".");
    await expect(openSecret(ring, tampered, CONTEXT)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("refuses a ciphertext copied onto another record or field", async () => {
    const ring = await parseKeyRing(`a:${KEY_A}`);
    const sealed = await sealSecret(ring, "value", CONTEXT);
    await expect(openSecret(ring, sealed, { record: "credential:cred_2", field: "clientSecret" })).rejects.toThrow(
      /tampered or moved/,
    );
    await expect(openSecret(ring, sealed, { record: "credential:cred_1", field: "webhookToken" })).rejects.toThrow(
      DecryptionError,
    );
  });

  it("refuses something that is not a sealed secret", async () => {
    const ring = await parseKeyRing(`a:${KEY_A}`);
    await expect(openSecret(ring, "plain text", CONTEXT)).rejects.toThrow(/not a sealed secret/);
  });
});

describe("parseKeyRing", () => {
  it("takes the first key as primary and keeps all for decryption", async () => {
    const ring = await parseKeyRing(` new:${KEY_B} , old:${KEY_A}`);
    expect(ring.primaryId).toBe("new");
    expect([...ring.keys.keys()]).toEqual(["new", "old"]);
  });

  it("accepts base64url keys", async () => {
    const url = KEY_B.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    await expect(parseKeyRing(`u:${url}`)).resolves.toMatchObject({ primaryId: "u" });
  });

  const bad: [string, string | undefined, RegExp][] = [
    ["missing", undefined, /is not set/],
    ["empty", "  ", /is not set/],
    ["no separator", KEY_A, /entry 1 is not of the form keyId:base64Key/],
    ["short key", "a:AAEC", /key "a" must be 32 bytes/],
    ["not base64", "a:!!!!", /key "a" must be 32 bytes/],
    ["bad id", `a.b:${KEY_A}`, /entry 1 has a key id/],
    ["duplicate id", `a:${KEY_A},a:${KEY_B}`, /names key id "a" twice/],
  ];
  for (const [label, value, message] of bad) {
    it(`refuses ${label} without echoing key material`, async () => {
      const error = await parseKeyRing(value).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).setting).toBe("ENCRYPTION_KEYS");
      expect((error as ConfigError).message).toMatch(message);
      expect((error as ConfigError).message).not.toContain(KEY_A.slice(0, 12));
      expect((error as ConfigError).message).not.toContain(KEY_B.slice(0, 12));
    });
  }
});
