/**
 * Admin page sessions: after signing in with ADMIN_TOKEN the browser holds a signed, expiring cookie
 * (`HttpOnly; Secure; SameSite=Strict`). The signing key is derived from ADMIN_TOKEN, so changing the
 * token signs everybody out. Each session has its own CSRF token for the forms.
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { constantTimeEqual } from "../../core/crypto/constant-time.ts";
import { randomToken } from "../../core/crypto/random.ts";

export const SESSION_COOKIE = "edgepost_session";
/** A working day; signing in again is cheap. */
export const SESSION_LIFETIME_SECONDS = 12 * 60 * 60;

export interface Session {
  nonce: string;
  expiresAt: number;
  csrfToken: string;
}

export async function createSession(adminToken: string, now: number): Promise<{ cookie: string; session: Session }> {
  const expiresAt = Math.floor(now / 1000) + SESSION_LIFETIME_SECONDS;
  const nonce = randomToken(16);
  const payload = `${expiresAt}.${nonce}`;
  const cookie = `${payload}.${await sign(adminToken, payload)}`;
  return { cookie, session: { nonce, expiresAt, csrfToken: await sign(adminToken, `csrf.${nonce}`) } };
}

/** The session a cookie value proves, or null when it is forged, altered or expired. */
export async function verifySession(
  adminToken: string,
  cookie: string | undefined,
  now: number,
): Promise<Session | null> {
  const [expires, nonce, signature, extra] = (cookie ?? "").split(".");
  if (expires === undefined || nonce === undefined || signature === undefined || extra !== undefined) {
    return null;
  }
  const expiresAt = Number(expires);
  if (!Number.isInteger(expiresAt) || expiresAt * 1000 <= now) {
    return null;
  }
  if (!(await constantTimeEqual(signature, await sign(adminToken, `${expires}.${nonce}`)))) {
    return null;
  }
  return { nonce, expiresAt, csrfToken: await sign(adminToken, `csrf.${nonce}`) };
}

export function sessionCookie(value: string, options: { maxAgeSeconds: number }): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${options.maxAgeSeconds}`;
}

async function sign(adminToken: string, payload: string): Promise<string> {
  const material = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`edgepost-session\n${adminToken}`));
  const key = await crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload));
  return encodeBase64urlNoPadding(new Uint8Array(mac));
}
