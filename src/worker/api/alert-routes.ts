/**
 * `/api/alerts`: where edgepost tells a human that something needs them (`docs/api.md`, "Checks and
 * alerts"), what needs them now, and the alerts sent lately. Writing needs `ADMIN_TOKEN`; a `read` key
 * may look (nothing here is secret: the token is write-only).
 * @module
 */
import { Hono } from "hono";
import * as z from "../../core/zod.ts";
import { parseAlertSettings } from "../../core/alerts/alert-settings.ts";
import { parseInput } from "../../core/validation.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { problem, ProblemError } from "../http/problem.ts";
import { jsonBody } from "../http/request.ts";
import { alertsObject } from "../stores/alerts.ts";
import type { AppEnv } from "../http/context.ts";

export const alertRoutes = new Hono<AppEnv>();

/** How many of the latest alerts one request may ask for (the object keeps 100 after delivery). */
const RECENT_LIMIT_MAX = 100;
const recentQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.multipleOf(1), z.minimum(1), z.maximum(RECENT_LIMIT_MAX)), 20),
});

alertRoutes.get("/", async (c) => c.json(await alertsObject(c.env).settings()));

alertRoutes.put("/", async (c) => {
  const stub = alertsObject(c.env);
  const input = parseAlertSettings(await jsonBody(c), await stub.settings(), {
    allowHttpLoopback: c.get("settings").endpointPolicy.allowHttpLoopback,
  });
  const view = await stub.saveSettings(input);
  CONSOLE_LOGGER.info("alerts.settings_saved", { enabled: view.webhookUrl !== null, events: view.events.length });
  return c.json(view);
});

/** What needs a person now: the conditions that hold, each with its subject, words and fix. */
alertRoutes.get("/active", async (c) => c.json({ items: await alertsObject(c.env).attention() }));

/** The latest alerts, newest first, with their delivery state. */
alertRoutes.get("/deliveries", async (c) => {
  const { limit } = parseInput(recentQuery, c.req.query());
  return c.json({ items: await alertsObject(c.env).recent(limit) });
});

/** Posts a test alert (`"test": true`) now and answers how the webhook took it. */
alertRoutes.post("/test", async (c) => {
  const result = await alertsObject(c.env).sendTest();
  if (!result.sent) {
    throw new ProblemError(problem("conflict", "No alert webhook is set: PUT /api/alerts with a webhookUrl first"));
  }
  return c.json(result.delivery);
});
