/**
 * Mailboxes as Outlook keeps them: well-known and child folders, messages with headers and
 * attachments, immutable and REST ids (a move changes the REST id), and a change sequence that delta
 * rounds are cut from. Pure data operations; `mail-routes.ts` serves them over Graph.
 * @module
 */
import { randomGuid } from "./state.ts";
import type { SimAttachment, SimFolder, SimMailbox, SimMessage, SimRecipient, SimState } from "./state.ts";

export const WELL_KNOWN_FOLDERS: readonly [string, string][] = [
  ["inbox", "Inbox"],
  ["drafts", "Drafts"],
  ["sentitems", "Sent Items"],
  ["deleteditems", "Deleted Items"],
  ["archive", "Archive"],
  ["junkemail", "Junk Email"],
  ["outbox", "Outbox"],
];

export interface AttachmentInput {
  name: string;
  contentType?: string;
  contentBase64?: string;
  isInline?: boolean;
  contentId?: string | null;
  kind?: "file" | "reference" | "item";
  size?: number;
}

export interface MessageInput {
  subject?: string;
  from?: SimRecipient | null;
  to?: SimRecipient[];
  cc?: SimRecipient[];
  replyTo?: SimRecipient[];
  body?: { contentType: "html" | "text"; content: string };
  isRead?: boolean;
  receivedDateTime?: string;
  /** `null` for a message without one (then the Graph id is the dedupe key). */
  internetMessageId?: string | null;
  conversationId?: string;
  headers?: { name: string; value: string }[];
  attachments?: AttachmentInput[];
  /** Test-only: properties Graph sends as given (an item edgepost cannot read). */
  rawOverrides?: Record<string, unknown>;
}

/** An Exchange-looking id: standard base64, so `+`, `/` and `=` appear and must be URL-encoded. */
function exchangeId(prefix = "AAMkAG"): string {
  const bytes = new Uint8Array(45);
  crypto.getRandomValues(bytes);
  return `${prefix}${btoa(String.fromCharCode(...bytes))}`;
}

export function createMailbox(
  state: SimState,
  fields: { address: string; displayName: string; tenantId: string; ownerId: string | null },
): SimMailbox {
  const root: SimFolder = {
    id: exchangeId("AQMkAD"),
    displayName: "Top of Information Store",
    parentId: null,
    wellKnownName: "msgfolderroot",
    isHidden: false,
  };
  const mailbox: SimMailbox = {
    address: fields.address.toLowerCase(),
    displayName: fields.displayName,
    tenantId: fields.tenantId,
    ownerId: fields.ownerId,
    folders: new Map([[root.id, root]]),
    messages: new Map(),
    tombstones: [],
    seq: 0,
    access: new Map(),
    sendAs: new Set(),
    restEnabled: true,
    syncStateValidFrom: 0,
    inFlight: 0,
  };
  for (const [wellKnownName, displayName] of WELL_KNOWN_FOLDERS) {
    const folder: SimFolder = {
      id: exchangeId("AQMkAD"),
      displayName,
      parentId: root.id,
      wellKnownName,
      isHidden: false,
    };
    mailbox.folders.set(folder.id, folder);
  }
  state.mailboxes.set(mailbox.address, mailbox);
  return mailbox;
}

export function rootFolder(mailbox: SimMailbox): SimFolder {
  for (const folder of mailbox.folders.values()) {
    if (folder.parentId === null) {
      return folder;
    }
  }
  throw new Error("mailbox without root folder");
}

/** A folder by id or well-known name (case-insensitive), as Graph's `mailFolders/{id}` accepts. */
export function findFolder(mailbox: SimMailbox, idOrName: string): SimFolder | undefined {
  const byId = mailbox.folders.get(idOrName);
  if (byId !== undefined) {
    return byId;
  }
  const name = idOrName.toLowerCase();
  return [...mailbox.folders.values()].find((folder) => folder.wellKnownName === name);
}

/** A folder by id, well-known name or display-name path (`Inbox/Support`), for seeding tests. */
export function folderByPath(mailbox: SimMailbox, reference: string): SimFolder | undefined {
  const direct = findFolder(mailbox, reference);
  if (direct !== undefined) {
    return direct;
  }
  let current: SimFolder | undefined = rootFolder(mailbox);
  for (const segment of reference.split("/")) {
    const parent: SimFolder = current;
    current = [...mailbox.folders.values()].find(
      (folder) =>
        folder.parentId === parent.id &&
        (folder.displayName.toLowerCase() === segment.toLowerCase() || folder.wellKnownName === segment.toLowerCase()),
    );
    if (current === undefined) {
      return undefined;
    }
  }
  return current;
}

