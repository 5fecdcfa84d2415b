/**
 * What to tell an administrator about a handler's change notifications: why Microsoft cannot notify it,
 * why Graph refused its subscription, and what fixes it. The push rules and verdicts wrap these words.
 * @module
 */
import type { Advice } from "../advice.ts";
import type { GraphError } from "../microsoft/graph-client.ts";

/** Why Microsoft cannot notify a handler at all; it polls instead. */
export function pushUnavailableAdvice(facts: {
  cause: "shared_mailbox" | "no_public_url" | "http_public_url";
}): string {
  switch (facts.cause) {
    case "shared_mailbox":
      return (
        "Microsoft sends change notifications for a shared mailbox only to apps with application permissions, " +
        "not to a signed-in user, so this handler polls."
      );
    case "no_public_url":
      return (
        "PUBLIC_URL is not set, so Microsoft has no address to notify: set it to the Worker's https address " +
        "(such as https://edgepost.example.workers.dev). The handler polls meanwhile."
      );
    case "http_public_url":
      return (
        "PUBLIC_URL uses http and Microsoft calls only https addresses: set it to the Worker's https address. " +
        "The handler polls meanwhile."
      );
  }
}

/**
 * Another handler holds the app's one subscription for this folder: Graph refuses a second one for the
 * same resource and change type with 409 (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks).
 */
export function pushFolderTakenAdvice(facts: { handlerId: string }): string {
  return (
    `Handler ${facts.handlerId} already receives change notifications for this folder, and Microsoft allows ` +
    "one subscription per folder and app, so this handler polls. It subscribes once that handler stops."
  );
}

/**
 * Why Graph would not create, renew or reauthorize a handler's subscription, and what fixes it.
 * `notificationUrl` is where Microsoft was asked to call; `account` names the account, e.g.
 * `account acct_… (adele@contoso.com)`. The messages Graph sends are listed at
 * https://learn.microsoft.com/graph/change-notifications-delivery-webhooks.
 */
export function subscriptionAdvice(error: GraphError, context: { notificationUrl: string; account: string }): Advice {
  const detail = `${error.code}: ${error.message}`;
  if (/notificationurl scheme/i.test(error.message)) {
    return {
      problem: `Graph refused ${context.notificationUrl} because it is not https (${detail})`,
      fix: "set PUBLIC_URL to the Worker's https address",
      where: "settings",
      transient: false,
    };
  }
  if (error.code === "ValidationError" || /validation request|underlying connection/i.test(error.message)) {
    return {
      problem: `Microsoft could not validate ${context.notificationUrl} (${detail})`,
      fix:
        "make PUBLIC_URL the Worker's public https address, reachable from the internet without a sign-in " +
        "(nothing such as Cloudflare Access in front of /graph/*)",
      where: "settings",
      transient: false,
    };
  }
  if (error.status === 401) {
    return {
      problem: `Graph refused the ${context.account}'s access token for a subscription (${error.code})`,
      fix: "reconnect the account",
      where: "account",
      transient: false,
    };
  }
  if (error.status === 403) {
    return {
      problem: `Graph refused to subscribe to the folder for the ${context.account} (${detail})`,
      fix:
        "the credential needs Mail.Read or Mail.ReadWrite with the user's consent; Microsoft also refuses " +
        "a mailbox that already has 1,000 subscriptions",
      where: "azure",
      transient: false,
    };
  }
  if (error.status === 404) {
    return {
      problem: `Graph did not find the handler's folder when subscribing (${detail})`,
      fix: "check the handler's folder",
      where: "handler",
      transient: false,
    };
  }
  if (error.status === 0 || error.status === 429 || error.status >= 500) {
    return {
      problem: `Graph could not set up change notifications just now (${error.code}); edgepost tries again shortly`,
      fix: null,
      where: null,
      transient: true,
    };
  }
  return {
    problem: `Graph refused the subscription: ${error.status} ${detail}`,
    fix: null,
    where: null,
    transient: false,
  };
}
