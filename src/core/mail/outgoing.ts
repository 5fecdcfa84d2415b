/**
 * Mail to send through Graph on behalf of an account: the request as edgepost's API takes it, checked
 * field by field, and the `sendMail` body Graph expects (https://learn.microsoft.com/graph/api/user-sendmail).
 * @module
 */
import { z } from "zod";
import { fieldIssue, parseInput, ValidationError } from "../validation.ts";
import { SENT_BY_EDGEPOST_HEADER } from "./auto-reply.ts";
import type { FieldIssue } from "../validation.ts";

const ADDRESS_MAX = 254;
const NAME_MAX = 256;
const SUBJECT_MAX = 998;
const RECIPIENTS_MAX = 500;
const ATTACHMENTS_MAX = 100;
const HEADERS_MAX = 20;
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
  return z
    .string()
    .max(max)
    .refine((value) => !CONTROL_CHARACTER.test(value), NO_CONTROL_CHARACTERS);
}

const address = z.string().trim().max(ADDRESS_MAX).regex(ADDRESS, "must be an email address such as name@example.com");
const recipient = z.preprocess(
  (value) => (typeof value === "string" ? { address: value } : value),
  z.strictObject({
    address,
    name: headerText(NAME_MAX).optional(),
  }),
);
const recipients = z.array(recipient).max(RECIPIENTS_MAX).default([]);

const sendSchema = z.strictObject({
  from: address.optional(),
  to: recipients,
  cc: recipients,
  bcc: recipients,
  replyTo: recipients,
  subject: z.string().trim().min(1).pipe(headerText(SUBJECT_MAX)),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).pipe(headerText(NAME_MAX)),
        contentType: z
          .string()
          .trim()
          .pipe(headerText(NAME_MAX))
          .pipe(z.string().regex(MEDIA_TYPE, "must be a media type such as application/pdf")),
        contentBase64: z.string().regex(STANDARD_BASE64, "must be standard base64 (A–Z, a–z, 0–9, +, / and = padding)"),
        contentId: z.string().trim().min(1).pipe(headerText(NAME_MAX)).optional(),
        isInline: z.boolean().optional(),
      }),
    )
    .max(ATTACHMENTS_MAX)
    .default([]),
  saveToSentItems: z.boolean().default(true),
  headers: z.record(z.string(), z.string()).default({}),
});

export type OutgoingMail = z.output<typeof sendSchema>;

export function parseOutgoingMail(input: unknown): OutgoingMail {
  const mail = parseInput(sendSchema, input);
  const issues: FieldIssue[] = [];
  if (mail.to.length + mail.cc.length + mail.bcc.length === 0) {
    issues.push(fieldIssue("to", "needs at least one recipient (in to, cc or bcc)"));
  }
  if (mail.text === undefined && mail.html === undefined) {
    issues.push(fieldIssue("text", "or html is required"));
  }
  if (mail.text !== undefined && mail.html !== undefined) {
    issues.push(fieldIssue("html", "cannot be given together with text; send one body"));
  }
  const names = Object.keys(mail.headers);
  if (names.length > HEADERS_MAX) {
    issues.push(fieldIssue("headers", `must have at most ${HEADERS_MAX} headers`));
  }
  for (const [name, value] of Object.entries(mail.headers)) {
    if (!CUSTOM_HEADER.test(name)) {
      issues.push(fieldIssue(`headers.${name}`, "must be a custom header whose name starts with X-"));
    } else if (name.toLowerCase() === SENT_BY_EDGEPOST_HEADER.toLowerCase()) {
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
  return mail;
}

/** The body of Graph's `sendMail`, with edgepost's marker header so ingestion can skip its own mail. */
export function sendMailBody(mail: OutgoingMail): Record<string, unknown> {
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
      { name: SENT_BY_EDGEPOST_HEADER, value: "1" },
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
  return { message, saveToSentItems: mail.saveToSentItems };
}
