/**
 * What the handler form offers to pick from: the account's mailboxes (its own and the shared ones its
 * handlers read), the chosen mailbox's folder tree (`GET /api/accounts/{id}/folders`), and the closest
 * folder when one typed was not found.
 * @module
 */
import { mailboxSchema } from "../../core/handlers/handler.ts";
import { closestFolderPath } from "../../core/mail/folder-suggestion.ts";
import { mailboxName } from "../views/components.tsx";
import { labelledIssues } from "./form-spec.ts";
import { HANDLER_FORM } from "./handler-form.ts";
import { callApi } from "./internal-api.ts";
import type { Context } from "hono";
import type { AccountView } from "../../core/accounts/account.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { FolderTree, MailFolderEntry } from "../../core/mail/folder-tree.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { AppEnv } from "../http/context.ts";
import type { Suggestion } from "../views/form-fields.tsx";
import type { FormValues } from "./form-spec.ts";

/** How a folder may be given besides picking it, told under the folder field. */
const FOLDER_FORMS = "or type a well-known name (inbox), a folder id, or a path such as Inbox/Support.";

/** The mailboxes the account can be pointed at: its own, and every shared one a handler of it reads. */
export function mailboxSuggestions(account: AccountView | undefined, handlers: readonly HandlerView[]): Suggestion[] {
  if (account === undefined) {
    return [];
  }
  const shared = new Set(
    handlers.filter((handler) => handler.accountId === account.id && handler.mailbox !== "me").map((h) => h.mailbox),
  );
  return [
    { value: "me", label: `${mailboxName(account)} (its own mailbox)` },
    ...[...shared].sort().map((mailbox) => ({ value: mailbox, label: "shared mailbox" })),
  ];
}

/** The folders the form offers for the chosen account and mailbox, and what the form says about them. */
export interface FolderChoice {
  folders: MailFolderEntry[];
  note: string;
}

export async function folderChoice(
  c: Context<AppEnv>,
  account: AccountView | undefined,
  mailbox: string,
): Promise<FolderChoice> {
  const wanted = mailbox.trim().toLowerCase() === "" ? "me" : mailbox.trim().toLowerCase();
  if (account === undefined) {
    return { folders: [], note: `Choose an account to pick from its folders, ${FOLDER_FORMS}` };
  }
  if (account.status !== "connected") {
    return {
      folders: [],
      note: `${mailboxName(account)} must be reconnected before its folders can be listed; ${FOLDER_FORMS}`,
    };
  }
  if (!mailboxSchema.safeParse(wanted).success) {
    return { folders: [], note: `Type "me" or a mailbox address to pick from its folders, ${FOLDER_FORMS}` };
  }
  const where = wanted === "me" ? mailboxName(account) : wanted;
  const result = await callApi<FolderTree>(
    c,
    "GET",
    `/accounts/${account.id}/folders?mailbox=${encodeURIComponent(wanted)}`,
  );
  if (!result.ok) {
    const why =
      result.status === 502 && wanted !== "me"
        ? `${mailboxName(account)} may not read ${wanted} (Full Access is needed in Exchange), or it does not exist`
        : "Microsoft did not answer";
    return {
      folders: [],
      note: `The folders of ${where} could not be read: ${why}. Type the folder instead: ${FOLDER_FORMS}`,
    };
  }
  return {
    folders: result.data.items,
    note: `Pick one of the ${result.data.items.length} folders of ${where}${result.data.complete ? "" : " (the list stops early in a very large mailbox)"}, ${FOLDER_FORMS}`,
  };
}

/** Field messages in the form's words; a folder that was not found gets the closest one as a suggestion. */
export function formErrors(
  issues: readonly FieldIssue[],
  values: FormValues,
  folders: readonly MailFolderEntry[],
): FieldIssue[] {
  return labelledIssues(HANDLER_FORM, issues).map((issue) => {
    const typed = values[issue.path];
    if ((issue.path !== "folder" && issue.path !== "moveToFolder") || typeof typed !== "string") {
      return issue;
    }
    const closest = closestFolderPath(typed, folders);
    return closest === null ? issue : { path: issue.path, message: `${issue.message}. Did you mean "${closest}"?` };
  });
}
