/**
 * Random values from the platform's CSPRNG.
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

/** A URL-safe random token carrying `bytes * 8` bits of entropy. */
export function randomToken(bytes: number): string {
  return encodeBase64urlNoPadding(randomBytes(bytes));
}
