/**
 * What a handler run that stopped early means: `blocked` when only the administrator can fix it (the
 * handler turns to `error` and every run fails the same way until then), `delayed` when it passes by
 * itself (the next run resumes where this one stopped). The words come from `advice.ts`.
 * @module
 */
import { AccountTokenError } from "../accounts/token-broker.ts";
import { adviceText, describeMailbox, mailAccessAdvice, tokenFailureAdvice } from "../advice.ts";
import { FolderNotFoundError } from "../mail/folder-lookup.ts";
import { GraphError } from "../microsoft/graph-client.ts";
import type { Advice, FixPlace } from "../advice.ts";

/** Something only the administrator can fix (status `error`): the run will fail the same way until then. */
export class HandlerBlockedError extends Error {
  override readonly name: string = "HandlerBlockedError";
  /** Where the administrator makes the fix, when known. */
  readonly where: FixPlace | null;

  constructor(message: string, options: { where?: FixPlace; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.where = options.where ?? null;
  }
}

/** A passing failure (status `retrying`): the next run picks up where this one stopped. */
export class HandlerDelayedError extends Error {
  override readonly name = "HandlerDelayedError";
}

export type RunOutcomeKind = "ok" | "blocked" | "delayed";

export interface RunFailureContext {
  /** `me` or the shared mailbox's address. */
  mailbox: string;
  /** How to name the account, e.g. `account acct_… (adele@contoso.com)`. */
  account: string;
  folder: string;
}

export interface RunVerdict {
  outcome: Exclude<RunOutcomeKind, "ok">;
  /** What the handler shows as `lastError`. */
  message: string;
  /** Where the administrator makes the fix (`lastErrorWhere`), or null when none is known. */
  where: FixPlace | null;
  /** Set when the failure was not one edgepost knows: a bug, logged with its details. */
  unexpected: Error | null;
}

/** The verdict on an error that ended a run. */
export function runVerdict(error: unknown, context: RunFailureContext): RunVerdict {
  if (error instanceof HandlerDelayedError) {
    return { outcome: "delayed", message: error.message, where: null, unexpected: null };
  }
  if (error instanceof HandlerBlockedError) {
    return { outcome: "blocked", message: error.message, where: error.where, unexpected: null };
  }
  if (error instanceof FolderNotFoundError) {
    return {
      outcome: "blocked",
      message: `Folder "${context.folder}" was not found in ${describeMailbox(context.mailbox)}: ${error.message}`,
      where: "handler",
      unexpected: null,
    };
  }
  if (error instanceof AccountTokenError) {
    return fromAdvice(tokenFailureAdvice(error.result, { account: context.account }));
  }
  if (error instanceof GraphError) {
    return fromAdvice(mailAccessAdvice(error, { mailbox: context.mailbox, account: context.account }));
  }
  return {
    outcome: "blocked",
    message: "The run failed unexpectedly; the Worker's log has the details",
    where: null,
    unexpected: error instanceof Error ? error : new Error(String(error)),
  };
}

function fromAdvice(advice: Advice): RunVerdict {
  return {
    outcome: advice.transient ? "delayed" : "blocked",
    message: adviceText(advice),
    where: advice.where,
    unexpected: null,
  };
}
