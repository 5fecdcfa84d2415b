/**
 * Middleware every request passes: settings first (a broken configuration answers 500 everywhere),
 * then bearer authentication on `/api/*`.
 * @module
 */
import { constantTimeEqual } from "../../core/crypto/constant-time.ts";
import { ConfigError } from "../../core/config-error.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { loadSettings } from "../settings.ts";
import { problem, problemResponse } from "./problem.ts";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";

const reportedConfigErrors = new Set<string>();

export const requireSettings: MiddlewareHandler<AppEnv> = async (c, next) => {
  try {
    c.set("settings", await loadSettings(c.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    if (!reportedConfigErrors.has(error.message)) {
      reportedConfigErrors.add(error.message);
      CONSOLE_LOGGER.error("config.invalid", { setting: error.setting, problem: error.message });
    }
    return problemResponse(problem("misconfigured", error.message));
  }
  return next();
};

const BEARER = /^bearer\s+(\S+)\s*$/i;

/** `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export const requireAdminToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  const match = BEARER.exec(c.req.header("authorization") ?? "");
  const token = match?.[1];
  if (token === undefined) {
    return unauthorized("This route needs Authorization: Bearer <ADMIN_TOKEN>", 'Bearer realm="edgepost"');
  }
  if (!(await constantTimeEqual(token, c.get("settings").adminToken))) {
    return unauthorized("The bearer token is not valid", 'Bearer realm="edgepost", error="invalid_token"');
  }
  return next();
};

function unauthorized(detail: string, challenge: string): Response {
  return problemResponse(problem("unauthorized", detail), { "www-authenticate": challenge });
}
