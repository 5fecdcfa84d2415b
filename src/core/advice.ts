/**
 * What to tell an administrator when Microsoft refuses something: what is wrong, in their words, and
 * what to change where. Handler runs, API problems and pages wrap these sentences; none of them
 * writes its own, so the same failure reads the same everywhere.
 * @module
 */
import type { AccountView } from "./accounts/account.ts";
import type { AccessTokenFailure } from "./accounts/token-broker.ts";
import type { HandlerView } from "./handlers/handler.ts";
import type { GraphError } from "./microsoft/graph-client.ts";

/** Where the administrator makes the fix; `settings` are the Worker's own (`wrangler.toml` vars and secrets). */
export type FixPlace = "account" | "credential" | "exchange" | "azure" | "handler" | "jira" | "settings";

export interface Advice {
  /** What is wrong, one sentence without a final period. */
  problem: string;
  /** What to do, or null when edgepost recovers by itself (outages, throttling). */
  fix: string | null;
  where: FixPlace | null;
  /** Waiting helps: edgepost retries on its own. */
  transient: boolean;
}

/** The advice as one line: the problem, then the fix, as sentences. */
export function adviceText(advice: Advice): string {
  return advice.fix === null ? sentence(advice.problem) : `${sentence(advice.problem)} ${sentence(advice.fix)}`;
}

function sentence(text: string): string {
  const capitalised = `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** What an AADSTS code means for the administrator, in plain words. */
const AADSTS_EXPLANATIONS: Readonly<Record<number, string>> = {
  50173: "The grant was revoked: the user's password was reset or their sessions were revoked. Reconnect the mailbox.",
  65001:
    "Consent was removed (for example at myapps.microsoft.com) or never given for these permissions. Reconnect the mailbox.",
  700082: "The refresh token expired after 90 days without use. Reconnect the mailbox.",
  70008: "The grant expired. Reconnect the mailbox.",
  70000: "The refresh token is no longer valid. Reconnect the mailbox.",
  70043: "Conditional Access requires the user to sign in again. Reconnect the mailbox.",
  50076: "Multi-factor authentication is now required. Reconnect the mailbox.",
  50079: "The user must register for multi-factor authentication. Reconnect the mailbox.",
  7000215: "The client secret is wrong: paste the secret's Value (not its Secret ID) into the credential.",
  7000222: "The client secret has expired: create a new one in the Azure portal and put its Value on the credential.",
  7000218: "No client secret was sent: put the secret's Value on the credential.",
  700016: "The application (client) ID is not known in this tenant: check the credential's client ID and endpoints.",
  90033: "Microsoft had a transient failure; edgepost retries shortly.",
};

export function explainAadsts(code: number | null): string | null {
  return code === null ? null : (AADSTS_EXPLANATIONS[code] ?? null);
}

/** What the administrator should read for a code shown as `AADSTS50173`: our words, else null. */
export function explainCode(code: string): string | null {
  const digits = /^AADSTS(\d+)$/.exec(code)?.[1];
  return explainAadsts(digits === undefined ? null : Number(digits));
}

const CLIENT_SECRET_CODES = new Set(["AADSTS7000215", "AADSTS7000222", "AADSTS7000218", "invalid_client"]);

/** Whether a credential was refused for its client secret (rather than its id, tenant or scopes). */
export function isClientSecretProblem(code: string): boolean {
  return CLIENT_SECRET_CODES.has(code);
}

/** Why no access token could be had for an account, and what fixes it. `account` names it, e.g. `account acct_… (adele@contoso.com)`. */
export function tokenFailureAdvice(failure: AccessTokenFailure, context: { account: string }): Advice {
  switch (failure.reason) {
    case "reauth_required":
      return {
        problem: `The ${context.account} needs re-authorization (${failure.statusReason.code}: ${failure.statusReason.message})`,
        fix: "reconnect it",
        where: "account",
        transient: false,
      };
    case "credential_rejected":
      return isClientSecretProblem(failure.code)
        ? {
            problem: `Microsoft refused credential ${failure.credentialId}'s client secret (${failure.code})`,
            fix: `${explainCode(failure.code) ?? "Put a new client secret on it."} ${NEW_CLIENT_SECRET_STEPS}`,
            where: "credential",
            transient: false,
          }
        : {
            problem: `Microsoft refused credential ${failure.credentialId} (${failure.code})`,
            fix: explainCode(failure.code) ?? "check its client ID, endpoints and scopes",
            where: "credential",
            transient: false,
          };
    case "credential_missing":
      return {
        problem: `The ${context.account}'s credential ${failure.credentialId} no longer exists`,
        fix: "connect the mailbox through another credential",
        where: "credential",
        transient: false,
      };
    case "not_found":
      return {
        problem: `The ${context.account} no longer exists`,
        fix: "point the handler at another account",
        where: "handler",
        transient: false,
      };
    case "upstream_unavailable":
      return {
        problem: `Microsoft's token endpoint failed (${failure.code}); retrying after ${failure.retryAfterSeconds} s`,
        fix: null,
        where: null,
        transient: true,
      };
    case "refresh_limited":
      return {
        problem: `The ${context.account}'s token was force-refreshed too often (at most 10 a minute reach Microsoft); try again after ${failure.retryAfterSeconds} s`,
        fix: null,
        where: null,
        transient: true,
      };
  }
}

