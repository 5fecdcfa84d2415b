/**
 * Who is calling the API, and whether they may: `Authorization: Bearer <ADMIN_TOKEN>` may do
 * everything; an API key only what its scopes name (403 otherwise). A wrong token is answered 401,
 * and after `FAILED_ATTEMPT_BUDGET` wrong tokens a minute from one client (by `CF-Connecting-IP`,
 * which Cloudflare sets and clients cannot) 429 with `Retry-After`. A missing token is never counted,
 * and the right token keeps working for a limited client: the admin token is compared first, without
 * any storage, and keys are looked up before anything is counted.
 * @module
 */
import { hashApiKey, keyPermits, looksLikeApiKey } from "../../core/access/api-keys.ts";
import { constantTimeEqual } from "../../core/crypto/constant-time.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { accessObject } from "../stores/access.ts";
import { problem, problemResponse } from "./problem.ts";
import type { Context, MiddlewareHandler } from "hono";
import type { Env } from "../env.ts";
import type { AppEnv, Principal } from "./context.ts";

/** Wrong tokens one client may send per minute before it is answered 429. */
export const FAILED_ATTEMPT_BUDGET = { limit: 20, windowMs: 60 * 1000 } as const;

const BEARER = /^bearer\s+(\S+)\s*$/i;

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
  if (token === undefined) {
    return unauthorized(
      "This route needs Authorization: Bearer <ADMIN_TOKEN> or an API key",
      'Bearer realm="edgepost"',
    );
  }
  const principal = await principalFor(c, token);
  if (principal === null) {
    return refuseWrongToken(c.env, clientAddress(c));
  }
  if (principal.kind === "key" && !keyPermits(principal.scopes, { method: c.req.method, path: c.req.path })) {
    return problemResponse(
      problem(
        "forbidden",
        `API key ${principal.id} may not ${c.req.method} ${c.req.path}; its scopes are ${principal.scopes.join(", ")}. Keys cannot manage keys, credentials, accounts, handlers or alerts: only ADMIN_TOKEN can.`,
      ),
    );
  }
  c.set("principal", principal);
  return next();
};

/** The client's address as Cloudflare saw it; `unknown` where no Cloudflare edge set it (local runs). */
export function clientAddress(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip") ?? "unknown";
}

/** Counts a wrong token from `client` and answers 401, or 429 once the client is past its budget. */
export async function refuseWrongToken(env: Env, client: string): Promise<Response> {
  const verdict = await accessObject(env, "failed-attempts").recordFailedAttempt(client, FAILED_ATTEMPT_BUDGET);
  if (verdict.limited) {
    CONSOLE_LOGGER.warn("auth.limited", { client, retryAfterSeconds: verdict.retryAfterSeconds });
    return problemResponse(
      problem(
        "tooManyRequests",
        `Too many wrong tokens from this client; try again after ${verdict.retryAfterSeconds} s`,
      ),
      { "retry-after": String(verdict.retryAfterSeconds) },
    );
  }
  return unauthorized("The bearer token is not valid", 'Bearer realm="edgepost", error="invalid_token"');
}

async function principalFor(c: Context<AppEnv>, token: string): Promise<Principal | null> {
  if (await constantTimeEqual(token, c.get("settings").adminToken)) {
    return { kind: "admin" };
  }
  if (!looksLikeApiKey(token)) {
    return null;
  }
  const key = await accessObject(c.env, "api-keys").useKey(await hashApiKey(token));
  return key === null ? null : { kind: "key", id: key.id, scopes: key.scopes };
}

function unauthorized(detail: string, challenge: string): Response {
  return problemResponse(problem("unauthorized", detail), { "www-authenticate": challenge });
}

/** Headers on every API answer: HTTPS only from now on, never cached, never sniffed as another type. */
export const apiResponseHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.res.headers.set("strict-transport-security", "max-age=63072000; includeSubDomains");
  c.res.headers.set("cache-control", "no-store");
  c.res.headers.set("x-content-type-options", "nosniff");
};

/** The caller as a log field: `admin` or the key's id. */
export function describePrincipal(principal: Principal): string {
  return principal.kind === "admin" ? "admin" : principal.id;
}
