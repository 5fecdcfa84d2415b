/**
 * The handler form: one descriptor per setting of `src/core/handlers/handler.ts`, in the order shown.
 * The type requires one for every setting, so a new setting cannot be forgotten here.
 * @module
 */
import { HANDLER_DEFAULTS } from "../../core/handlers/handler.ts";
import { valuesOf } from "./form-spec.ts";
import type { HandlerConfig } from "../../core/handlers/handler.ts";
import type { FormSpec, FormValues } from "./form-spec.ts";

export const HANDLER_FORM = {
  name: { label: "Name", kind: "text", required: true },
  accountId: { label: "Account", kind: "select" },
  mailbox: {
    label: "Mailbox",
    kind: "text",
    omitWhenEmpty: true,
    hint: '"me" for the account\'s own mailbox, or a shared mailbox address.',
  },
  folder: {
    label: "Folder",
    kind: "text",
    omitWhenEmpty: true,
    hint: "A well-known name (inbox), a folder id, or a path such as Inbox/Support.",
  },
  onlyUnread: { label: "Only unread mail", kind: "checkbox" },
  afterProcessing: {
    label: "After delivery",
    kind: "select",
    options: [
      ["markRead", "Mark read"],
      ["move", "Move to a folder"],
      ["none", "Leave as is"],
    ],
  },
  moveToFolder: {
    label: "Move to folder",
    kind: "text",
    onlyWhen: { field: "afterProcessing", value: "move" },
    hint: 'Only with "Move to a folder".',
  },
  webhookUrl: { label: "Jira Automation webhook URL", kind: "url", required: true },
  webhookToken: {
    label: "Webhook secret",
    kind: "password",
    autocomplete: "new-password",
    hint: "Sent as X-Automation-Webhook-Token.",
    editHint: "Leave empty to keep the stored secret; edgepost never shows it.",
    removeLabel: "Remove the stored secret",
  },
  pollIntervalMinutes: { label: "Poll every (minutes)", kind: "number" },
  includeAttachments: { label: "Include attachments", kind: "checkbox" },
  maxAttachmentBytes: { label: "Attachment bytes per message", kind: "number" },
  skipAutoReplies: { label: "Skip automatic mail (the kinds ticked below)", kind: "checkbox" },
  skipRules: {
    label: "Automatic mail to skip",
    kind: "checkboxes",
    options: [
      ["own_mail", "Mail edgepost sent itself"],
      ["auto_submitted", "Mail marked as sent automatically (Auto-Submitted)"],
      ["auto_reply", "Out-of-office and other automatic replies"],
      ["delivery_report", "Delivery reports and bounces"],
      ["bulk", "Bulk and mailing-list mail"],
    ],
  },
  afterProcessingSkipped: {
    label: "Skipped mail",
    kind: "select",
    options: [
      ["none", "Leave it unread where it is"],
      ["same", "Mark it read or move it, like delivered mail"],
    ],
  },
  retentionDays: {
    label: "Keep message details for (days)",
    kind: "number",
    hint: "The activity shows a message's subject and sender this long; after that edgepost keeps only what stops it from posting the message twice.",
  },
  enabled: { label: "Enabled", kind: "checkbox" },
  push: {
    label: "Change notifications",
    kind: "select",
    options: [
      ["auto", "Push: Microsoft tells edgepost about new mail at once (polling stays on)"],
      ["off", "Off: poll only"],
    ],
    hint: "Needs PUBLIC_URL set to the Worker's https address; not offered for shared mailboxes.",
  },
} as const satisfies FormSpec<keyof HandlerConfig | "webhookToken">;

/** A new handler's form: the schema's defaults, the first account chosen. */
export function newHandlerValues(accountId: string): FormValues {
  return { ...valuesOf(HANDLER_FORM, HANDLER_DEFAULTS), accountId };
}
