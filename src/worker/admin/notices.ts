/**
 * What a page says after an action redirected to it. Every action answers `303 See Other` to a page
 * whose URL carries a short code and, where the message needs them, counts and the id of the record
 * concerned (`/handlers/hdl_…?notice=ran&fetched=2&delivered=1…`): reloading that page repeats nothing,
 * and no text travels in URLs. The words are edgepost's own (or `src/core/advice.ts`'s), never an API
 * problem's `detail`, which speaks of API calls.
 * @module
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/context.ts";
import type { Notice } from "../views/components.tsx";

/** What a notice may use: counts from the URL, and the name of the record concerned ("" when none). */
interface NoticeFacts {
  count(name: string): number;
  subject: string;
}

const NOTICES = {
  "credential-created": () => ({
    kind: "ok",
    text: "Credentials saved. Copy the Redirect URI into Azure, then authorize a mailbox.",
  }),
  "credential-saved": () => ({ kind: "ok", text: "Credentials saved." }),
  "credential-deleted": () => ({ kind: "ok", text: "Credentials deleted." }),
  "credential-in-use": () => ({
    kind: "error",
    text: "These credentials still connect mailboxes: disconnect them first.",
    link: { href: "/accounts", label: "Go to Accounts" },
  }),
  "authorize-failed": () => ({
    kind: "error",
    text: "Microsoft's sign-in could not be started for these credentials; check them and try again.",
  }),
  "token-ok": (facts) => ({
    kind: "ok",
    text: `${facts.subject}: Microsoft accepted the sign-in and issued a fresh token.`,
  }),
  "token-reauth": (facts) => ({
    kind: "error",
    text: `${facts.subject} must sign in to Microsoft again: press Reconnect next to it.`,
  }),
  "token-credential": (facts) => ({
    kind: "error",
    text: `Microsoft refused the credentials ${facts.subject} signs in with: put a new client secret on them. The mailbox itself is fine.`,
  }),
  "token-unavailable": (facts) => ({
    kind: "warn",
    text: `Microsoft did not answer for ${facts.subject}; edgepost tries again by itself.`,
  }),
  "token-failed": (facts) => ({ kind: "error", text: `The connection of ${facts.subject} could not be tested.` }),
  "reconnect-failed": (facts) => ({
    kind: "error",
    text: `Reconnecting ${facts.subject} could not start: the credentials it signed in with no longer exist.`,
  }),
  "account-deleted": () => ({ kind: "ok", text: "Mailbox disconnected and its tokens erased." }),
  "account-in-use": (facts) => ({
    kind: "error",
    text: `${facts.subject} is still used by handlers: delete them first.`,
    link: { href: "/handlers", label: "Go to Handlers" },
  }),
  "handler-created": () => ({ kind: "ok", text: "Handler created. It runs within a minute, or press Run now." }),
  "handler-saved": () => ({ kind: "ok", text: "Handler saved." }),
  "handler-deleted": () => ({ kind: "ok", text: "Handler deleted." }),
  ran: (facts) => runSummary(facts),
  "run-disabled": () => ({ kind: "warn", text: "This handler is disabled: edit it and tick Enabled to run it." }),
  "run-failed": () => ({ kind: "error", text: "The run could not be started; try again in a moment." }),
  "check-failed": () => ({ kind: "error", text: "The checks could not be run; try again in a moment." }),
  "alerts-saved": () => ({ kind: "ok", text: "Alert settings saved." }),
  "alert-test-delivered": () => ({ kind: "ok", text: "The test alert was delivered." }),
  "alert-test-failed": () => ({
    kind: "error",
    text: "The alert webhook did not take the test alert; its answer is listed below. edgepost tries again by itself if it may help.",
  }),
  "alert-test-no-webhook": () => ({ kind: "warn", text: "Set the alert webhook first, then send a test." }),
  "retry-delivered": () => ({ kind: "ok", text: "Delivered; the message left the dead letters." }),
  "retry-failed": () => ({ kind: "error", text: "Still failing: the dead letter's last error says why." }),
  "retry-gone": () => ({ kind: "warn", text: "That message is no longer among the dead letters." }),
  retried: (facts) =>
    facts.count("failed") === 0
      ? {
          kind: "ok",
          text: `Retried: ${facts.count("delivered") === 1 ? "the message was" : `all ${facts.count("delivered")} were`} delivered.`,
        }
      : {
          kind: "error",
          text: `Retried: ${facts.count("delivered")} delivered, ${facts.count("failed")} still failing (see their last errors below).`,
        },
} as const satisfies Record<string, (facts: NoticeFacts) => Notice>;

export type NoticeCode = keyof typeof NOTICES;

/** The counts of a run, in the order the summary names them. */
const RUN_COUNTS = ["fetched", "delivered", "skipped", "failed", "pending", "deadLettered"] as const;

/** A run that failed anything is not reported as a success. */
function runSummary(facts: NoticeFacts): Notice {
  const counts = `${facts.count("fetched")} new, ${facts.count("delivered")} delivered, ${facts.count("skipped")} skipped, ${facts.count("pending")} waiting for a retry, ${facts.count("deadLettered")} to the dead letters.`;
  return facts.count("failed") > 0 || facts.count("deadLettered") > 0
    ? { kind: "error", text: `Run finished with failures: ${counts}` }
    : { kind: "ok", text: `Run finished: ${counts}` };
}

/**
 * The address of a page showing an action's result: `code`, counts, and `about` (the id of the record
 * concerned, also the fragment, so the page scrolls to it).
 */
export function resultUrl(
  path: string,
  code: NoticeCode,
  options: { counts?: Readonly<Record<string, number>>; about?: string } = {},
): string {
  const query = new URLSearchParams({ notice: code });
  for (const [name, value] of Object.entries(options.counts ?? {})) {
    query.set(name, String(value));
  }
  if (options.about !== undefined) {
    query.set("about", options.about);
  }
  return `${path}?${query}${options.about === undefined ? "" : `#${options.about}`}`;
}

/** The run's counts for `resultUrl`. */
export function runCounts(counts: Readonly<Record<(typeof RUN_COUNTS)[number], number>>): Record<string, number> {
  return Object.fromEntries(RUN_COUNTS.map((name) => [name, counts[name]]));
}

/** The id of the record a result is about, from `?about=`. */
export function aboutOf(c: Context<AppEnv>): string | null {
  return c.req.query("about") ?? null;
}

/**
 * The notice the page's `?notice=` names, or null. `subject` names the record `?about=` points at (the
 * page knows it: e.g. an account's mailbox); counts are read as whole numbers, anything else as 0.
 */
export function noticeOf(c: Context<AppEnv>, subject: (id: string) => string | null = () => null): Notice | null {
  const code = c.req.query("notice") ?? "";
  if (!Object.hasOwn(NOTICES, code)) {
    return null;
  }
  const about = aboutOf(c);
  const facts: NoticeFacts = {
    count: (name) => {
      const value = c.req.query(name) ?? "";
      return /^\d{1,9}$/.test(value) ? Number(value) : 0;
    },
    subject: (about === null ? null : subject(about)) ?? "The mailbox",
  };
  return NOTICES[code as NoticeCode](facts);
}
