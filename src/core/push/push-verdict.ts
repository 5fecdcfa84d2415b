/**
 * What a failure to create, renew or reauthorize a subscription means for the administrator: the
 * `reason` a handler's `pushStatus` shows (words from `advice.ts`), and whether it passes by itself.
 * @module
 */
import { AccountTokenError } from "../accounts/token-broker.ts";
import { adviceText, subscriptionAdvice, tokenFailureAdvice } from "../advice.ts";
import { HandlerBlockedError } from "../handlers/run-verdict.ts";
import { GraphError } from "../microsoft/graph-client.ts";

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
