/**
 * The body edgepost posts to a Jira Automation incoming webhook (`docs/api.md`, "The webhook
 * request"): `issues` for the rule to act on, everything about the message under `data`.
 * @module
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
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
  /**
   * Why the bytes are missing: past `maxAttachmentBytes`, not a file (a link or an attached item), or
   * refused by Graph for good (the attachment was removed since).
   */
  omitted?: "too_large" | "not_a_file" | "unavailable";
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

/** What an HTTP header value may hold (visible ASCII, inner spaces), within a header line's length. */
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]{0,996}[\x21-\x7e])?$/;

/**
 * The key Jira sees as `Idempotency-Key` and `data.dedupeKey`: the Internet Message-ID, else the
 * Graph id. Both come from outside (any sender writes their Message-ID), so one that cannot travel
 * in a header (line breaks, NUL, non-ASCII, over a line's length) becomes `sha256:` and the hex digest
 * of the raw value: still stable for the same mail, and never able to break the request.
 */
export async function dedupeKeyOf(message: Pick<MailMessage, "id" | "internetMessageId">): Promise<string> {
  const raw = message.internetMessageId ?? message.id;
  if (HEADER_SAFE.test(raw)) {
    return raw;
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(raw));
  return `sha256:${encodeHexLowerCase(new Uint8Array(digest))}`;
}

export function buildPayload(
  message: MailMessage,
  attachments: PayloadAttachment[],
  context: { handlerId: string; mailbox: string; dedupeKey: string },
): WebhookPayload {
  const references = headerValue(message, "References");
  return {
    issues: issueKeysIn(message.subject),
    data: {
      dedupeKey: context.dedupeKey,
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

/** The payload a handler check posts on request: a made-up message, marked `"test": true` in `data`. */
export type TestPayload = Omit<WebhookPayload, "data"> & { data: WebhookPayload["data"] & { test: true } };

export function testPayload(context: { handlerId: string; mailbox: string; at: string }): TestPayload {
  const dedupeKey = `edgepost-test-${context.handlerId}-${context.at}`;
  return {
    issues: [],
    data: {
      test: true,
      dedupeKey,
      handlerId: context.handlerId,
      mailbox: context.mailbox,
      message: {
        id: dedupeKey,
        internetMessageId: null,
        conversationId: null,
        subject: "edgepost test: this handler's webhook works",
        from: { name: "edgepost", address: context.mailbox },
        to: [{ name: "edgepost", address: context.mailbox }],
        cc: [],
        replyTo: [],
        receivedAt: context.at,
        bodyText: 'A test from edgepost\'s handler check. "test": true in data tells a rule to leave it out.',
        bodyHtml: null,
        inReplyTo: null,
        references: [],
        attachments: [],
      },
    },
  };
}
