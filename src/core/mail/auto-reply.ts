/**
 * The rules that keep mail from becoming a Jira issue: out-of-office and other automatic replies
 * (RFC 3834), delivery reports (RFC 3464, Exchange's NDR header), bulk and list mail, and what edgepost
 * itself sent (recognised by its signed marker, `sent-marker.ts`, never by a header anyone can write).
 * Each rule can be switched off on its own; skipped mail stays visible (listed in the handler's
 * activity and, by default, left unread in place), so a rule never hides mail from a person.
 * @module
 */
import { headerValue } from "./message.ts";
import type { MailMessage } from "./message.ts";

/** Every rule, in the order they are checked; a handler applies all of them unless told otherwise. */
export const RULE_REASONS = ["own_mail", "auto_submitted", "auto_reply", "delivery_report", "bulk"] as const;

export type RuleReason = (typeof RULE_REASONS)[number];

const BULK_PRECEDENCE = new Set(["bulk", "junk", "list"]);

/**
 * The first of `rules` that the message matches, or null. `ownMail` says whether the message carries
 * a valid marker of this deployment (checked by the caller, asynchronously).
 */
export function ruleReason(
  message: Pick<MailMessage, "headers">,
  options: { rules: ReadonlySet<RuleReason>; ownMail: boolean },
): RuleReason | null {
  const matches: Record<RuleReason, () => boolean> = {
    own_mail: () => options.ownMail,
    auto_submitted: () => {
      const value = headerValue(message, "Auto-Submitted");
      return value !== null && value.split(";")[0]?.trim().toLowerCase() !== "no";
    },
    auto_reply: () => headerValue(message, "X-Autoreply") !== null || headerValue(message, "X-Autorespond") !== null,
    delivery_report: () =>
      /multipart\/report/i.test(headerValue(message, "Content-Type") ?? "") ||
      headerValue(message, "X-MS-Exchange-Message-Is-Ndr") !== null,
    bulk: () => BULK_PRECEDENCE.has(headerValue(message, "Precedence")?.toLowerCase() ?? ""),
  };
  return RULE_REASONS.find((reason) => options.rules.has(reason) && matches[reason]()) ?? null;
}
