/**
 * Middleware every request passes: settings first, so a broken configuration answers 500 everywhere
 * (authentication of `/api/*` is in `api-auth.ts`).
 * @module
 */
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