export function childFolders(mailbox: SimMailbox, parentId: string): SimFolder[] {
  return [...mailbox.folders.values()].filter((folder) => folder.parentId === parentId);
}

export function addFolder(
  mailbox: SimMailbox,
  displayName: string,
  parentId: string,
  options: { hidden?: boolean } = {},
): SimFolder {
  const folder: SimFolder = {
    id: exchangeId("AQMkAD"),
    displayName,
    parentId,
    wellKnownName: null,
    isHidden: options.hidden ?? false,
  };
  mailbox.folders.set(folder.id, folder);
  return folder;
}

export function addMessage(mailbox: SimMailbox, folder: SimFolder, input: MessageInput): SimMessage {
  mailbox.seq++;
  const immutableId = exchangeId("AAkALg");
  const message: SimMessage = {
    immutableId,
    restId: exchangeId("AAMkAG"),
    folderId: folder.id,
    seq: mailbox.seq,
    addedSeq: mailbox.seq,
    changes: [],
    rawOverrides: input.rawOverrides ?? null,
    flagged: false,
    categories: [],
    internetMessageId:
      input.internetMessageId === undefined ? `<${randomGuid()}@sim.outlook.test>` : input.internetMessageId,
    conversationId: input.conversationId ?? exchangeId("AAQkAG"),
    subject: input.subject ?? "(no subject)",
    from: input.from === undefined ? { name: "Customer", address: "customer@example.com" } : input.from,
    to: input.to ?? [{ name: mailbox.displayName, address: mailbox.address }],
    cc: input.cc ?? [],
    bcc: [],
    replyTo: input.replyTo ?? [],
    receivedDateTime: input.receivedDateTime ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    body: input.body ?? { contentType: "html", content: "<html><body><p>Hello</p></body></html>" },
    isRead: input.isRead ?? false,
    headers: input.headers ?? [],
    attachments: (input.attachments ?? []).map(toAttachment),
  };
  mailbox.messages.set(immutableId, message);
  return message;
}

function toAttachment(input: AttachmentInput): SimAttachment {
  const kind = input.kind ?? "file";
  const bytes = kind === "file" ? (input.contentBase64 ?? "") : null;
  return {
    id: exchangeId("AAMkAGAtt"),
    kind,
    name: input.name,
    contentType: kind === "item" ? null : (input.contentType ?? "application/octet-stream"),
    size:
      input.size ?? (bytes === null ? 0 : Math.floor((bytes.length * 3) / 4) - (bytes.match(/=+$/)?.[0].length ?? 0)),
    isInline: input.isInline ?? false,
    contentId: input.contentId ?? null,
    contentBytes: bytes,
  };
}

/** A message by immutable or REST id. */
export function findMessage(mailbox: SimMailbox, id: string): SimMessage | undefined {
  const byImmutable = mailbox.messages.get(id);
  if (byImmutable !== undefined) {
    return byImmutable;
  }
  return [...mailbox.messages.values()].find((message) => message.restId === id);
}

/** Records a change of `properties`: the next delta round sends the message as an update carrying them. */
export function touch(mailbox: SimMailbox, message: SimMessage, properties: readonly string[]): void {
  mailbox.seq++;
  message.seq = mailbox.seq;
  message.changes.push({ seq: mailbox.seq, properties: [...properties] });
}

/** Moves a message: a new REST id (the immutable one stays), a removal in the old folder. */
export function moveMessage(mailbox: SimMailbox, message: SimMessage, destination: SimFolder): void {
  mailbox.seq++;
  mailbox.tombstones.push({
    immutableId: message.immutableId,
    restId: message.restId,
    folderId: message.folderId,
    seq: mailbox.seq,
  });
  message.folderId = destination.id;
  message.restId = exchangeId("AAMkAG");
  // In the destination it is a new message: its next delta round there sends it whole.
  mailbox.seq++;
  message.seq = mailbox.seq;
  message.addedSeq = mailbox.seq;
  message.changes = [];
}

export function userMailbox(state: SimState, user: { id: string }): SimMailbox | undefined {
  return [...state.mailboxes.values()].find((mailbox) => mailbox.ownerId === user.id);
}
