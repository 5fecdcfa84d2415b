/**
 * What every admin page request must show: a valid session; and for a form post also that it comes
 * from edgepost's own pages (same origin and the session's CSRF token). Wrong tokens at the sign-in
 * form count against the same per-client budget as on the API.
 * @module
 */
import { getCookie } from "hono/cookie";
import { constantTimeEqual } from "../../core/crypto/constant-time.ts";
import { clientAddress, refuseWrongToken } from "../http/api-auth.ts";
import { BODY_LIMIT_BYTES, readCappedText } from "../http/json-body.ts";
import { PAGE_HEADERS, pageResponse } from "../views/document.tsx";
import { SESSION_COOKIE, verifySession } from "./session.ts";
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../http/context.ts";
import type { Session } from "./session.ts";

export async function currentSession(c: Context<AppEnv>): Promise<Session | null> {
  return verifySession(c.env, c.get("settings").adminToken, getCookie(c, SESSION_COOKIE));
}

/**
 * True when the request was sent by one of edgepost's pages: the browser's `Origin` (or, lacking it,
 * `Referer`) names edgepost itself. Cross-site form posts fail here even before the CSRF token.
 */
export function fromOwnPages(c: Context<AppEnv>): boolean {
  const own = new Set([new URL(c.req.url).origin]);
  const publicUrl = c.get("settings").publicUrl;
  if (publicUrl !== null) {
    own.add(new URL(publicUrl).origin);
  }
  const origin = c.req.header("origin") ?? refererOrigin(c.req.header("referer"));
  return origin !== null && own.has(origin);
}

/**
 * A posted form, read with the API's 64 KiB cap. The pages only send URL-encoded forms; anything else
 * is refused (null).
 */
export async function readForm(request: Request): Promise<URLSearchParams | null> {
  if (!(request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
    return null;
  }
  return new URLSearchParams(await readCappedText(request, { maxBytes: BODY_LIMIT_BYTES }));
}

/**
 * A wrong admin token at the sign-in form, counted like a wrong bearer token on the API: 401, or
 * 429 with `Retry-After` once this client sent too many in a minute.
 */
export async function wrongTokenAtSignIn(c: Context<AppEnv>, page: (notice: string) => Child): Promise<Response> {
  const refused = await refuseWrongToken(c.env, clientAddress(c));
  if (refused.status !== 429) {
    return pageResponse(401, page("That is not the admin token."));
  }
  const wait = refused.headers.get("retry-after") ?? "60";
  const response = pageResponse(429, page(`Too many wrong tokens from here; try again after ${wait} s.`));
  response.headers.set("retry-after", wait);
  return response;
}

export async function validCsrf(session: Session, form: URLSearchParams): Promise<boolean> {
  const token = form.get("_csrf");
  return typeof token === "string" && (await constantTimeEqual(token, session.csrfToken));
}

export function forbidden(text: string): Response {
  return new Response(
    `<!doctype html><title>Refused · edgepost</title><main><h1>Refused</h1><p>${text}</p><p><a href="/">Back to edgepost</a></p></main>`,
    {
      status: 403,
      headers: PAGE_HEADERS,
    },
  );
}

function refererOrigin(referer: string | undefined): string | null {
  try {
    return referer === undefined ? null : new URL(referer).origin;
  } catch {
    return null;
  }
}
