/**
 * A mail message as edgepost works with it, normalised from Graph's JSON (`graph-message.ts`): the
 * fields of the webhook payload plus what the handler rules look at (read state, headers).
 * @module
 */

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

/** The value of the first header with this name (case-insensitive), trimmed. */
export function headerValue(message: Pick<MailMessage, "headers">, name: string): string | null {
  const lower = name.toLowerCase();
  return message.headers.find((header) => header.name.toLowerCase() === lower)?.value.trim() ?? null;
}
