/**
 * A message as Microsoft Graph sends it, parsed at the boundary. Delta rounds send two shapes: new
 * messages with every `$select`ed property, and updates that carry only the id, the properties that
 * changed and `parentFolderId` (docs/microsoft.md, "Delta updates are partial"). Only a complete item
 * can become a `MailMessage`; a partial one must be read in full before anything is decided about it.
 * @module
 */
import * as z from "../zod.ts";
import { htmlToText } from "./html-text.ts";
import type { MailAddress, MailMessage } from "./message.ts";

/** The properties edgepost asks Graph for: exactly what the payload and the rules need. */
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

const recipientSchema = z.object({
  emailAddress: z.nullish(z.object({ name: z.nullish(z.string()), address: z.nullish(z.string()) })),
});

/** Every property optional: which ones came tells a complete item from a partial update. */
const graphMessageSchema = z.object({
  id: z.string().check(z.minLength(1)),
  "@removed": z.optional(z.object({ reason: z.optional(z.string()) })),
  internetMessageId: z.nullish(z.string()),
  conversationId: z.nullish(z.string()),
  subject: z.nullish(z.string()),
  from: z.nullish(recipientSchema),
  toRecipients: z.nullish(z.array(recipientSchema)),
  ccRecipients: z.nullish(z.array(recipientSchema)),
  replyTo: z.nullish(z.array(recipientSchema)),
  receivedDateTime: z.nullish(z.string()),
  body: z.nullish(z.object({ contentType: z.string(), content: z.nullish(z.string()) })),
  isRead: z.nullish(z.boolean()),
  hasAttachments: z.nullish(z.boolean()),
  internetMessageHeaders: z.nullish(z.array(z.object({ name: z.string(), value: z.string() }))),
});

type GraphMessage = z.output<typeof graphMessageSchema>;

/** What one item of a delta page (or a message read in full) is. */
export type MessageItem =
  | { kind: "removed"; id: string }
  | { kind: "complete"; message: MailMessage }
  | { kind: "partial"; id: string }
  | { kind: "invalid"; id: string | null; problem: string };

/** The properties an item must carry to be complete; headers may be absent on some copies (Sent Items). */
const REQUIRED_PROPERTIES: readonly string[] = MESSAGE_SELECT.filter(
  (property) => property !== "internetMessageHeaders",
);

/** Classifies one item Graph sent, without trusting its shape. */
export function parseMessageItem(raw: unknown): MessageItem {
  const parsed = graphMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id === "string";
    return {
      kind: "invalid",
      id: id ? (raw as { id: string }).id : null,
      problem: `Graph sent a message that edgepost cannot read (${parsed.error.issues[0]?.path.join(".") ?? "?"}: ${parsed.error.issues[0]?.message ?? "invalid"})`,
    };
  }
  const item = parsed.data;
  if (item["@removed"] !== undefined) {
    return { kind: "removed", id: item.id };
  }
  const present = raw as Record<string, unknown>;
  if (REQUIRED_PROPERTIES.some((property) => !(property in present)) || typeof item.isRead !== "boolean") {
    return { kind: "partial", id: item.id };
  }
  return { kind: "complete", message: toMailMessage(item) };
}

function toMailMessage(item: GraphMessage): MailMessage {
  const content = item.body?.content ?? "";
  const isHtml = item.body?.contentType.toLowerCase() === "html";
  return {
    id: item.id,
    internetMessageId: nonEmpty(item.internetMessageId),
    conversationId: nonEmpty(item.conversationId),
    subject: item.subject ?? "",
    from: address(item.from),
    to: addresses(item.toRecipients),
    cc: addresses(item.ccRecipients),
    replyTo: addresses(item.replyTo),
    receivedAt: item.receivedDateTime ?? "",
    bodyText: isHtml ? htmlToText(content) : content,
    bodyHtml: isHtml ? content : null,
    isRead: item.isRead === true,
    hasAttachments: item.hasAttachments === true,
    headers: item.internetMessageHeaders ?? [],
  };
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === "" ? null : value;
}

function address(value: z.output<typeof recipientSchema> | null | undefined): MailAddress | null {
  const email = value?.emailAddress;
  return email?.address === undefined || email.address === null
    ? null
    : { name: email.name ?? "", address: email.address };
}

function addresses(values: z.output<typeof recipientSchema>[] | null | undefined): MailAddress[] {
  return (values ?? []).flatMap((value) => address(value) ?? []);
}
