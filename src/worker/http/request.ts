/**
 * Helpers routes use to read a request.
 * @module
 */
import { isLoopbackHostname } from "../../core/microsoft/endpoints.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { BODY_LIMIT_BYTES, readJsonBody } from "./json-body.ts";
import { problem, ProblemError } from "./problem.ts";
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

let warnedAboutPublicUrl = false;

/**
 * The redirect URI a sign-in may use. Without `PUBLIC_URL` it would follow the request's `Host`, so
 * it is used only where that host cannot be an arbitrary one: a loopback address, the deployment's
 * own `*.workers.dev` address, or a development setup (`ALLOW_HTTP_LOOPBACK`). Anywhere else the
 * sign-in is refused with a 409 that says to set `PUBLIC_URL` (which deploying requires).
 */
export function trustedRedirectUri(c: Context<AppEnv>): string {
  const settings = c.get("settings");
  if (settings.publicUrl !== null) {
    return redirectUriFor(c);
  }
  const { hostname } = new URL(c.req.url);
  if (!warnedAboutPublicUrl) {
    warnedAboutPublicUrl = true;
    CONSOLE_LOGGER.warn("config.public_url_missing", { host: hostname });
  }
  if (isLoopbackHostname(hostname) || hostname.endsWith(".workers.dev") || settings.endpointPolicy.allowHttpLoopback) {
    return redirectUriFor(c);
  }
  throw new ProblemError(
    problem(
      "conflict",
      `PUBLIC_URL is not set, and edgepost does not build its redirect URI from the host of a request (${hostname}); set PUBLIC_URL to the address Azure redirects to, such as https://edgepost.example.com`,
    ),
  );
}

/** An ISO 8601 UTC timestamp for now. */
export function nowIso(): string {
  return new Date().toISOString();
}
