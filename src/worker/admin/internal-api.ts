/**
 * The admin pages act through the API itself, in process: the same validation, the same problems, one
 * implementation. Calls carry ADMIN_TOKEN, since a signed-in session stands for it.
 * @module
 */
import { api } from "../api/api-app.ts";
import type { Context } from "hono";
import type { AppEnv } from "../http/context.ts";
import type { Problem } from "../http/problem.ts";

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; problem: Problem };

export async function callApi<T>(
  c: Context<AppEnv>,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${c.get("settings").adminToken}` };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
  }
  const response = await api.fetch(
    new Request(new URL(path, c.req.url), {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    c.env,
  );
  const text = await response.text();
  const json: unknown = text === "" ? undefined : JSON.parse(text);
  return response.ok
    ? { ok: true, status: response.status, data: json as T }
    : { ok: false, status: response.status, problem: json as Problem };
}

/** Saves a form's body as a new record of `collection` (POST), or as a change of `existing` (PATCH). */
export function saveRecord<T>(
  c: Context<AppEnv>,
  collection: "/credentials" | "/handlers",
  existing: { id: string } | null,
  body: Record<string, unknown>,
): Promise<ApiResult<T>> {
  return existing === null
    ? callApi<T>(c, "POST", collection, body)
    : callApi<T>(c, "PATCH", `${collection}/${existing.id}`, body);
}

/** The data of a call that must succeed for the page to make sense. */
export async function fetchApi<T>(c: Context<AppEnv>, path: string): Promise<T | null> {
  const result = await callApi<T>(c, "GET", path);
  return result.ok ? result.data : null;
}