/** `me` or the shared mailbox's address, as a phrase. */
export function describeMailbox(mailbox: string): string {
  return mailbox === "me" ? "the account's mailbox" : `mailbox ${mailbox}`;
}

/** Why Graph refused to read or change mail in a mailbox, and which right or setting fixes it. */
export function mailAccessAdvice(error: GraphError, context: { mailbox: string; account: string }): Advice {
  const { mailbox, account } = context;
  if (error.status === 403 && mailbox !== "me") {
    return {
      problem: `The ${account} may not use mailbox ${mailbox} (${error.code})`,
      fix: "in Exchange, give the user Full Access (read and manage) on that mailbox, and make sure the credential has Mail.ReadWrite.Shared",
      where: "exchange",
      transient: false,
    };
  }
  if (error.status === 403) {
    return {
      problem: `Graph denied access to the ${account}'s mailbox (${error.code})`,
      fix: "the credential needs Mail.ReadWrite and the user's consent to it",
      where: "azure",
      transient: false,
    };
  }
  if (MAILBOX_MISSING_CODES.has(error.code) || (error.status === 404 && mailbox !== "me")) {
    return mailboxMissingAdvice(error, context);
  }
  if (error.status === 401) {
    return {
      problem: `Graph refused the ${account}'s access token even after a refresh (${error.code})`,
      fix: "reconnect the account",
      where: "account",
      transient: false,
    };
  }
  if (error.status === 0 || error.status === 429 || error.status >= 500) {
    return {
      problem: `Graph is unavailable or throttling (${error.code}); the next run resumes where this one stopped`,
      fix: null,
      where: null,
      transient: true,
    };
  }
  return {
    problem: `Graph refused a request for ${describeMailbox(mailbox)}: ${error.status} ${error.code}: ${error.message}`,
    fix: null,
    where: null,
    transient: false,
  };
}

/** Codes meaning the mailbox itself is wrong, not a folder in it (docs/microsoft.md, "Mailbox-level errors"). */
const MAILBOX_MISSING_CODES = new Set(["ErrorInvalidUser", "MailboxNotEnabledForRESTAPI", "ResourceNotFound"]);

function mailboxMissingAdvice(error: GraphError, context: { mailbox: string; account: string }): Advice {
  const which = context.mailbox === "me" ? `The ${context.account}'s own mailbox` : `Mailbox ${context.mailbox}`;
  if (error.code === "MailboxNotEnabledForRESTAPI") {
    return {
      problem: `${which} cannot be reached through Microsoft Graph (MailboxNotEnabledForRESTAPI): it is inactive, soft-deleted or hosted on-premises`,
      fix: "in the Microsoft 365 admin center, check that the user has an Exchange Online licence and that the mailbox is in Exchange Online",
      where: "exchange",
      transient: false,
    };
  }
  return {
    problem:
      context.mailbox === "me"
        ? `${which} was not found (${error.code})`
        : `Mailbox ${context.mailbox} does not exist or has no Exchange Online mailbox (${error.code})`,
    fix:
      context.mailbox === "me"
        ? "check in the Microsoft 365 admin center that the user still exists and has a mailbox, then reconnect the account"
        : "check the handler's mailbox address (the shared mailbox's primary SMTP address) in the Exchange admin center",
    where: context.mailbox === "me" ? "account" : "handler",
    transient: false,
  };
}

