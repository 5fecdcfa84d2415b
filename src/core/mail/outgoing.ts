/**
 * Mail to send through Graph on behalf of an account: the request as edgepost's API takes it, checked
 * field by field against what `sendMail` accepts (https://learn.microsoft.com/graph/api/user-sendmail;
 * docs/microsoft.md, "sendMail limits"): at most five internet message headers in all (edgepost's own
 * marker counts), named `x-…`; at most 500 recipients in to, cc and bcc together; each attachment under
 * 3 MB and the whole request under 4 MB. Mail Graph would refuse is refused here, before anything is
 * sent, naming the field.
 * @module
 */
import * as z from "../zod.ts";
import { fieldIssue, parseInput, ValidationError } from "../validation.ts";
import { SENT_MARKER_HEADER } from "./sent-marker.ts";
import type { FieldIssue } from "../validation.ts";

const ADDRESS_MAX = 254;
const NAME_MAX = 256;
const SUBJECT_MAX = 998;
/** Graph's limit for to, cc and bcc together. */
const RECIPIENTS_MAX = 500;
const ATTACHMENTS_MAX = 100;
/** Graph takes five internet message headers in all; edgepost's marker is one of them. */
const GRAPH_HEADERS_MAX = 5;
const HEADERS_MAX = GRAPH_HEADERS_MAX - 1;
/** An attachment sent inline must stay under 3 MB (larger ones need an upload session, not supported yet). */
export const ATTACHMENT_MAX_BYTES = 3_000_000;
/** Graph refuses requests of 4 MB or more. */
export const GRAPH_REQUEST_MAX_BYTES = 4_000_000;
const HEADER_VALUE_MAX = 998;
/** A mailbox address: no spaces or mail syntax characters locally, a dotted ASCII domain. */
const ADDRESS =
  /^[^\s@<>()[\],;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(?:\s*;.*)?$/;
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CUSTOM_HEADER = /^X-[A-Za-z0-9-]+$/i;
/** Control characters (line breaks, tabs, NUL, DEL, C1) and Unicode line separators: none belongs in a header field. */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;
const NO_CONTROL_CHARACTERS = "must not contain control characters (line breaks, tabs, NUL…)";

/** A text that ends up in a header line of the message: one line, no control characters. */
function headerText(max: number) {
  return z.string().check(
    z.maxLength(max),
    z.refine((value) => !CONTROL_CHARACTER.test(value), NO_CONTROL_CHARACTERS),
  );
}

/** A header text that must not be empty once trimmed. */
function trimmedHeaderText(max: number) {
  return z.pipe(z.string().check(z.trim(), z.minLength(1)), headerText(max));
}

const address = z
  .string()
  .check(z.trim(), z.maxLength(ADDRESS_MAX), z.regex(ADDRESS, "must be an email address such as name@example.com"));
/** A recipient: an address alone, or `{ address, name }`. */
const recipient = z.pipe(
  z.transform((value) => (typeof value === "string" ? { address: value } : value)),
  z.strictObject({
    address,
    name: z.optional(headerText(NAME_MAX)),
  }),
);
const recipients = z._default(z.array(recipient).check(z.maxLength(RECIPIENTS_MAX)), []);

const sendSchema = z.strictObject({
  from: z.optional(address),
  to: recipients,
  cc: recipients,
  bcc: recipients,
  replyTo: recipients,
  subject: trimmedHeaderText(SUBJECT_MAX),
  text: z.optional(z.string()),
  html: z.optional(z.string()),
  attachments: z._default(
    z
      .array(
        z.strictObject({
          name: trimmedHeaderText(NAME_MAX),
          contentType: z.pipe(
            z.pipe(z.string().check(z.trim()), headerText(NAME_MAX)),
            z.string().check(z.regex(MEDIA_TYPE, "must be a media type such as application/pdf")),
          ),
          contentBase64: z
            .string()
            .check(z.regex(STANDARD_BASE64, "must be standard base64 (A–Z, a–z, 0–9, +, / and = padding)")),
          contentId: z.optional(trimmedHeaderText(NAME_MAX)),
          isInline: z.optional(z.boolean()),
        }),
      )
      .check(z.maxLength(ATTACHMENTS_MAX)),
    [],
  ),
  saveToSentItems: z._default(z.boolean(), true),
  headers: z._default(z.record(z.string(), z.string()), {}),
});

export type OutgoingMail = z.output<typeof sendSchema>;

/** Mail Graph would refuse for its size (413): `path` names the field, the message the limit. */
export class MailTooLargeError extends Error {
  override readonly name = "MailTooLargeError";
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super(issues.map((issue) => issue.message).join("; "));
    this.issues = issues;
  }
}

