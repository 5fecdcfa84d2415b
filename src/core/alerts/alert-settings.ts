/**
 * Where alerts go: the webhook URL (a handler webhook's rules, `webhookUrlSchema`, checked again on every
 * post by the egress wrapper), its write-only token, and which events are sent.
 * @module
 */
import * as z from "../zod.ts";
import { webhookUrlSchema } from "../handlers/handler.ts";
import { parseInput } from "../validation.ts";
import { ALERT_EVENTS } from "./alert-rules.ts";
import type { AlertEvent } from "./alert-rules.ts";

const WEBHOOK_TOKEN_MAX = 1024;

/** The settings as `GET /api/alerts` shows them: the token is write-only. */
export interface AlertSettingsView {
  webhookUrl: string | null;
  webhookTokenSet: boolean;
  events: AlertEvent[];
}

/** The body of `PUT /api/alerts`, validated; `webhookToken` in plain text (undefined: keep the stored one). */
export interface AlertSettingsInput {
  webhookUrl: string | null;
  webhookToken: string | null | undefined;
  events: AlertEvent[];
}

function settingsSchema(options: { allowHttpLoopback: boolean }) {
  return z.strictObject({
    webhookUrl: z.nullable(webhookUrlSchema(options)),
    webhookToken: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(WEBHOOK_TOKEN_MAX)))),
    events: z._default(
      z
        .array(z.enum(ALERT_EVENTS as [AlertEvent, ...AlertEvent[]]))
        .check(
          z.refine((events) => new Set(events).size === events.length, { message: "must not name an event twice" }),
        ),
      () => [...ALERT_EVENTS],
    ),
  });
}

/**
 * Validates `PUT /api/alerts` against the stored settings. A token meant for one receiver is never sent
 * to another: a URL on a new origin without a new token drops the stored one (as for handlers).
 */
export function parseAlertSettings(
  input: unknown,
  current: { webhookUrl: string | null },
  options: { allowHttpLoopback: boolean },
): AlertSettingsInput {
  const parsed = parseInput(settingsSchema(options), input);
  const movedElsewhere = originOf(parsed.webhookUrl) !== originOf(current.webhookUrl);
  const keepToken = parsed.webhookToken === undefined && !movedElsewhere && parsed.webhookUrl !== null;
  return {
    webhookUrl: parsed.webhookUrl,
    webhookToken: keepToken ? undefined : parsed.webhookUrl === null ? null : (parsed.webhookToken ?? null),
    events: parsed.events,
  };
}

function originOf(url: string | null): string | null {
  return url === null ? null : new URL(url).origin;
}
