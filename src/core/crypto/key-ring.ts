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
  /** HMAC keys derived from the same entries, for the marker on mail edgepost sends. */
  readonly markerKeys: MarkerKeys;
}

/** The first entry's key signs; every entry's key verifies, so rotation keeps old markers valid. */
export interface MarkerKeys {
  readonly signing: CryptoKey;
  readonly verifying: readonly CryptoKey[];
}

/** Binds derived keys to their one use (RFC 5869 `info`). */
const MARKER_KEY_INFO = "edgepost sent-marker v1";

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
  const macKeys: CryptoKey[] = [];
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
    macKeys.push(await deriveMarkerKey(raw));
  }
  const primaryId = entries[0]?.slice(0, entries[0].indexOf(":")) ?? "";
  const [signing] = macKeys;
  if (signing === undefined) {
    throw new ConfigError(ENCRYPTION_KEYS_SETTING, "ENCRYPTION_KEYS is not set");
  }
  return { primaryId, keys, markerKeys: { signing, verifying: macKeys } };
}

function decodeKeyMaterial(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return new Uint8Array(/[-_]/.test(text) ? decodeBase64urlIgnorePadding(text) : decodeBase64IgnorePadding(text));
  } catch {
    return null;
  }
}

/** An HMAC-SHA256 key derived from an AES key's bytes with HKDF, so one secret serves both uses apart. */
async function deriveMarkerKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new TextEncoder().encode(MARKER_KEY_INFO) },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
}
