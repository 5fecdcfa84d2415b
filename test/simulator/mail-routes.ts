/**
 * Graph's mail resources over the simulated mailboxes (https://learn.microsoft.com/graph/api/resources/mail-api-overview): folders and child
 * folders, messages with `$select` and body-type preference, attachments, PATCH, move, and per-folder
 * delta with skip and delta tokens that expire; own and shared mailboxes with rights checked.
 * @module
 */
import {
  addMessage,
  childFolders,
  findFolder,
  findMessage,
  moveMessage,
  rootFolder,
  touch,
  userMailbox,
} from "./mailbox.ts";
import { graphError, graphJson } from "./responses.ts";
import { randomOpaque, tenantNow } from "./state.ts";
import type { GraphContext } from "./graph.ts";
import type { SimAttachment, SimDeltaToken, SimFolder, SimMailbox, SimMessage, SimRecipient } from "./state.ts";

const MESSAGE_PROPERTIES = new Set([
  "id",
  "createdDateTime",
  "lastModifiedDateTime",
  "changeKey",
  "categories",
  "receivedDateTime",
  "sentDateTime",
  "hasAttachments",
  "internetMessageId",
  "subject",
  "bodyPreview",
  "importance",
  "parentFolderId",
  "conversationId",
  "isRead",
  "isDraft",
  "webLink",
  "body",
  "uniqueBody",
  "sender",
  "from",
  "toRecipients",
  "ccRecipients",
  "bccRecipients",
  "replyTo",
  "flag",
  "internetMessageHeaders",
  "inferenceClassification",
]);
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 1000;
const ATTACHMENT_BASE_PROPERTIES = new Set(["id", "name", "contentType", "size", "isInline", "lastModifiedDateTime"]);
/** Outlook serves four concurrent requests per app and mailbox; a fifth is throttled. */
const MAILBOX_CONCURRENCY = 4;

export interface MailTarget {
  mailbox: SimMailbox;
  /** `me` or `users/{address}` as the request named it, for building links. */
  prefix: string;
  rest: string[];
}

