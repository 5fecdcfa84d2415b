/**
 * Finding the folder a handler reads or moves to, given as a well-known name (`inbox`), a folder id,
 * or a path of display names (`Inbox/Support`) walked through child folders.
 * @module
 */
import * as z from "../zod.ts";
import { GraphError } from "../microsoft/graph-client.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";

/** Outlook's locale-independent folder names (https://learn.microsoft.com/graph/api/resources/mailfolder). */
export const WELL_KNOWN_FOLDERS: ReadonlySet<string> = new Set([
  "archive",
  "clutter",
  "conflicts",
  "conversationhistory",
  "deleteditems",
  "drafts",
  "inbox",
  "junkemail",
  "localfailures",
  "msgfolderroot",
  "outbox",
  "recoverableitemsdeletions",
  "scheduled",
  "searchfolders",
  "sentitems",
  "serverfailures",
  "syncissues",
]);

const FOLDER_ID = /^[A-Za-z0-9+/=_-]{40,}$/;
const FOLDER_PAGE = 250;

export type FolderReference =
  | { kind: "well-known"; name: string }
  | { kind: "id"; id: string }
  | { kind: "path"; segments: string[] };

export interface ResolvedFolder {
  id: string;
  displayName: string;
}

export class FolderNotFoundError extends Error {
  override readonly name = "FolderNotFoundError";
}

export function parseFolderReference(value: string): FolderReference {
  const trimmed = value.trim();
  if (WELL_KNOWN_FOLDERS.has(trimmed.toLowerCase())) {
    return { kind: "well-known", name: trimmed.toLowerCase() };
  }
  if (!trimmed.includes("/") && FOLDER_ID.test(trimmed)) {
    return { kind: "id", id: trimmed };
  }
  return {
    kind: "path",
    segments: trimmed
      .split("/")
      .map((segment) => segment.trim())
      .filter((segment) => segment !== ""),
  };
}

/** Resolves a folder in the mailbox at `mailboxPath` (`/me` or `/users/{address}`). */
export async function resolveFolder(
  graph: GraphClient,
  mailboxPath: string,
  reference: FolderReference,
): Promise<ResolvedFolder> {
  if (reference.kind !== "path") {
    const key = reference.kind === "id" ? reference.id : reference.name;
    return folderAt(graph, `${mailboxPath}/mailFolders/${encodeURIComponent(key)}`, key);
  }
  const [first, ...rest] = reference.segments;
  if (first === undefined) {
    throw new FolderNotFoundError("the folder path is empty");
  }
  let current = WELL_KNOWN_FOLDERS.has(first.toLowerCase())
    ? await folderAt(graph, `${mailboxPath}/mailFolders/${first.toLowerCase()}`, first)
    : await childNamed(graph, `${mailboxPath}/mailFolders`, first, "the top of the mailbox");
  let walked = current.displayName;
  for (const segment of rest) {
    current = await childNamed(
      graph,
      `${mailboxPath}/mailFolders/${encodeURIComponent(current.id)}/childFolders`,
      segment,
      `"${walked}"`,
    );
    walked = `${walked}/${current.displayName}`;
  }
  return current;
}

/** Folder-level "not found" codes; mailbox-level ones (`ErrorInvalidUser`, …) mean the mailbox is wrong. */
const FOLDER_NOT_FOUND_CODES = new Set(["ErrorItemNotFound", "ErrorFolderNotFound", "ErrorInvalidIdMalformed"]);

const folderSchema = z.object({ id: z.string().check(z.minLength(1)), displayName: z.string() });
const folderPageSchema = z.object({ value: z.array(folderSchema), "@odata.nextLink": z.optional(z.string()) });

async function folderAt(graph: GraphClient, path: string, label: string): Promise<ResolvedFolder> {
  try {
    return await graph.getParsed(path, folderSchema, "a mail folder");
  } catch (error) {
    if (error instanceof GraphError && FOLDER_NOT_FOUND_CODES.has(error.code)) {
      throw new FolderNotFoundError(`there is no folder "${label}"`, { cause: error });
    }
    throw error;
  }
}

/** Lists hidden folders too: by default Graph leaves them out (docs/microsoft.md, "Hidden folders"). */
async function childNamed(graph: GraphClient, listPath: string, name: string, parent: string): Promise<ResolvedFolder> {
  let link: string | undefined = `${listPath}?includeHiddenFolders=true&$top=${FOLDER_PAGE}&$select=id,displayName`;
  while (link !== undefined) {
    const page: z.output<typeof folderPageSchema> = await graph.getParsed(link, folderPageSchema, "a folder list");
    const match = page.value.find((folder) => folder.displayName.toLowerCase() === name.toLowerCase());
    if (match !== undefined) {
      return { id: match.id, displayName: match.displayName };
    }
    link = page["@odata.nextLink"];
  }
  throw new FolderNotFoundError(`there is no folder "${name}" in ${parent}`);
}

/** The Graph path of a mailbox: the account's own (`me`) or a shared one by address. */
export function mailboxPath(mailbox: string): string {
  return mailbox === "me" ? "/me" : `/users/${encodeURIComponent(mailbox)}`;
}