/** Why Graph refused a `sendMail`, and what fixes it. `account` names it, e.g. `Account acct_… (adele@contoso.com)`. */
export function sendAdvice(error: GraphError, context: { account: string; from: string | null }): Advice {
  const from = context.from ?? "that mailbox";
  if (error.code === "ErrorSendAsDenied") {
    return {
      problem: `${context.account} may not send as ${from} (ErrorSendAsDenied)`,
      fix: `in Exchange, give the user Send As or Send on Behalf on ${from}; the credential also needs Mail.Send.Shared`,
      where: "exchange",
      transient: false,
    };
  }
  if (error.status === 403) {
    return {
      problem: `Graph refused to send for ${context.account} (${error.code})`,
      fix: "the credential needs Mail.Send (Mail.Send.Shared for shared mailboxes) and the user's consent",
      where: "azure",
      transient: false,
    };
  }
  return {
    problem: `Graph refused the message (${error.status} ${error.code}: ${error.message})`,
    fix: null,
    where: null,
    transient: false,
  };
}

/**
 * What a Jira Automation webhook's refusal means, from the status it answered (null: no answer).
 * Atlassian does not document the incoming-webhook trigger's error statuses
 * (https://support.atlassian.com/cloud-automation/docs/configure-the-incoming-webhook-trigger-in-atlassian-automation/),
 * so this reads them by their HTTP meaning: 401/403 a refused `X-Automation-Webhook-Token`, 404/410 a
 * URL Jira does not know, another 4xx a refused message.
 */
export function webhookRefusalAdvice(status: number | null): Advice {
  if (status === 401 || status === 403) {
    return {
      problem: `Jira refused the webhook secret (${status})`,
      fix: "copy the secret from the Jira rule's Incoming webhook trigger into the handler's Webhook secret",
      where: "handler",
      transient: false,
    };
  }
  if (status === 404 || status === 410) {
    return {
      problem: `Jira does not know the webhook URL (${status}): the rule may have been deleted, or its URL changed`,
      fix: "copy the URL from the Jira rule's Incoming webhook trigger into the handler",
      where: "handler",
      transient: false,
    };
  }
  if (status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return {
      problem: `Jira refused the message (${status})`,
      fix: "check the rule's audit log in Jira (is the rule enabled?), then retry the dead letters",
      where: "jira",
      transient: false,
    };
  }
  return {
    problem: status === null ? "Jira could not be reached" : `Jira failed (${status})`,
    fix: null,
    where: null,
    transient: true,
  };
}

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

/**
 * How an administrator replaces a client secret, from the Azure portal to edgepost
 * (https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials).
 */
export const NEW_CLIENT_SECRET_STEPS =
  "In the Azure portal open App registrations → the app → Certificates & secrets → Client secrets → New client secret, " +
  "copy the new secret's Value (not its Secret ID), and paste it into the credential's Client secret in edgepost " +
  "(Edit credentials), with its Expires date.";

/** A credential's client secret close to (or past) the expiry date the administrator entered. */
export function secretExpiryAdvice(facts: { credential: string; expiresOn: string; daysLeft: number }): Advice {
  const when =
    facts.daysLeft < 0
      ? `expired on ${facts.expiresOn}`
      : facts.daysLeft === 0
        ? `expires today (${facts.expiresOn})`
        : `expires in ${facts.daysLeft} day${facts.daysLeft === 1 ? "" : "s"}, on ${facts.expiresOn}`;
  return {
    problem: `The client secret of credential “${facts.credential}” ${when}; after that Microsoft refuses it (AADSTS7000222) and every mailbox of the credential stops`,
    fix: NEW_CLIENT_SECRET_STEPS,
    where: "credential",
    transient: false,
  };
}

/** Microsoft refused a credential's client secret when an account refreshed its token. */
export function secretRejectedAdvice(facts: { credential: string; code: string }): Advice {
  return {
    problem: `Microsoft refused the client secret of credential “${facts.credential}” (${facts.code}): ${sentence(explainCode(facts.code) ?? "it is wrong or expired")} Mailboxes connected through it get no new tokens`,
    fix: NEW_CLIENT_SECRET_STEPS,
    where: "credential",
    transient: false,
  };
}

