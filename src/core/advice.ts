/**
 * What to tell an administrator when Microsoft or Jira refuses something (a token, a mailbox, a send,
 * the webhook): what is wrong, in their words, and what to change where. Handler runs, API problems and
 * pages wrap these sentences; none of them writes its own, so the same failure reads the same
 * everywhere. Push, alerts and checks keep their words beside them, on this module's types and helpers
 * (`push/push-advice.ts`, `alerts/alert-advice.ts`, `handlers/check-advice.ts`).
 * @module
 */
import type { AccessTokenFailure } from "./accounts/token-broker.ts";
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

/** Text as a sentence: capitalised, ending with a full stop. */
export function sentence(text: string): string {
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

/**
 * How an administrator replaces a client secret, from the Azure portal to edgepost
 * (https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials).
 */
export const NEW_CLIENT_SECRET_STEPS =
  "In the Azure portal open App registrations → the app → Certificates & secrets → Client secrets → New client secret, " +
  "copy the new secret's Value (not its Secret ID), and paste it into the credential's Client secret in edgepost " +
  "(Edit credentials), with its Expires date.";
