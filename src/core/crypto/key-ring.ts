/**
 * The set of AES-256 keys from `ENCRYPTION_KEYS`: the first encrypts, all of them decrypt, which is
 * what lets an operator rotate keys without a flag day.
 * @module
 */
import { decodeBase64IgnorePadding, decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import { ConfigError } from "../config-error.ts";

export interface KeyRing {
  readonly primaryId: string;
  readonly keys: ReadonlyMap<string, CryptoKey>;
}

const ENCRYPTION_KEYS_SETTING = "ENCRYPTION_KEYS";
const AES_256_KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses `keyId:base64Key[,keyId:base64Key…]`. Errors say which entry is wrong and why, and never
 * repeat any part of a key.
 */
export async function parseKeyRing(value: string | undefined): Promise<KeyRing> {
  if (value === undefined || value.trim() === "") {
    throw new ConfigError(ENCRYPTION_KEYS_SETTING, "ENCRYPTION_KEYS is not set");
  }
  const keys = new Map<string, CryptoKey>();
  const entries = value.split(",").map((entry) => entry.trim());
  for (const [index, entry] of entries.entries()) {
    const position = index + 1;
    const separator = entry.indexOf(":");
    if (separator <= 0) {
      throw new ConfigError(
        ENCRYPTION_KEYS_SETTING,
        `ENCRYPTION_KEYS entry ${position} is not of the form keyId:base64Key`,
      );
    }
    const id = entry.slice(0, separator);
    if (!KEY_ID_PATTERN.test(id)) {
      throw new ConfigError(
        ENCRYPTION_KEYS_SETTING,
        `ENCRYPTION_KEYS entry ${position} has a key id that is not 1-32 letters, digits, '-' or '_'`,
      );
    }
    if (keys.has(id)) {
      throw new ConfigError(ENCRYPTION_KEYS_SETTING, `ENCRYPTION_KEYS names key id "${id}" twice`);
    }
    const raw = decodeKeyMaterial(entry.slice(separator + 1));
    if (raw === null || raw.length !== AES_256_KEY_BYTES) {
      throw new ConfigError(
        ENCRYPTION_KEYS_SETTING,
        `ENCRYPTION_KEYS key "${id}" must be ${AES_256_KEY_BYTES} bytes encoded as base64`,
      );
    }
    keys.set(id, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  const primaryId = entries[0]?.slice(0, entries[0].indexOf(":")) ?? "";
  return { primaryId, keys };
}

function decodeKeyMaterial(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return new Uint8Array(/[-_]/.test(text) ? decodeBase64urlIgnorePadding(text) : decodeBase64IgnorePadding(text));
  } catch {
    return null;
  }
}
