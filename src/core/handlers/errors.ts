/**
 * Why a handler run stopped early, in words an administrator can act on.
 * @module
 */
import { AccountTokenError } from "../accounts/token-broker.ts";
import { FolderNotFoundError } from "../mail/folders.ts";
import { GraphError } from "../microsoft/graph-client.ts";
import { isClientSecretProblem } from "../microsoft/identity-errors.ts";

/** Something only the administrator can fix (status `error`): the run will fail the same way until then. */
export class HandlerBlockedError extends Error {
  override readonly name = "HandlerBlockedError";
}

/** A passing failure (status `retrying`): the next run picks up where this one stopped. */
export class HandlerDelayedError extends Error {
  override readonly name = "HandlerDelayedError";
}

export interface MailFailureContext {
  /** `me` or the shared mailbox's address. */
  mailbox: string;
  /** How to name the account, e.g. `account acct_… (adele@contoso.com)`. */
  accountLabel: string;
  folder: string;
}

/** Turns a failure while reading or changing mail into the handler's verdict; other errors pass through. */
export function explainMailFailure(error: unknown, context: MailFailureContext): Error {
  if (error instanceof HandlerBlockedError || error instanceof HandlerDelayedError) {
    return error;
  }
  if (error instanceof AccountTokenError) {
    return explainTokenFailure(error, context);
  }
  if (error instanceof FolderNotFoundError) {
    return new HandlerBlockedError(
      `Folder "${context.folder}" was not found in ${describeMailbox(context.mailbox)}: ${error.message}`,
    );
  }
  if (!(error instanceof GraphError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  if (error.status === 403 && context.mailbox !== "me") {
    return new HandlerBlockedError(
      `The ${context.accountLabel} may not use mailbox ${context.mailbox} (${error.code}): in Exchange, give the user Full Access (read and manage) on that mailbox, and make sure the credential has Mail.ReadWrite.Shared`,
    );
  }
  if (error.status === 403) {
    return new HandlerBlockedError(
      `Graph denied access to the ${context.accountLabel}'s mailbox (${error.code}): the credential needs Mail.ReadWrite and the user's consent to it`,
    );
  }
  if (error.status === 404 && context.mailbox !== "me") {
    return new HandlerBlockedError(
      `Mailbox ${context.mailbox} does not exist or has no Exchange Online mailbox (${error.code})`,
    );
  }
  if (error.status === 401) {
    return new HandlerBlockedError(
      `Graph refused the ${context.accountLabel}'s access token even after a refresh (${error.code}); reconnect the account`,
    );
  }
  if (error.status === 0 || error.status === 429 || error.status >= 500) {
    return new HandlerDelayedError(
      `Graph is unavailable or throttling (${error.code}); the next run resumes where this one stopped`,
    );
  }
  return new HandlerBlockedError(
    `Graph refused a request for ${describeMailbox(context.mailbox)}: ${error.status} ${error.code}: ${error.message}`,
  );
}

function explainTokenFailure(error: AccountTokenError, context: MailFailureContext): Error {
  const { result } = error;
  switch (result.reason) {
    case "reauth_required":
      return new HandlerBlockedError(
        `The ${context.accountLabel} needs re-authorization (${result.statusReason.code}: ${result.statusReason.message}); reconnect it`,
      );
    case "credential_rejected":
      return new HandlerBlockedError(
        isClientSecretProblem(result.code)
          ? `Microsoft refused credential ${result.credentialId}'s client secret (${result.code}); ${result.explanation ?? "put a new client secret on it"}`
          : `Microsoft refused credential ${result.credentialId} (${result.code}); ${result.explanation ?? "check its client ID, endpoints and scopes"}`,
      );
    case "credential_missing":
      return new HandlerBlockedError(
        `The ${context.accountLabel}'s credential ${result.credentialId} no longer exists`,
      );
    case "not_found":
      return new HandlerBlockedError(
        `The ${context.accountLabel} no longer exists; point the handler at another account`,
      );
    case "upstream_unavailable":
      return new HandlerDelayedError(
        `Microsoft's token endpoint failed (${result.code}); retrying after ${result.retryAfterSeconds} s`,
      );
  }
}

function describeMailbox(mailbox: string): string {
  return mailbox === "me" ? "the account's mailbox" : `mailbox ${mailbox}`;
}