/** Resolves `/me/…` or `/users/{id}/…` to a mailbox the caller may use, or answers Graph's refusal. */
export function resolveMailbox(context: GraphContext, segments: string[]): MailTarget | Response | null {
  const { state, user, token, request } = context;
  if (segments[0] === "me") {
    const mailbox = userMailbox(state, user);
    return mailbox === undefined
      ? graphError(
          request,
          404,
          "MailboxNotEnabledForRESTAPI",
          "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        )
      : { mailbox, prefix: "me", rest: segments.slice(1) };
  }
  if (segments[0] !== "users" || segments[1] === undefined) {
    return null;
  }
  const key = segments[1].toLowerCase();
  const mailbox =
    state.mailboxes.get(key) ?? [...state.mailboxes.values()].find((candidate) => candidate.ownerId === key);
  if (mailbox === undefined || mailbox.tenantId !== user.tenantId) {
    return graphError(request, 404, "ErrorInvalidUser", `The requested user '${segments[1]}' is invalid.`);
  }
  if (!mailbox.restEnabled) {
    return graphError(
      request,
      404,
      "MailboxNotEnabledForRESTAPI",
      "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    );
  }
  const prefix = `users/${encodeURIComponent(segments[1])}`;
  if (mailbox.ownerId === user.id) {
    return { mailbox, prefix, rest: segments.slice(2) };
  }
  const scopes = token.scopes.map((scope) => scope.toLowerCase().replace(/^https:\/\/graph\.microsoft\.com\//, ""));
  const writing = request.method !== "GET";
  const rights = mailbox.access.get(user.id);
  const scopeOk =
    scopes.includes(writing ? "mail.readwrite.shared" : "mail.read.shared") || scopes.includes("mail.readwrite.shared");
  if (!scopeOk || rights === undefined || (writing && rights !== "full")) {
    return graphError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  }
  return { mailbox, prefix, rest: segments.slice(2) };
}

/** Counts a request against the mailbox's concurrency; false when it is over the limit. */
export function enterMailbox(mailbox: SimMailbox): boolean {
  if (mailbox.inFlight >= MAILBOX_CONCURRENCY) {
    return false;
  }
  mailbox.inFlight++;
  return true;
}

export function leaveMailbox(mailbox: SimMailbox): void {
  mailbox.inFlight--;
}

export async function mailRoute(context: GraphContext, target: MailTarget): Promise<Response | null> {
  const { request } = context;
  const { mailbox, rest } = target;
  const [collection, id, sub, subId, more] = rest;
  const method = request.method;
  if (collection === "sendMail" && id === undefined && method === "POST") {
    return sendMail(context, target);
  }
  if (collection === "mailFolders") {
    if (id === undefined && method === "GET") {
      return folderList(context, mailbox, visibleChildren(context, mailbox, rootFolder(mailbox).id));
    }
    const folder = id === undefined ? undefined : findFolder(mailbox, id);
    if (folder === undefined) {
      return itemNotFound(request);
    }
    if (sub === undefined && method === "GET") {
      return graphJson(request, folderJson(mailbox, folder));
    }
    if (sub === "childFolders" && method === "GET") {
      return folderList(context, mailbox, visibleChildren(context, mailbox, folder.id));
    }
    if (sub === "messages" && subId === undefined && method === "GET") {
      return listMessages(context, target, folder);
    }
    if (sub === "messages" && subId === "delta" && more === undefined && method === "GET") {
      return delta(context, target, folder);
    }
    return null;
  }
  if (collection === "messages" && id !== undefined) {
    const message = findMessage(mailbox, id);
    if (message === undefined) {
      return itemNotFound(request);
    }
    if (sub === undefined && method === "GET") {
      return graphJson(request, messageJson(context, message, selectOf(context)));
    }
    if (sub === undefined && method === "PATCH") {
      return patchMessage(context, mailbox, message);
    }
    if (sub === "move" && method === "POST") {
      return move(context, mailbox, message);
    }
    if (sub === "attachments" && subId === undefined && method === "GET") {
      const select =
        context.url.searchParams
          .get("$select")
          ?.split(",")
          .map((field) => field.trim()) ?? null;
      // Only the base type's properties can be selected on the collection (docs/microsoft.md, "Attachments").
      const unknown = select?.find((field) => !ATTACHMENT_BASE_PROPERTIES.has(field));
      if (unknown !== undefined) {
        return graphError(
          request,
          400,
          "RequestBroker--ParseUri",
          `Could not find a property named '${unknown}' on type 'microsoft.graph.attachment'.`,
        );
      }
      return graphJson(request, { value: message.attachments.map((attachment) => attachmentJson(attachment, select)) });
    }
    if (sub === "attachments" && subId !== undefined && method === "GET") {
      const attachment = message.attachments.find((candidate) => candidate.id === subId);
      return attachment === undefined ? itemNotFound(request) : graphJson(request, attachmentJson(attachment, null));
    }
  }
  return null;
}

interface GraphRecipient {
  emailAddress?: { address?: unknown; name?: unknown };
}

/**
 * `sendMail` (https://learn.microsoft.com/graph/api/user-sendmail): 202 and no body. Sending as another mailbox needs
 * Mail.Send.Shared and the Send As (or Send on Behalf) right there, else 403 ErrorSendAsDenied. The
 * message lands in the inbox of every recipient the simulator knows, and in Sent Items when asked.
 */
async function sendMail(context: GraphContext, target: MailTarget): Promise<Response> {
  const { request, state, user, token } = context;
  const text = await request.text();
  // docs/microsoft.md, "sendMail limits": Graph refuses requests of 4 MB or more.
  if (new TextEncoder().encode(text).length >= SEND_REQUEST_MAX_BYTES) {
    return graphError(request, 413, "BadRequest", "The maximum request length supported is 4MB.");
  }
  const payload = (() => {
    try {
      return JSON.parse(text) as { message?: Record<string, unknown>; saveToSentItems?: unknown } | null;
    } catch {
      return null;
    }
  })();
  const message = payload?.message;
  if (message === undefined || typeof message !== "object") {
    return graphError(request, 400, "ErrorInvalidRequest", "Cannot read the request body.");
  }
  const list = (name: string): SimRecipient[] =>
    Array.isArray(message[name])
      ? (message[name] as GraphRecipient[]).flatMap((entry) =>
          typeof entry.emailAddress?.address === "string"
            ? [
                {
                  address: entry.emailAddress.address,
                  name: typeof entry.emailAddress.name === "string" ? entry.emailAddress.name : "",
                },
              ]
            : [],
        )
      : [];
  const to = list("toRecipients");
  const cc = list("ccRecipients");
  const bcc = list("bccRecipients");
  const headerProblem = internetMessageHeadersProblem(message["internetMessageHeaders"]);
  if (headerProblem !== null) {
    return graphError(request, 400, headerProblem.code, headerProblem.message);
  }
  if (to.length + cc.length + bcc.length > SEND_RECIPIENTS_MAX) {
    return graphError(
      request,
      400,
      "ErrorInvalidRecipients",
      `The maximum total number of recipients in toRecipients, ccRecipients and bccRecipients is ${SEND_RECIPIENTS_MAX}.`,
    );
  }
  if (to.length + cc.length + bcc.length === 0) {
    return graphError(
      request,
      400,
      "ErrorInvalidRecipients",
      "At least one recipient is not valid., Recipient '' is not resolved. All recipients must be resolved before a message can be submitted.",
    );
  }
  const scopes = token.scopes.map((scope) => scope.toLowerCase());
  const own = userMailbox(state, user);
  const fromField = (message["from"] as GraphRecipient | undefined)?.emailAddress?.address;
  const senderAddress = (typeof fromField === "string" ? fromField : target.mailbox.address).toLowerCase();
  const sender = state.mailboxes.get(senderAddress);
  const sendingAsOther = senderAddress !== own?.address;
  if (!scopes.includes(sendingAsOther ? "mail.send.shared" : "mail.send")) {
    return graphError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  }
  if (sendingAsOther && (sender === undefined || !sender.sendAs.has(user.id))) {
    return graphError(
      request,
      403,
      "ErrorSendAsDenied",
      "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.",
    );
  }
  const body = message["body"] as { contentType?: unknown; content?: unknown } | undefined;
  const headers = Array.isArray(message["internetMessageHeaders"])
    ? (message["internetMessageHeaders"] as { name: string; value: string }[])
    : [];
  const attachments = Array.isArray(message["attachments"])
    ? (message["attachments"] as Record<string, unknown>[])
    : [];
  const delivered = {
    subject: typeof message["subject"] === "string" ? message["subject"] : "",
    from: { name: sender?.displayName ?? senderAddress, address: senderAddress },
    to,
    cc,
    replyTo: list("replyTo"),
    body: {
      contentType: String(body?.contentType ?? "Text").toLowerCase() === "html" ? ("html" as const) : ("text" as const),
      content: String(body?.content ?? ""),
    },
    headers,
    attachments: attachments.map((attachment) => ({
      name: String(attachment["name"] ?? ""),
      contentType: String(attachment["contentType"] ?? "application/octet-stream"),
      contentBase64: String(attachment["contentBytes"] ?? ""),
      isInline: attachment["isInline"] === true,
      contentId: typeof attachment["contentId"] === "string" ? attachment["contentId"] : null,
    })),
  };
  const saveToSentItems = payload?.saveToSentItems !== false && payload?.saveToSentItems !== "false";
  state.sent.push({
    mailbox: senderAddress,
    userId: user.id,
    sentAt: new Date().toISOString(),
    message,
    saveToSentItems,
  });
  for (const recipient of [...to, ...cc, ...bcc]) {
    const mailbox = state.mailboxes.get(recipient.address.toLowerCase());
    const inbox = mailbox === undefined ? undefined : findFolder(mailbox, "inbox");
    if (mailbox !== undefined && inbox !== undefined) {
      context.notifier.messageCreated(mailbox, addMessage(mailbox, inbox, delivered));
    }
  }
  const sentItems = own === undefined ? undefined : findFolder(own, "sentitems");
  if (saveToSentItems && own !== undefined && sentItems !== undefined) {
    // The Sent Items copy carries no internet message headers (docs/microsoft.md, "Sent Items copies").
    context.notifier.messageCreated(own, addMessage(own, sentItems, { ...delivered, headers: [], isRead: true }));
  }
  return new Response(null, { status: 202, headers: { "request-id": crypto.randomUUID() } });
}

/** sendMail limits (docs/microsoft.md, "sendMail limits"). */
const SEND_REQUEST_MAX_BYTES = 4_000_000;
const SEND_RECIPIENTS_MAX = 500;
const SEND_HEADERS_MAX = 5;

/** Graph's refusal of a message's internet headers: more than five, none at all, or a name without `x-`. */
function internetMessageHeadersProblem(value: unknown): { code: string; message: string } | null {
  if (value === undefined) {
    return null;
  }
  const headers = Array.isArray(value) ? (value as { name?: unknown }[]) : [];
  if (headers.length === 0 || headers.length > SEND_HEADERS_MAX) {
    return {
      code: "InvalidInternetMessageHeaderCollection",
      message: `Maximum number of headers in one message should be less than or equal to ${SEND_HEADERS_MAX}.`,
    };
  }
  const wrong = headers.find((header) => typeof header.name !== "string" || !/^x-/i.test(header.name));
  return wrong === undefined
    ? null
    : {
        code: "InvalidInternetMessageHeader",
        message: `The internet message header name '${String(wrong.name)}' should start with 'x-' or 'X-'.`,
      };
}

function folderJson(mailbox: SimMailbox, folder: SimFolder): Record<string, unknown> {
  const messages = [...mailbox.messages.values()].filter((message) => message.folderId === folder.id);
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentId,
    childFolderCount: childFolders(mailbox, folder.id).length,
    unreadItemCount: messages.filter((message) => !message.isRead).length,
    totalItemCount: messages.length,
    isHidden: folder.isHidden,
  };
}

/** Hidden folders only with `includeHiddenFolders=true` (docs/microsoft.md, "Hidden folders"). */
function visibleChildren(context: GraphContext, mailbox: SimMailbox, parentId: string): SimFolder[] {
  const hidden = context.url.searchParams.get("includeHiddenFolders") === "true";
  return childFolders(mailbox, parentId).filter((folder) => hidden || !folder.isHidden);
}

function folderList(context: GraphContext, mailbox: SimMailbox, folders: SimFolder[]): Response {
  return page(
    context,
    folders.map((folder) => folderJson(mailbox, folder)),
  );
}

function listMessages(context: GraphContext, target: MailTarget, folder: SimFolder): Response {
  const filter = context.url.searchParams.get("$filter");
  if (filter !== null && filter.replace(/\s+/g, " ").trim() !== "isRead eq false") {
    return graphError(
      context.request,
      400,
      "InefficientFilter",
      "The restriction or sort order is too complex for this operation.",
    );
  }
  const select = selectOf(context);
  if (select instanceof Response) {
    return select;
  }
  const messages = [...target.mailbox.messages.values()]
    .filter((message) => message.folderId === folder.id && (filter === null || !message.isRead))
    .sort((a, b) => b.receivedDateTime.localeCompare(a.receivedDateTime));
  return page(
    context,
    messages.map((message) => messageJson(context, message, select)),
  );
}

/** `$top` / `$skip` paging as Graph does it for collections. */
function page(context: GraphContext, items: unknown[]): Response {
  const top = Math.min(
    Number(context.url.searchParams.get("$top") ?? DEFAULT_PAGE_SIZE) || DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
  );
  const skip = Number(context.url.searchParams.get("$skip") ?? 0) || 0;
  const body: Record<string, unknown> = { value: items.slice(skip, skip + top) };
  if (skip + top < items.length) {
    const next = new URL(context.url);
    next.searchParams.set("$skip", String(skip + top));
    body["@odata.nextLink"] = next.href;
  }
  return graphJson(context.request, body);
}

async function patchMessage(context: GraphContext, mailbox: SimMailbox, message: SimMessage): Promise<Response> {
  const update = (await context.request.json().catch(() => null)) as Record<string, unknown> | null;
  if (update === null || typeof update !== "object") {
    return graphError(context.request, 400, "RequestBodyRead", "Cannot read the request body.");
  }
  if ("isRead" in update) {
    message.isRead = update["isRead"] === true;
  }
  touch(mailbox, message, Object.keys(update));
  return graphJson(context.request, messageJson(context, message, null));
}

async function move(context: GraphContext, mailbox: SimMailbox, message: SimMessage): Promise<Response> {
  const body = (await context.request.json().catch(() => null)) as { destinationId?: unknown } | null;
  const destination = typeof body?.destinationId === "string" ? findFolder(mailbox, body.destinationId) : undefined;
  if (destination === undefined) {
    return graphError(context.request, 400, "ErrorInvalidIdMalformed", "Id is malformed.");
  }
  moveMessage(mailbox, message, destination);
  return graphJson(context.request, messageJson(context, message, null), { status: 201 });
}

function delta(context: GraphContext, target: MailTarget, folder: SimFolder): Response {
  const { request, url, state } = context;
  const { mailbox } = target;
  const tokenValue = url.searchParams.get("$skiptoken") ?? url.searchParams.get("$deltatoken");
  let token: SimDeltaToken;
  let items: RoundItem[];
  if (tokenValue === null) {
    const select = selectOf(context);
    if (select instanceof Response) {
      return select;
    }
    items = [...mailbox.messages.values()]
      .filter((message) => message.folderId === folder.id)
      .sort((a, b) => a.seq - b.seq)
      .map((message) => ({ id: message.immutableId, removedRestId: null, changed: null }));
    token = {
      mailbox: mailbox.address,
      folderId: folder.id,
      since: -1,
      until: mailbox.seq,
      offset: 0,
      select,
      issuedAt: tenantNow(context.tenant),
    };
  } else {
    const stored = state.deltaTokens.get(tokenValue);
    if (stored === undefined || stored.folderId !== folder.id || stored.issuedAt < mailbox.syncStateValidFrom) {
      return graphError(
        request,
        410,
        "SyncStateNotFound",
        `The sync state generation is not found; generation=${mailbox.seq};[highest=${mailbox.seq}].`,
      );
    }
    if (url.searchParams.has("$deltatoken")) {
      items = changesSince(mailbox, folder, stored.since);
      token = { ...stored, until: mailbox.seq, offset: 0 };
    } else {
      items = roundItems.get(tokenValue) ?? [];
      token = stored;
    }
  }
  const pageSize = preferredPageSize(request);
  const slice = items.slice(token.offset, token.offset + pageSize);
  const value = slice.map((item) => {
    const message = mailbox.messages.get(item.id);
    if (item.removedRestId !== null || message === undefined || message.folderId !== folder.id) {
      return {
        "@odata.type": "#microsoft.graph.message",
        id: idFor(request, { immutableId: item.id, restId: item.removedRestId ?? message?.restId ?? item.id }),
        "@removed": { reason: "deleted" },
      };
    }
    // An update carries the id, the properties that changed and parentFolderId, not the whole $select
    // (docs/microsoft.md, "Delta updates are partial").
    const select = item.changed === null ? token.select : [...item.changed, "parentFolderId"];
    return messageJson(context, message, select);
  });
  if (pageBodyBytes(value) > context.tenant.settings.deltaPageBodyLimitBytes) {
    // Pages of many messages with full bodies time out at Graph's gateway (docs/microsoft.md,
    // "Large delta pages time out"); the same request with a smaller page works.
    return graphError(request, 504, "GatewayTimeout", "The gateway did not receive a response in time.");
  }
  const base = `${url.origin}/v1.0/${target.prefix}/mailFolders/${encodeURIComponent(folder.id)}/messages/delta`;
  const body: Record<string, unknown> = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(message)",
    value,
  };
  const issuedAt = tenantNow(context.tenant);
  if (token.offset + pageSize < items.length) {
    const next = randomOpaque("", 24);
    state.deltaTokens.set(next, { ...token, offset: token.offset + pageSize, issuedAt });
    roundItems.set(next, items);
    body["@odata.nextLink"] = `${base}?$skiptoken=${next}`;
  } else {
    const next = randomOpaque("", 24);
    state.deltaTokens.set(next, { ...token, since: token.until, offset: 0, issuedAt });
    body["@odata.deltaLink"] = `${base}?$deltatoken=${next}`;
  }
  return graphJson(request, body, { headers: { "preference-applied": `odata.maxpagesize=${pageSize}` } });
}

/** The bytes of the message bodies on a page. */
function pageBodyBytes(value: Record<string, unknown>[]): number {
  return value.reduce((sum, item) => {
    const content = (item["body"] as { content?: unknown } | undefined)?.content;
    return sum + (typeof content === "string" ? content.length : 0);
  }, 0);
}

interface RoundItem {
  id: string;
  /** Set for a removal: the REST id the message had in this folder. */
  removedRestId: string | null;
  /** For an update of a message the round's start already knew: the properties that changed. */
  changed: string[] | null;
}

/** The items of each round in progress, by skip token: a round is a snapshot, as paging must not skip. */
const roundItems = new Map<string, RoundItem[]>();

function changesSince(mailbox: SimMailbox, folder: SimFolder, since: number): RoundItem[] {
  const changed = [...mailbox.messages.values()]
    .filter((message) => message.folderId === folder.id && message.seq > since)
    .map((message) => ({
      seq: message.seq,
      item: {
        id: message.immutableId,
        removedRestId: null,
        changed:
          message.addedSeq > since
            ? null
            : [
                ...new Set(
                  message.changes.filter((change) => change.seq > since).flatMap((change) => change.properties),
                ),
              ],
      },
    }));
  const removed = mailbox.tombstones
    .filter(
      (tombstone) =>
        tombstone.folderId === folder.id &&
        tombstone.seq > since &&
        mailbox.messages.get(tombstone.immutableId)?.folderId !== folder.id,
    )
    .map((tombstone) => ({
      seq: tombstone.seq,
      item: { id: tombstone.immutableId, removedRestId: tombstone.restId, changed: null },
    }));
  return [...changed, ...removed].sort((a, b) => a.seq - b.seq).map((entry) => entry.item);
}

function selectOf(context: GraphContext): string[] | null | Response {
  const select = context.url.searchParams.get("$select");
  if (select === null) {
    return null;
  }
  const fields = select
    .split(",")
    .map((field) => field.trim())
    .filter((field) => field !== "");
  const unknown = fields.find((field) => !MESSAGE_PROPERTIES.has(field));
  return unknown === undefined
    ? fields
    : graphError(
        context.request,
        400,
        "RequestBroker--ParseUri",
        `Could not find a property named '${unknown}' on type 'microsoft.graph.message'.`,
      );
}

function messageJson(
  context: GraphContext,
  message: SimMessage,
  select: string[] | null | Response,
): Record<string, unknown> {
  const wantsText = /outlook\.body-content-type="?text"?/i.test(context.request.headers.get("prefer") ?? "");
  const body =
    wantsText && message.body.contentType === "html"
      ? { contentType: "text", content: htmlToText(message.body.content) }
      : message.body;
  const all: Record<string, unknown> = {
    createdDateTime: message.receivedDateTime,
    lastModifiedDateTime: message.receivedDateTime,
    changeKey: `CQAAABYAAA${message.seq}`,
    categories: message.categories,
    receivedDateTime: message.receivedDateTime,
    sentDateTime: message.receivedDateTime,
    hasAttachments: message.attachments.some((attachment) => !attachment.isInline),
    internetMessageId: message.internetMessageId,
    subject: message.subject,
    bodyPreview: htmlToText(message.body.content).slice(0, 255),
    importance: "normal",
    parentFolderId: message.folderId,
    conversationId: message.conversationId,
    isRead: message.isRead,
    isDraft: false,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(message.restId)}`,
    body,
    sender: message.from === null ? null : recipient(message.from),
    from: message.from === null ? null : recipient(message.from),
    toRecipients: message.to.map(recipient),
    ccRecipients: message.cc.map(recipient),
    bccRecipients: message.bcc.map(recipient),
    replyTo: message.replyTo.map(recipient),
    flag: { flagStatus: message.flagged ? "flagged" : "notFlagged" },
    inferenceClassification: "focused",
  };
  const fields = Array.isArray(select) ? select : Object.keys(all);
  const picked = Object.fromEntries(
    fields
      .filter((field) => field !== "id")
      .map((field) => [field, field === "internetMessageHeaders" ? message.headers : all[field]]),
  );
  const overrides = Object.fromEntries(
    Object.entries(message.rawOverrides ?? {}).filter(([field]) => fields.includes(field)),
  );
  return {
    "@odata.etag": `W/"CQAAABYAAA${message.seq}"`,
    id: idFor(context.request, message),
    ...picked,
    ...overrides,
  };
}

function attachmentJson(attachment: SimAttachment, select: string[] | null): Record<string, unknown> {
  const type = {
    file: "#microsoft.graph.fileAttachment",
    reference: "#microsoft.graph.referenceAttachment",
    item: "#microsoft.graph.itemAttachment",
  }[attachment.kind];
  const all: Record<string, unknown> = {
    lastModifiedDateTime: "2026-11-01T00:00:00Z",
    name: attachment.name,
    contentType: attachment.contentType,
    size: attachment.size,
    isInline: attachment.isInline,
    ...(attachment.kind === "file"
      ? { contentId: attachment.contentId, contentLocation: null, contentBytes: attachment.contentBytes }
      : {}),
  };
  const fields = select ?? Object.keys(all);
  return {
    "@odata.type": type,
    id: attachment.id,
    ...Object.fromEntries(fields.filter((field) => field in all).map((field) => [field, all[field]])),
  };
}

function recipient(value: SimRecipient): { emailAddress: SimRecipient } {
  return { emailAddress: { name: value.name, address: value.address } };
}

function idFor(request: Request, message: { immutableId: string; restId: string }): string {
  return /IdType="?ImmutableId"?/i.test(request.headers.get("prefer") ?? "") ? message.immutableId : message.restId;
}

function preferredPageSize(request: Request): number {
  const match = /odata\.maxpagesize=(\d+)/i.exec(request.headers.get("prefer") ?? "");
  return match === null ? DEFAULT_PAGE_SIZE : Math.max(1, Math.min(MAX_PAGE_SIZE, Number(match[1])));
}

function itemNotFound(request: Request): Response {
  return graphError(request, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
}

/** Outlook's plain-text rendering, approximately: block ends become line breaks, tags go, entities decode. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(head|style|script)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
