/**
 * What an alert tells a person: each condition that needs one (a secret expiring or refused, an account
 * to reconnect, a handler failing, dead letters, push failed) as advice, what its resolution says, and
 * the one line a chat webhook shows.
 * @module
 */
import { explainCode, NEW_CLIENT_SECRET_STEPS, sentence, webhookRefusalAdvice } from "../advice.ts";
import type { Advice, FixPlace } from "../advice.ts";
import type { AccountView } from "../accounts/account.ts";
import type { HandlerView } from "../handlers/handler.ts";

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
function resolvedPhrase(condition: string, subject: string): string {
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
