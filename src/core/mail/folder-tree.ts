/**
 * A mailbox's folder tree, read from Graph for the handler form's folder picker: every folder with its
 * path of display names (`Inbox/Support`, the form a handler's `folder` takes). Hidden folders are
 * included (https://learn.microsoft.com/graph/api/resources/mailfolder: listing leaves them out unless
 * `includeHiddenFolders=true`). One level is listed at a time, its folders side by side (the Graph
 * client keeps to Outlook's four concurrent requests per mailbox), and the walk stops after a fixed
 * number of requests so one page view stays cheap however large the mailbox.
 * @module
 */
import * as z from "../zod.ts";
import { mailboxPath } from "./folder-lookup.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";

/** Folders asked for per page (Graph pages folder lists; `$top` may go up to 1000 for Outlook collections). */
const FOLDER_TREE_PAGE = 250;
/** Graph requests one tree may cost; past it the tree is returned as far as it was read. */
export const FOLDER_TREE_MAX_REQUESTS = 40;
/** Nesting followed at most; Outlook folders deeper than this are rare and still usable by id or path. */
const FOLDER_TREE_MAX_DEPTH = 8;

const folderPageSchema = z.object({
  value: z.array(
    z.object({
      id: z.string().check(z.minLength(1)),
      displayName: z.string(),
      childFolderCount: z.catch(z.int().check(z.nonnegative()), 0),
    }),
  ),
  "@odata.nextLink": z.optional(z.string()),
});

export interface MailFolderEntry {
  id: string;
  displayName: string;
  /** Display names from the top of the mailbox, joined by `/`: what a handler's `folder` accepts. */
  path: string;
  childFolderCount: number;
}

export interface FolderTree {
  /** Parents before their children, siblings in Graph's order. */
  items: MailFolderEntry[];
  /** False when the request budget or the depth limit cut the walk short. */
  complete: boolean;
}

/** The folder tree of `mailbox` (`me` or a shared mailbox's address). */
export async function readFolderTree(graph: GraphClient, mailbox: string): Promise<FolderTree> {
  const base = mailboxPath(mailbox);
  const budget = { requests: FOLDER_TREE_MAX_REQUESTS };
  const children = new Map<string, MailFolderEntry[]>();
  let complete = true;
  const top = await listFolders(graph, `${base}/mailFolders`, "", budget);
  complete &&= top.complete;
  let level = top.items;
  for (let depth = 1; level.length > 0; depth++) {
    const parents = level.filter((folder) => folder.childFolderCount > 0);
    if (parents.length > 0 && (depth >= FOLDER_TREE_MAX_DEPTH || budget.requests <= 0)) {
      complete = false;
      break;
    }
    const lists = await Promise.all(
      parents.map((parent) =>
        listFolders(graph, `${base}/mailFolders/${encodeURIComponent(parent.id)}/childFolders`, parent.path, budget),
      ),
    );
    for (const [index, parent] of parents.entries()) {
      children.set(parent.id, lists[index]?.items ?? []);
    }
    complete &&= lists.every((list) => list.complete);
    level = lists.flatMap((list) => list.items);
  }
  return { items: flatten(top.items, children), complete };
}

async function listFolders(
  graph: GraphClient,
  listPath: string,
  parentPath: string,
  budget: { requests: number },
): Promise<{ items: MailFolderEntry[]; complete: boolean }> {
  const items: MailFolderEntry[] = [];
  let link: string | undefined =
    `${listPath}?includeHiddenFolders=true&$top=${FOLDER_TREE_PAGE}&$select=id,displayName,childFolderCount`;
  while (link !== undefined) {
    if (budget.requests <= 0) {
      return { items, complete: false };
    }
    budget.requests--;
    const page: z.output<typeof folderPageSchema> = await graph.getParsed(link, folderPageSchema, "a folder list");
    for (const folder of page.value) {
      const path = parentPath === "" ? folder.displayName : `${parentPath}/${folder.displayName}`;
      items.push({ id: folder.id, displayName: folder.displayName, path, childFolderCount: folder.childFolderCount });
    }
    link = page["@odata.nextLink"];
  }
  return { items, complete: true };
}

function flatten(level: MailFolderEntry[], children: ReadonlyMap<string, MailFolderEntry[]>): MailFolderEntry[] {
  return level.flatMap((folder) => [folder, ...flatten(children.get(folder.id) ?? [], children)]);
}
