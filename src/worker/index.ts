/**
 * The Worker's entry point.
 * @module
 */
import { app } from "./app.ts";
import { runScheduled } from "./scheduled.ts";
import type { Env } from "./env.ts";

export { AccessObject } from "./objects/access-object.ts";
export { AlertsObject } from "./objects/alerts-object.ts";
export { AccountObject } from "./objects/account-object.ts";
export { Directory } from "./objects/directory-object.ts";
export { HandlerObject } from "./objects/handler-object.ts";
export { MailboxBudget } from "./objects/mailbox-budget-object.ts";

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx): void {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