/** An account whose grant Microsoft refused: the user must sign in again. */
export function reauthAdvice(account: Pick<AccountView, "email" | "username" | "statusReason">): Advice {
  const reason = account.statusReason;
  const why = reason === null ? "" : ` (${reason.code}: ${explainCode(reason.code) ?? firstLine(reason.message)})`;
  return {
    problem: `Mailbox ${account.email ?? account.username} must be reconnected${why}`,
    fix: `Open Accounts in edgepost and press Reconnect next to it; ${account.username} signs in to Microsoft again`,
    where: "account",
    transient: false,
  };
}

/** Where and how a handler's error is fixed, by the place its advice named. */
function placeFix(where: FixPlace | null): string | null {
  switch (where) {
    case "account":
      return "Reconnect the account on edgepost's Accounts page";
    case "credential":
      return "Fix the credential in edgepost (usually a new client secret)";
    case "exchange":
      return "Change the mailbox's rights in the Exchange admin center (Recipients → Mailboxes → the mailbox → Delegation)";
    case "azure":
      return "Change the app in the Azure portal (App registrations → the app → API permissions), then reconnect the account";
    case "handler":
      return "Edit the handler in edgepost";
    case "jira":
      return "Check the rule in Jira Automation (is it enabled? its audit log), then retry the dead letters";
    case "settings":
      return "Change the Worker's settings (wrangler.toml vars or secrets) and deploy again";
    case null:
      return null;
  }
}

/** A handler whose runs fail until someone fixes what `lastError` says. */
export function handlerErrorAdvice(handler: Pick<HandlerView, "name" | "lastError" | "lastErrorWhere">): Advice {
  return {
    problem: `Handler “${handler.name}” stopped: ${handler.lastError ?? "its last run failed"}`,
    fix: placeFix(handler.lastErrorWhere),
    where: handler.lastErrorWhere,
    transient: false,
  };
}

/** Messages Jira refused for good wait on a handler's dead letters. */
export function deadLetterAdvice(
  handler: Pick<HandlerView, "name" | "counts" | "lastError">,
  lastStatus: number | null,
): Advice {
  const count = handler.counts.deadLettered;
  const refusal = webhookRefusalAdvice(lastStatus);
  return {
    problem: `Handler “${handler.name}” has ${count} dead letter${count === 1 ? "" : "s"}: mail Jira did not take${handler.lastError === null ? "" : ` (${handler.lastError})`}`,
    fix: `${refusal.fix === null ? "Once Jira answers again" : sentence(refusal.fix)} Then press Retry all on the handler's page.`,
    where: refusal.where ?? "jira",
    transient: false,
  };
}

/** A handler's change notifications failed; `reason` (its push status) already says what to fix. */
export function pushFailedAdvice(handler: Pick<HandlerView, "name" | "pushStatus">): Advice {
  return {
    problem: `Change notifications for handler “${handler.name}” failed; it polls every few minutes meanwhile`,
    fix: handler.pushStatus.reason,
    where: "settings",
    transient: false,
  };
}

/** What a resolved alert says happened, as a phrase after "Resolved:". */
export function resolvedPhrase(condition: string, subject: string): string {
  switch (condition) {
    case "account.reauth_required":
      return `mailbox ${subject} is connected again`;
    case "credential.secret_rejected":
      return `Microsoft accepts the client secret of credential “${subject}” again`;
    case "credential.secret_expiring":
      return `the client secret of credential “${subject}” no longer expires within 30 days`;
    case "handler.error":
      return `handler “${subject}” runs again`;
    case "handler.dead_letter":
      return `handler “${subject}” has no dead letters left`;
    default:
      return `change notifications for handler “${subject}” work again`;
  }
}

/** The one line a chat webhook shows for an alert: no line breaks, within `ALERT_TEXT_MAX` characters. */
export function alertLine(parts: { resolved: boolean; problem: string; subject: string; condition: string }): string {
  const text = parts.resolved ? `Resolved: ${resolvedPhrase(parts.condition, parts.subject)}` : parts.problem;
  return oneLine(`edgepost: ${sentence(text)}`, ALERT_TEXT_MAX);
}

const ALERT_TEXT_MAX = 500;

/** Text folded onto one line and cut at `max` characters (with an ellipsis). */
export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? text;
}

// Handler checks (`POST /api/handlers/{id}/check`): what each check found, in the administrator's words.

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
