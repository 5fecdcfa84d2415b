/**
 * Random values from the platform's CSPRNG.
 * @module
 */
import { encodeBase32LowerCaseNoPadding, encodeBase64urlNoPadding } from "@oslojs/encoding";

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

/** A URL-safe random token carrying `bytes * 8` bits of entropy. */
export function randomToken(bytes: number): string {
  return encodeBase64urlNoPadding(randomBytes(bytes));
}

const ID_ENTROPY_BYTES = 10;

/** An opaque record id such as `cred_5l3kq9…`: a readable prefix and 80 random bits. */
export function randomId(prefix: string): string {
  return `${prefix}_${encodeBase32LowerCaseNoPadding(randomBytes(ID_ENTROPY_BYTES))}`;
}
