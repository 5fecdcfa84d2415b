/**
 * PKCE (RFC 7636) with the S256 method.
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { randomToken } from "./random.ts";

/** 32 random bytes: a 43-character verifier, the shortest RFC 7636 allows and 256 bits strong. */
export function createCodeVerifier(): string {
  return randomToken(32);
}

export async function s256Challenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return encodeBase64urlNoPadding(new Uint8Array(digest));
}
