/**
 * The access objects: one instance for API keys, one for admin sessions, one for failed sign-ins.
 * Each is a single object, which serves an admin API's traffic with room to spare (an object handles
 * about a thousand requests a second); only requests with an API key, admin page views and wrong
 * tokens reach them, never requests with `ADMIN_TOKEN`.
 * @module
 */
import type { Env } from "../env.ts";
import type { AccessObject } from "../objects/access-object.ts";

export type AccessPurpose = "api-keys" | "sessions" | "failed-attempts";

export function accessObject(env: Env, purpose: AccessPurpose): DurableObjectStub<AccessObject> {
  return env.ACCESS.getByName(purpose);
}
