/**
 * A secret typed into a form that comes back (a validation error, "Fill in the endpoints", "Show
 * folders") is kept without ever being written into the page: the password field stays empty, and a
 * hidden field carries the secret sealed with the first key of ENCRYPTION_KEYS, bound to the session's
 * CSRF token and to the field, valid for 30 minutes. Posting the form again with the field still empty
 * uses the kept secret; typing a new one replaces it. The page says that it was kept.
 * @module
 */
import { openSecret, sealSecret } from "../../core/crypto/secret-box.ts";
import type { Context } from "hono";
import type { AppEnv } from "../http/context.ts";
import type { AdminFrame } from "../views/components.tsx";
import type { FormSpec } from "./form-spec.ts";

/** Long enough to fix a form, short enough that a copied page is soon useless. */
const KEPT_SECRET_LIFETIME_MS = 30 * 60 * 1000;

/** The hidden field that carries a kept secret. */
export function keptFieldName(name: string): string {
  return `${name}:kept`;
}

/** Sealed copies of the secrets typed into `form`, by field name, for hidden fields of the page that comes back. */
export async function keepSecrets(
  c: Context<AppEnv>,
  frame: AdminFrame,
  spec: FormSpec,
  form: URLSearchParams,
): Promise<Record<string, string>> {
  const kept: Record<string, string> = {};
  for (const name of secretFields(spec)) {
    const value = form.get(name) ?? "";
    if (value !== "") {
      const envelope = JSON.stringify({ value, expiresAt: Date.now() + KEPT_SECRET_LIFETIME_MS });
      kept[name] = await sealSecret(c.get("settings").keyRing, envelope, context(frame, name));
    }
  }
  return kept;
}

/** The form with every empty secret field filled from its kept copy, when that copy is genuine and fresh. */
export async function withKeptSecrets(
  c: Context<AppEnv>,
  frame: AdminFrame,
  spec: FormSpec,
  form: URLSearchParams,
): Promise<URLSearchParams> {
  const restored = new URLSearchParams(form);
  for (const name of secretFields(spec)) {
    const sealed = form.get(keptFieldName(name));
    restored.delete(keptFieldName(name));
    if ((form.get(name) ?? "") !== "" || sealed === null) {
      continue;
    }
    const value = await openKept(c, frame, name, sealed);
    if (value !== null) {
      restored.set(name, value);
    }
  }
  return restored;
}

async function openKept(c: Context<AppEnv>, frame: AdminFrame, name: string, sealed: string): Promise<string | null> {
  try {
    const envelope = JSON.parse(await openSecret(c.get("settings").keyRing, sealed, context(frame, name))) as {
      value?: unknown;
      expiresAt?: unknown;
    };
    return typeof envelope.value === "string" &&
      typeof envelope.expiresAt === "number" &&
      envelope.expiresAt > Date.now()
      ? envelope.value
      : null;
  } catch {
    // Tampered, from another session, or sealed with a key since removed: as if nothing was kept.
    return null;
  }
}

function secretFields(spec: FormSpec): string[] {
  return Object.entries(spec)
    .filter(([, field]) => field.kind === "password")
    .map(([name]) => name);
}

function context(frame: AdminFrame, field: string): { record: string; field: string } {
  return { record: `admin-form:${frame.csrfToken}`, field };
}
