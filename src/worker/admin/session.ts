/**
 * Admin page sessions. Signing in with ADMIN_TOKEN gives the browser a `__Host-` cookie
 * (`HttpOnly; Secure; SameSite=Strict; Path=/`, so no other site or subdomain can set or read it)
 * holding 256 random bits; the server keeps only its hash, in the access object, so that signing out
 * ends the session everywhere at once. A session ends after `SESSION_LIMITS.idleMs` without a
 * request and after `SESSION_LIMITS.absoluteMs` in any case, and when ADMIN_TOKEN changes (each
 * session remembers a tag of the token it was opened with). Each session has its own CSRF token for
 * the forms, derived from the session id with a key derived from ADMIN_TOKEN.
 * @module
 */
import { encodeBase64urlNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import { randomToken } from "../../core/crypto/random.ts";
import { accessObject } from "../stores/access.ts";
import type { Env } from "../env.ts";

export const SESSION_COOKIE = "__Host-edgepost_session";
/** Half an hour without a request ends a session; a working day ends it in any case. */
export const SESSION_LIMITS = { idleMs: 30 * 60 * 1000, absoluteMs: 12 * 60 * 60 * 1000 } as const;
export const SESSION_LIFETIME_SECONDS = SESSION_LIMITS.absoluteMs / 1000;
/** 256 bits. */
const SESSION_ID_BYTES = 32;
const SESSION_ID = /^[\w-]{43}$/;

export interface Session {
  /** The SHA-256 of the cookie's value, as stored. */
  idHash: string;
  csrfToken: string;
}

export async function createSession(env: Env, adminToken: string): Promise<{ cookie: string; session: Session }> {
  const id = randomToken(SESSION_ID_BYTES);
  const idHash = await sha256Hex(id);
  await accessObject(env, "sessions").createSession(idHash, await tokenTag(adminToken), SESSION_LIMITS);
  return { cookie: id, session: { idHash, csrfToken: await sign(adminToken, `csrf.${id}`) } };
}

/** The live session a cookie value names (its use recorded), or null when it is unknown, ended or malformed. */
export async function verifySession(env: Env, adminToken: string, cookie: string | undefined): Promise<Session | null> {
  if (cookie === undefined || !SESSION_ID.test(cookie)) {
    return null;
  }
  const idHash = await sha256Hex(cookie);
  const alive = await accessObject(env, "sessions").touchSession(idHash, await tokenTag(adminToken), SESSION_LIMITS);
  return alive ? { idHash, csrfToken: await sign(adminToken, `csrf.${cookie}`) } : null;
}

/** Ends the session on the server: its cookie opens nothing any more, wherever it was copied. */
export async function revokeSession(env: Env, session: Session): Promise<void> {
  await accessObject(env, "sessions").revokeSession(session.idHash);
}

export function sessionCookie(value: string, options: { maxAgeSeconds: number }): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${options.maxAgeSeconds}`;
}

/** Which ADMIN_TOKEN a session was opened with, without storing anything that reveals it. */
function tokenTag(adminToken: string): Promise<string> {
  return sign(adminToken, "session-tag");
}

async function sign(adminToken: string, payload: string): Promise<string> {
  const material = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`edgepost-session\n${adminToken}`));
  const key = await crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload));
  return encodeBase64urlNoPadding(new Uint8Array(mac));
}

async function sha256Hex(value: string): Promise<string> {
  return encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value))));
}
