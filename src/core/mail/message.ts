/**
 * A mail message as edgepost works with it, normalised from Graph's JSON: the fields of the webhook
 * payload plus what the handler rules look at (read state, headers).
 * @module
 */
import { htmlToText } from "./html-text.ts";

export interface MailAddress {
  name: string;
  address: string;
}

export interface MailHeader {
  name: string;
  value: string;
}

export interface MailMessage {
  /** Graph's immutable id. */
  id: string;
  internetMessageId: string | null;
  conversationId: string | null;
  subject: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  receivedAt: string;
  bodyText: string;
  bodyHtml: string | null;
  isRead: boolean;
  hasAttachments: boolean;
  headers: MailHeader[];
}

/** The properties edgepost asks Graph for, exactly what the payload and the rules need. */
export const MESSAGE_SELECT = [
  "id",
  "internetMessageId",
  "conversationId",
  "subject",
  "from",
  "toRecipients",
  "ccRecipients",
  "replyTo",
  "receivedDateTime",
  "body",
  "isRead",
  "hasAttachments",
  "internetMessageHeaders",
] as const;

/** Turns one item of a Graph message collection into a `MailMessage`, or null for `@removed` items. */
export function parseGraphMessage(item: Record<string, unknown>): MailMessage | null {
  if (item["@removed"] !== undefined || typeof item["id"] !== "string") {
    return null;
  }
  const body = item["body"] as { contentType?: unknown; content?: unknown } | undefined;
  const content = typeof body?.content === "string" ? body.content : "";
  const isHtml = typeof body?.contentType === "string" && body.contentType.toLowerCase() === "html";
  return {
    id: item["id"],
    internetMessageId: text(item["internetMessageId"]),
    conversationId: text(item["conversationId"]),
    subject: text(item["subject"]) ?? "",
    from: address(item["from"]),
    to: addresses(item["toRecipients"]),
    cc: addresses(item["ccRecipients"]),
    replyTo: addresses(item["replyTo"]),
    receivedAt: text(item["receivedDateTime"]) ?? "",
    bodyText: isHtml ? htmlToText(content) : content,
    bodyHtml: isHtml ? content : null,
    isRead: item["isRead"] === true,
    hasAttachments: item["hasAttachments"] === true,
    headers: Array.isArray(item["internetMessageHeaders"])
      ? (item["internetMessageHeaders"] as unknown[]).flatMap((header) => {
          const fields = header as { name?: unknown; value?: unknown };
          return typeof fields.name === "string" && typeof fields.value === "string"
            ? [{ name: fields.name, value: fields.value }]
            : [];
        })
      : [],
  };
}

/** The value of the first header with this name (case-insensitive), trimmed. */
export function headerValue(message: Pick<MailMessage, "headers">, name: string): string | null {
  const lower = name.toLowerCase();
  return message.headers.find((header) => header.name.toLowerCase() === lower)?.value.trim() ?? null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function address(value: unknown): MailAddress | null {
  const email = (value as { emailAddress?: { name?: unknown; address?: unknown } } | null)?.emailAddress;
  if (email === undefined || typeof email.address !== "string") {
    return null;
  }
  return { name: typeof email.name === "string" ? email.name : "", address: email.address };
}

function addresses(value: unknown): MailAddress[] {
  return Array.isArray(value) ? value.flatMap((entry) => address(entry) ?? []) : [];
}
