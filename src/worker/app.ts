/**
 * The HTTP surface: health, the OAuth redirect URI, Microsoft Graph's change notifications under
 * `/graph`, the admin API under `/api`, the admin pages, and problem+json for every API error.
 * @module
 */
import { Hono } from "hono";
import { adminPages } from "./admin/admin-app.ts";
import { api } from "./api/api-app.ts";
import { handleError, handleNotFound } from "./http/error-handler.ts";
import { requireSettings } from "./http/middleware.ts";
import { ASSETS } from "./views/assets.ts";
import { oauthCallbackRoutes } from "./oauth/callback-routes.ts";
import { notificationRoutes } from "./push/notification-routes.ts";
import type { AppEnv } from "./http/context.ts";

export const app = new Hono<AppEnv>();

// Mounted before the settings check: Microsoft's calls are answered (never with a 5xx) whatever else
// is wrong, and need no session or bearer.
app.route("/graph", notificationRoutes);
app.use("*", requireSettings);
app.get("/healthz", (c) => c.json({ ok: true }));
app.get("/assets/:name", (c) => {
  const name = c.req.param("name");
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (asset === undefined) {
    return handleNotFound(c);
  }
  c.header("content-type", asset.contentType);
  c.header("cache-control", "public, max-age=3600");
  c.header("x-content-type-options", "nosniff");
  return c.body(asset.body);
});
app.route("/oauth", oauthCallbackRoutes);
app.route("/api", api);
app.route("/", adminPages);

app.notFound(handleNotFound);
app.onError(handleError);
