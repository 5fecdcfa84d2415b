/**
 * `/api/keys`: API keys for scripts and Jira rules (`src/core/access/api-keys.ts`). Only
 * `ADMIN_TOKEN` reaches these routes: no scope of a key permits them.
 * @module
 */
import { Hono } from "hono";
import { newApiKey, parseApiKeyCreate } from "../../core/access/api-keys.ts";
import { isId, newId } from "../../core/ids.ts";
import { pageOf, parsePageQuery } from "../../core/pagination.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { notFound } from "../http/error-handler.ts";
import { jsonBody } from "../http/request.ts";
import { accessObject } from "../stores/access.ts";
import type { AppEnv } from "../http/context.ts";

export const keyRoutes = new Hono<AppEnv>();

keyRoutes.post("/", async (c) => {
  const fields = await parseApiKeyCreate(
    await jsonBody(c),
    async (accountId) => (await c.env.ACCOUNTS.getByName(accountId).view()) !== null,
  );
  const id = newId("apiKey");
  const { key, hash } = await newApiKey();
  const view = await accessObject(c.env, "api-keys").createKey({ id, name: fields.name, scopes: fields.scopes, hash });
  CONSOLE_LOGGER.info("api_key.created", { keyId: id, scopes: fields.scopes.join(" ") });
  c.header("location", `/api/keys/${id}`);
  const { lastUsedAt: _never, ...created } = view;
  return c.json({ ...created, key }, 201);
});

keyRoutes.get("/", async (c) => {
  const request = parsePageQuery(c.req.query());
  const items = await accessObject(c.env, "api-keys").listKeys(request);
  return c.json(
    pageOf(items, request, {
      position: (item) => ({ sortKey: item.createdAt, id: item.id }),
      sourceFull: items.length === request.limit,
    }),
  );
});

keyRoutes.delete("/:id", async (c) => {
  const id = c.req.param("id");
  if (!isId("apiKey", id) || !(await accessObject(c.env, "api-keys").deleteKey(id))) {
    throw notFound("API key", id);
  }
  CONSOLE_LOGGER.info("api_key.deleted", { keyId: id });
  return c.body(null, 204);
});