export function parseOutgoingMail(input: unknown): OutgoingMail {
  const mail = parseInput(sendSchema, input);
  const issues: FieldIssue[] = [];
  const recipientCount = mail.to.length + mail.cc.length + mail.bcc.length;
  if (recipientCount === 0) {
    issues.push(fieldIssue("to", "needs at least one recipient (in to, cc or bcc)"));
  }
  if (recipientCount > RECIPIENTS_MAX) {
    issues.push(
      fieldIssue(
        "to",
        `and cc and bcc together must have at most ${RECIPIENTS_MAX} recipients (${recipientCount} given)`,
      ),
    );
  }
  if (mail.text === undefined && mail.html === undefined) {
    issues.push(fieldIssue("text", "or html is required"));
  }
  if (mail.text !== undefined && mail.html !== undefined) {
    issues.push(fieldIssue("html", "cannot be given together with text; send one body"));
  }
  const names = Object.keys(mail.headers);
  if (names.length > HEADERS_MAX) {
    issues.push(
      fieldIssue(
        "headers",
        `must have at most ${HEADERS_MAX} headers: Graph takes ${GRAPH_HEADERS_MAX} in all and edgepost adds ${SENT_MARKER_HEADER}`,
      ),
    );
  }
  for (const [name, value] of Object.entries(mail.headers)) {
    if (!CUSTOM_HEADER.test(name)) {
      issues.push(fieldIssue(`headers.${name}`, "must be a custom header whose name starts with X-"));
    } else if (name.toLowerCase() === SENT_MARKER_HEADER.toLowerCase()) {
      issues.push(fieldIssue(`headers.${name}`, "is set by edgepost itself"));
    } else if (CONTROL_CHARACTER.test(value)) {
      issues.push(fieldIssue(`headers.${name}`, NO_CONTROL_CHARACTERS));
    } else if (value.length > HEADER_VALUE_MAX) {
      issues.push(fieldIssue(`headers.${name}`, `must be at most ${HEADER_VALUE_MAX} characters`));
    }
  }
  if (issues.length > 0) {
    throw new ValidationError(issues);
  }
  const tooLarge = mail.attachments.flatMap((attachment, index) =>
    decodedBytes(attachment.contentBase64) >= ATTACHMENT_MAX_BYTES
      ? [
          fieldIssue(
            `attachments.${index}.contentBase64`,
            `is ${decodedBytes(attachment.contentBase64)} bytes; Graph takes attachments under ${ATTACHMENT_MAX_BYTES} bytes (3 MB) in one request`,
          ),
        ]
      : [],
  );
  if (tooLarge.length > 0) {
    throw new MailTooLargeError(tooLarge);
  }
  return mail;
}

/** The bytes a standard base64 text encodes. */
function decodedBytes(base64: string): number {
  return Math.floor((base64.length * 3) / 4) - (base64.match(/=+$/)?.[0].length ?? 0);
}

/**
 * The body of Graph's `sendMail`, with edgepost's marker header (`sent-marker.ts`) so ingestion can
 * tell its own mail. Throws `MailTooLargeError` when the request would reach Graph's 4 MB limit.
 */
export function sendMailBody(mail: OutgoingMail, options: { marker: string }): Record<string, unknown> {
  const toGraph = (list: OutgoingMail["to"]): { emailAddress: { address: string; name?: string } }[] =>
    list.map((entry) => ({
      emailAddress:
        entry.name === undefined ? { address: entry.address } : { address: entry.address, name: entry.name },
    }));
  const message: Record<string, unknown> = {
    subject: mail.subject,
    body:
      mail.html === undefined
        ? { contentType: "Text", content: mail.text ?? "" }
        : { contentType: "HTML", content: mail.html },
    toRecipients: toGraph(mail.to),
    ccRecipients: toGraph(mail.cc),
    bccRecipients: toGraph(mail.bcc),
    replyTo: toGraph(mail.replyTo),
    internetMessageHeaders: [
      ...Object.entries(mail.headers).map(([name, value]) => ({ name, value })),
      { name: SENT_MARKER_HEADER, value: options.marker },
    ],
    attachments: mail.attachments.map((attachment) => ({
      "@odata.type": "#microsoft.graph.fileAttachment",
      name: attachment.name,
      contentType: attachment.contentType,
      contentBytes: attachment.contentBase64,
      ...(attachment.contentId === undefined ? {} : { contentId: attachment.contentId }),
      isInline: attachment.isInline ?? false,
    })),
  };
  if (mail.from !== undefined) {
    message["from"] = { emailAddress: { address: mail.from } };
  }
  const body = { message, saveToSentItems: mail.saveToSentItems };
  const bytes = new TextEncoder().encode(JSON.stringify(body)).length;
  if (bytes >= GRAPH_REQUEST_MAX_BYTES) {
    throw new MailTooLargeError([
      fieldIssue(
        mail.attachments.length > 0 ? "attachments" : mail.html === undefined ? "text" : "html",
        `make the request to Graph ${bytes} bytes; Graph takes requests under ${GRAPH_REQUEST_MAX_BYTES} bytes (4 MB)`,
      ),
    ]);
  }
  return body;
}
