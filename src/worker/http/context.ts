/**
 * The Hono environment shared by every route: bindings, the parsed settings and, on API routes, the caller.
 * @module
 */
import type { Env } from "../env.ts";
import type { Settings } from "../settings.ts";

/** Who called the API: the administrator (`ADMIN_TOKEN`) or an API key with its scopes. */
export type Principal = { kind: "admin" } | { kind: "key"; id: string; scopes: string[] };

export interface AppEnv {
  Bindings: Env;
  /** `principal` is set on API routes once the caller is authenticated. */
  Variables: { settings: Settings; principal: Principal };
}
