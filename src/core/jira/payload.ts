/**
 * The body edgepost posts to a Jira Automation incoming webhook (`docs/api.md`, "The webhook
 * request"): `issues` for the rule to act on, everything about the message under `data`.
 * @module
 */
import { headerValue } from "../mail/message.ts";
import { issueKeysIn } from "./issue-keys.ts";
import type { MailMessage } from "../mail/message.ts";

export interface PayloadAttachment {
  name: string;
  contentType: string | null;
  size: number;
  isInline: boolean;
  contentId: string | null;
  contentBase64?: string;
  /** Why the bytes are missing: past `maxAttachmentBytes`, or not a file (a link or an attached item). */
  omitted?: "too_large" | "not_a_file";
}

/** The message as posted: what Graph gave, less the handler's own bookkeeping, plus threading and files. */
export type PayloadMessage = Omit<MailMessage, "isRead" | "hasAttachments" | "headers"> & {
  inReplyTo: string | null;
  references: string[];
  attachments: PayloadAttachment[];
};

export interface WebhookPayload {
  issues: string[];
  data: {
    dedupeKey: string;
    handlerId: string;
    mailbox: string;
    message: PayloadMessage;
  };
}

/** The key Jira sees as `Idempotency-Key` and `data.dedupeKey`: the Internet Message-ID, else the Graph id. */
export function dedupeKeyOf(message: Pick<MailMessage, "id" | "internetMessageId">): string {
  return message.internetMessageId ?? message.id;
}

export function buildPayload(
  message: MailMessage,
  attachments: PayloadAttachment[],
  context: { handlerId: string; mailbox: string },
): WebhookPayload {
  const references = headerValue(message, "References");
  return {
    issues: issueKeysIn(message.subject),
    data: {
      dedupeKey: dedupeKeyOf(message),
      handlerId: context.handlerId,
      mailbox: context.mailbox,
      message: {
        id: message.id,
        internetMessageId: message.internetMessageId,
        conversationId: message.conversationId,
        subject: message.subject,
        from: message.from,
        to: message.to,
        cc: message.cc,
        replyTo: message.replyTo,
        receivedAt: message.receivedAt,
        bodyText: message.bodyText,
        bodyHtml: message.bodyHtml,
        inReplyTo: headerValue(message, "In-Reply-To"),
        references: references === null ? [] : references.split(/\s+/).filter((reference) => reference !== ""),
        attachments,
      },
    },
  };
}
