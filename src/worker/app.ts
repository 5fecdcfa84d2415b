/**
 * The HTTP surface: health, the OAuth redirect URI, the admin API under `/api`, and problem+json for
 * every error.
 * @module
 */
import { Hono } from "hono";
import { handleError, handleNotFound } from "./http/errors.ts";
import { requireAdminToken, requireSettings } from "./http/middleware.ts";
import { STYLESHEET_PATH } from "./pages/document.tsx";
import { STYLESHEET } from "./pages/stylesheet.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { credentialRoutes } from "./routes/credentials.ts";
import { handlerRoutes } from "./routes/handlers.ts";
import { maintenanceRoutes } from "./routes/maintenance.ts";
import { oauthCallbackRoutes } from "./routes/oauth-callback.tsx";
import type { AppEnv } from "./http/context.ts";

export const app = new Hono<AppEnv>();

app.use("*", requireSettings);
app.get("/healthz", (c) => c.json({ ok: true }));
app.get(STYLESHEET_PATH, (c) => {
  c.header("cache-control", "public, max-age=3600");
  c.header("content-type", "text/css; charset=utf-8");
  return c.body(STYLESHEET);
});
app.route("/oauth", oauthCallbackRoutes);

app.use("/api/*", requireAdminToken);
app.route("/api/credentials", credentialRoutes);
app.route("/api/accounts", accountRoutes);
app.route("/api/handlers", handlerRoutes);
app.route("/api/maintenance", maintenanceRoutes);

app.notFound(handleNotFound);
app.onError(handleError);
