/**
 * Handler checks (`POST /api/handlers/{id}/check`): what each check found, in the administrator's
 * words, and what a refused write to a mailbox needs.
 * @module
 */
import { describeMailbox, mailAccessAdvice, sentence } from "../advice.ts";
import type { Advice, FixPlace } from "../advice.ts";
import type { GraphError } from "../microsoft/graph-client.ts";

/** The result of one check as the administrator reads it. */
export interface CheckWords {
  detail: string;
  fix?: string;
  where?: FixPlace;
}

/** A failed check's words from advice: the problem as the detail, the fix where there is one. */
export function failedCheck(advice: Advice): CheckWords {
  return {
    detail: sentence(advice.problem),
    ...(advice.fix === null ? {} : { fix: sentence(advice.fix) }),
    ...(advice.where === null ? {} : { where: advice.where }),
  };
}

export const CHECK_WORDS = {
  notRun: (reason: string): CheckWords => ({ detail: `Not checked: ${reason}.` }),
  tokenOk: (account: string, expiresAt: string): CheckWords => ({
    detail: `Microsoft issues access tokens for the ${account} (the current one is valid until ${expiresAt}).`,
  }),
  mailboxOk: (mailbox: string, account: string): CheckWords => ({
    detail: `The ${account} can open ${describeMailbox(mailbox)}.`,
  }),
  folderOk: (reference: string, displayName: string): CheckWords => ({
    detail: `Folder "${reference}" exists (shown as "${displayName}") and can be read.`,
  }),
  folderMissing: (field: "folder" | "moveToFolder", message: string): CheckWords => ({
    detail: sentence(message),
    fix:
      field === "folder"
        ? "Edit the handler and pick an existing folder in Folder (Show the folders lists them)."
        : "Edit the handler and pick an existing folder in Move to folder, or create that folder in Outlook.",
    where: "handler",
  }),
  writeOk: (mailbox: string, account: string, action: string): CheckWords => ({
    detail: `The ${account} may change mail in ${describeMailbox(mailbox)}, as ${action} needs: a message's read state was written back unchanged.`,
  }),
  writeUnproven: (action: string): CheckWords => ({
    detail: `Not proven: the folder holds no message whose read state could be written back unchanged. The handler's first ${action} proves the right; a missing one then shows as the handler's error.`,
  }),
  sendAsUnverifiable: (mailbox: string, account: string): CheckWords => ({
    detail:
      `Microsoft Graph offers no way to ask whether the ${account} may send as ${mailbox} ` +
      "(https://learn.microsoft.com/graph/outlook-send-mail-from-other-user); only a send shows it. " +
      `Run the check with a test send (Check with a test send, or {"sendAs": true}) to send one short message as ${mailbox} to the account's own address.`,
  }),
  sendAsOk: (mailbox: string, ownAddress: string): CheckWords => ({
    detail: `Microsoft accepted a test message sent as ${mailbox} to ${ownAddress}: the account has Send As (or Send on Behalf).`,
  }),
  pushActive: (expiresAt: string | null): CheckWords => ({
    detail: `Microsoft notifies edgepost of new mail in the folder${expiresAt === null ? "" : ` (the subscription is valid until ${expiresAt} and is renewed before then)`}.`,
  }),
  pushPending: (): CheckWords => ({
    detail: "The subscription for change notifications is being set up; the handler polls meanwhile.",
  }),
  pushUnavailable: (reason: string | null): CheckWords => ({
    detail: reason ?? "Microsoft offers no change notifications for this handler; it polls.",
  }),
  pushFailed: (reason: string | null): CheckWords => ({
    detail: "Change notifications failed; the handler polls meanwhile.",
    ...(reason === null ? {} : { fix: reason }),
    where: "settings",
  }),
  webhookOk: (status: number): CheckWords => ({
    detail: `Jira accepted a test payload (HTTP ${status}). It carries "test": true in data, so a rule can leave it out with a condition on {{webhookData.test}}.`,
  }),
} as const;

/**
 * Why a write to a mailbox (marking read, moving) was refused. For a shared mailbox the missing piece is
 * Exchange's Full Access (read-only folder sharing lets Graph read but not write); for the account's own
 * mailbox it is the Mail.ReadWrite permission.
 */
export function writeAccessAdvice(error: GraphError, context: { mailbox: string; account: string }): Advice {
  if (error.status === 403 && context.mailbox !== "me") {
    return {
      problem: `The ${context.account} may read but not change mail in mailbox ${context.mailbox} (${error.code}); marking read and moving need Full Access`,
      fix: `In the Exchange admin center open Recipients → Mailboxes → ${context.mailbox} → Delegation → Read and manage (Full Access), and add the user; the credential also needs Mail.ReadWrite.Shared`,
      where: "exchange",
      transient: false,
    };
  }
  if (error.status === 403) {
    return {
      problem: `Graph refused to change mail in the ${context.account}'s mailbox (${error.code})`,
      fix: "In the Azure portal open App registrations → the app → API permissions and add Microsoft Graph's delegated Mail.ReadWrite, then reconnect the account so the user consents",
      where: "azure",
      transient: false,
    };
  }
  return mailAccessAdvice(error, context);
}
