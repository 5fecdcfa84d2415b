/**
 * Recognising mail that must not become a Jira issue: out-of-office and other automatic replies,
 * delivery reports, bulk and list mail, and what edgepost itself sent (RFC 3834, RFC 3464 and the
 * headers Exchange and list servers add).
 * @module
 */
import { headerValue } from "./message.ts";
import type { MailMessage } from "./message.ts";

/** The header edgepost puts on mail it sends, so that ingestion can recognise its own mail. */
export const SENT_BY_EDGEPOST_HEADER = "X-Edgepost-Sent";

export type SkipReason = "auto_submitted" | "auto_reply" | "delivery_report" | "bulk" | "own_mail";

const BULK_PRECEDENCE = new Set(["bulk", "junk", "list"]);
const REPORT_SENDERS = /^(mailer-daemon|postmaster|microsoftexchange[0-9a-f]*)@/i;

export function autoReplyReason(message: Pick<MailMessage, "headers" | "from">): SkipReason | null {
  if (headerValue(message, SENT_BY_EDGEPOST_HEADER) !== null) {
    return "own_mail";
  }
  const autoSubmitted = headerValue(message, "Auto-Submitted");
  if (autoSubmitted !== null && autoSubmitted.split(";")[0]?.trim().toLowerCase() !== "no") {
    return "auto_submitted";
  }
  if (headerValue(message, "X-Autoreply") !== null || headerValue(message, "X-Autorespond") !== null) {
    return "auto_reply";
  }
  const contentType = headerValue(message, "Content-Type") ?? "";
  if (
    /multipart\/report/i.test(contentType) ||
    headerValue(message, "X-MS-Exchange-Message-Is-Ndr") !== null ||
    REPORT_SENDERS.test(message.from?.address ?? "")
  ) {
    return "delivery_report";
  }
  const precedence = headerValue(message, "Precedence")?.toLowerCase();
  if (precedence !== undefined && BULK_PRECEDENCE.has(precedence)) {
    return "bulk";
  }
  return null;
}
