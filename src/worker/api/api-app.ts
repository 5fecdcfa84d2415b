/**
 * The admin API under `/api`: bearer-authenticated JSON routes (`ADMIN_TOKEN`, or an API key within
 * its scopes). The admin pages use the same routes internally, so every rule lives in one place.
 * @module
 */
import { Hono } from "hono";
import { handleError, handleNotFound } from "../http/error-handler.ts";
import { apiResponseHeaders, authenticate } from "../http/api-auth.ts";
import { requireSettings } from "../http/middleware.ts";
import { accountRoutes } from "./account-routes.ts";
import { alertRoutes } from "./alert-routes.ts";
import { credentialRoutes } from "./credential-routes.ts";
import { handlerRoutes } from "./handler-routes.ts";
import { keyRoutes } from "./key-routes.ts";
import { maintenanceRoutes } from "./maintenance-routes.ts";
import type { AppEnv } from "../http/context.ts";

export const api = new Hono<AppEnv>();

api.use("*", apiResponseHeaders, requireSettings, authenticate);
api.route("/credentials", credentialRoutes);
api.route("/accounts", accountRoutes);
api.route("/handlers", handlerRoutes);
api.route("/maintenance", maintenanceRoutes);
api.route("/keys", keyRoutes);
api.route("/alerts", alertRoutes);

api.notFound(handleNotFound);
api.onError(handleError);
