/**
 * The admin pages at `/`: sign-in and the overview, then credentials, accounts, handlers and alerts, each
 * section in its own route module. Every page needs a session; every form post must come from these
 * pages (same origin, the session's CSRF token), see `page-actions.ts`. Pages act through the API in
 * process (`internal-api.ts`).
 * @module
 */
import { Hono } from "hono";
import { accountPages } from "./account-pages.ts";
import { alertPages } from "./alert-pages.ts";
import { credentialPages } from "./credential-pages.ts";
import { handlerPages } from "./handler-pages.ts";
import { homePages } from "./home-pages.ts";
import type { AppEnv } from "../http/context.ts";

export const adminPages = new Hono<AppEnv>();

adminPages.route("/", homePages);
adminPages.route("/credentials", credentialPages);
adminPages.route("/accounts", accountPages);
adminPages.route("/handlers", handlerPages);
adminPages.route("/alerts", alertPages);
