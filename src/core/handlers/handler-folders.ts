/**
 * The folders a handler works with, resolved once to Graph ids and named precisely when missing.
 * @module
 */
import { FolderNotFoundError, mailboxPath, parseFolderReference, resolveFolder } from "../mail/folder-lookup.ts";
import { HandlerBlockedError } from "./run-verdict.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";
import type { HandlerConfig } from "./handler.ts";
import type { ResolvedFolders } from "./store.ts";

/** A configured folder does not exist; `field` says which setting names it. */
export class HandlerFolderError extends HandlerBlockedError {
  override readonly name = "HandlerFolderError";
  readonly field: "folder" | "moveToFolder";

  constructor(field: "folder" | "moveToFolder", message: string, options?: { cause?: unknown }) {
    super(message, { where: "handler", cause: options?.cause });
    this.field = field;
  }
}

export async function resolveHandlerFolders(
  graph: GraphClient,
  config: Pick<HandlerConfig, "mailbox" | "folder" | "afterProcessing" | "moveToFolder">,
): Promise<ResolvedFolders> {
  const base = mailboxPath(config.mailbox);
  const where = config.mailbox === "me" ? "the account's mailbox" : `mailbox ${config.mailbox}`;
  const find = async (field: "folder" | "moveToFolder", reference: string): Promise<string> => {
    try {
      return (await resolveFolder(graph, base, parseFolderReference(reference))).id;
    } catch (error) {
      if (error instanceof FolderNotFoundError) {
        throw new HandlerFolderError(
          field,
          `Folder "${reference}" (${field}) was not found in ${where}: ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
  };
  const readId = await find("folder", config.folder);
  const moveId =
    config.afterProcessing === "move" && config.moveToFolder !== null
      ? await find("moveToFolder", config.moveToFolder)
      : null;
  return { readId, moveId };
}
