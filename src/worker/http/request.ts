/**
 * Helpers routes use to read a request.
 * @module
 */
import { BODY_LIMIT_BYTES, readJsonBody } from "./json-body.ts";
import type { Context } from "hono";
import type { AppEnv } from "./context.ts";

/** The JSON body (or `undefined` when empty), capped at the API's 64 KiB unless told otherwise. */
export function jsonBody(
  c: Context<AppEnv>,
  options: { maxBytes: number } = { maxBytes: BODY_LIMIT_BYTES },
): Promise<unknown> {
  return readJsonBody(c.req.raw, options);
}

/** The redirect URI that Azure must list: `${PUBLIC_URL}/oauth/callback`, or this request's origin. */
export function redirectUriFor(c: Context<AppEnv>): string {
  const base = c.get("settings").publicUrl ?? new URL(c.req.url).origin;
  return `${base}/oauth/callback`;
}

/** An ISO 8601 UTC timestamp for now. */
export function nowIso(): string {
  return new Date().toISOString();
}
