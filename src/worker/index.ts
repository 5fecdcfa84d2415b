/**
 * The Worker's entry point.
 * @module
 */
import { app } from "./app.ts";
import type { Env } from "./env.ts";

export { AccountObject } from "./objects/account-object.ts";
export { Directory } from "./objects/directory.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
