/**
 * The Alerts form: one descriptor per field of `PUT /api/alerts` (`src/core/alerts/alert-settings.ts`).
 * @module
 */
import { ALERT_EVENTS } from "../../core/alerts/alert-rules.ts";
import type { AlertSettingsInput } from "../../core/alerts/alert-settings.ts";
import type { FormSpec } from "./form-spec.ts";

export const ALERT_FORM = {
  webhookUrl: {
    label: "Alert webhook URL",
    kind: "url",
    hint: "Where edgepost posts alerts: a chat's incoming webhook (it shows the alert's text) or your own endpoint. Empty: no alerts are sent.",
  },
  webhookToken: {
    label: "Alert webhook token",
    kind: "password",
    autocomplete: "new-password",
    hint: "Optional; sent as the X-Edgepost-Alert-Token header.",
    editHint: "Leave empty to keep the stored token. edgepost never shows it.",
    removeLabel: "Remove the stored token",
  },
  events: {
    label: "Events to send",
    kind: "checkboxes",
    options: ALERT_EVENTS.map((event) => [event, event] as const),
  },
} as const satisfies FormSpec<keyof AlertSettingsInput>;
