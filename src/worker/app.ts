/**
 * The HTTP surface: health, the admin API under `/api`, and problem+json for every error.
 * @module
 */
import { Hono } from "hono";
import { handleError, handleNotFound } from "./http/errors.ts";
import { requireAdminToken, requireSettings } from "./http/middleware.ts";
import { credentialRoutes } from "./routes/credentials.ts";
import { maintenanceRoutes } from "./routes/maintenance.ts";
import type { AppEnv } from "./http/context.ts";

export const app = new Hono<AppEnv>();

app.use("*", requireSettings);
app.get("/healthz", (c) => c.json({ ok: true }));

app.use("/api/*", requireAdminToken);
app.route("/api/credentials", credentialRoutes);
app.route("/api/maintenance", maintenanceRoutes);

app.notFound(handleNotFound);
app.onError(handleError);
