/**
 * The Hono environment shared by every route: bindings plus the parsed settings.
 * @module
 */
import type { Env } from "../env.ts";
import type { Settings } from "../settings.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: { settings: Settings };
}
