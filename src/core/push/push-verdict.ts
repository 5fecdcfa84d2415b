/**
 * What a failure to create, renew or reauthorize a subscription means for the administrator: the
 * `reason` a handler's `pushStatus` shows (words from `push-advice.ts` and `advice.ts`), and whether it passes by itself.
 * @module
 */
import { AccountTokenError } from "../accounts/token-broker.ts";
import { adviceText, tokenFailureAdvice } from "../advice.ts";
import { pushFolderTakenAdvice, subscriptionAdvice } from "./push-advice.ts";
import { HandlerBlockedError } from "../handlers/run-verdict.ts";
import { GraphError } from "../microsoft/graph-client.ts";

/** Another handler holds the subscription Graph allows for this folder (a 409 naming it). */
export class FolderTakenError extends Error {
  override readonly name = "FolderTakenError";
  readonly handlerId: string;

  constructor(handlerId: string, options?: { cause?: unknown }) {
    super(`handler ${handlerId} holds the subscription for this folder`, options);
    this.handlerId = handlerId;
  }
}

export interface PushFailure {
  reason: string;
  /** Set when the failure was not one edgepost knows: a bug, to be logged with its details. */
  unexpected: Error | null;
}

export interface PushFailureContext {
  notificationUrl: string;
  /** How to name the account, e.g. `account acct_… (adele@contoso.com)`. */
  account: string;
}

export function pushFailure(error: unknown, context: PushFailureContext): PushFailure {
  if (error instanceof FolderTakenError) {
    return { reason: pushFolderTakenAdvice({ handlerId: error.handlerId }), unexpected: null };
  }
  if (error instanceof GraphError) {
    return { reason: adviceText(subscriptionAdvice(error, context)), unexpected: null };
  }
  if (error instanceof AccountTokenError) {
    return { reason: adviceText(tokenFailureAdvice(error.result, { account: context.account })), unexpected: null };
  }
  if (error instanceof HandlerBlockedError) {
    return { reason: error.message, unexpected: null };
  }
  return {
    reason: "Setting up change notifications failed unexpectedly; the Worker's log has the details.",
    unexpected: error instanceof Error ? error : new Error(String(error)),
  };
}
