/**
 * The messages a page shows after a redirect, chosen by a short code in the query string
 * (`?notice=handler-saved`), so that no text travels in URLs and reloading the page repeats nothing.
 * @module
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/context.ts";
import type { Notice } from "../views/components.tsx";

const NOTICES: Readonly<Record<string, Notice>> = {
  "credential-created": {
    kind: "ok",
    text: "Credentials saved. Copy the Redirect URI into Azure, then authorize a mailbox.",
  },
  "credential-saved": { kind: "ok", text: "Credentials saved." },
  "credential-deleted": { kind: "ok", text: "Credentials deleted." },
  "token-ok": { kind: "ok", text: "The account's token was refreshed: Microsoft still accepts it." },
  "account-deleted": { kind: "ok", text: "Account disconnected and its tokens erased." },
  "handler-created": { kind: "ok", text: "Handler created. It runs at the next minute, or press Run now." },
  "handler-saved": { kind: "ok", text: "Handler saved." },
  "handler-deleted": { kind: "ok", text: "Handler deleted." },
};

/** The notice a page's `?notice=` code names, or null. */
export function noticeOf(c: Context<AppEnv>): Notice | null {
  const code = c.req.query("notice") ?? "";
  return Object.hasOwn(NOTICES, code) ? (NOTICES[code] ?? null) : null;
}
