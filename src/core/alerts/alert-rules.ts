/**
 * When edgepost tells a human: the conditions that need a person (an account to reconnect, a client
 * secret refused or about to expire, a handler that stopped, dead letters, failed change
 * notifications), how each is read from what the objects report, and the one rule that turns reports
 * into alerts: an alert fires when a condition starts (or, for an expiring secret, crosses another
 * threshold) and once more when it ends, never while it merely goes on.
 * @module
 */
import {
  deadLetterAdvice,
  handlerErrorAdvice,
  pushFailedAdvice,
  reauthAdvice,
  secretExpiryAdvice,
  secretRejectedAdvice,
} from "./alert-advice.ts";
import { expiryDay, secretExpiryMs } from "../credentials/secret-expiry.ts";
import type { AccountView } from "../accounts/account.ts";
import type { Advice, FixPlace } from "../advice.ts";
import type { HandlerView } from "../handlers/handler.ts";

/** The conditions, each named like the event it raises (`docs/api.md`, "Checks and alerts"). */
export const ALERT_CONDITIONS = [
  "account.reauth_required",
  "credential.secret_rejected",
  "credential.secret_expiring",
  "handler.error",
  "handler.dead_letter",
  "push.failed",
] as const;

export type AlertCondition = (typeof ALERT_CONDITIONS)[number];
export type AlertEvent = AlertCondition | `${AlertCondition}.resolved`;

/** Every event name: each condition, then its `.resolved`. */
export const ALERT_EVENTS: readonly AlertEvent[] = [
  ...ALERT_CONDITIONS,
  ...ALERT_CONDITIONS.map((condition): AlertEvent => `${condition}.resolved`),
];

export type SubjectType = "account" | "credential" | "handler";

/** What an alert is about; `name` is what the administrator calls it (a mailbox address, a handler's name). */
export interface AlertSubject {
  type: SubjectType;
  id: string;
  name: string;
}

/** A condition that holds now, with what the administrator reads about it. */
export interface ActiveCondition {
  condition: AlertCondition;
  /** What is wrong, one line. */
  detail: string;
  /** What to do, one line; null when edgepost recovers by itself. */
  fix: string | null;
  where: FixPlace | null;
  /** For `credential.secret_expiring`: the threshold in days reached (30, 7 or 1); else null. */
  level: number | null;
}

/** What a source reports about one condition of a subject: it holds (with its words), or it does not. */
export type ConditionReport = ActiveCondition | { condition: AlertCondition; cleared: true };

/** The days before `clientSecretExpiresAt` at which `credential.secret_expiring` fires, widest first. */
export const SECRET_EXPIRY_THRESHOLDS_DAYS: readonly number[] = [30, 7, 1];

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The threshold a secret expiring at `expiresAt` (epoch ms) has reached at `now`: 30, 7 or 1 (the
 * narrowest reached, so an expired secret is at 1), or null while more than 30 days are left.
 */
export function secretExpiryLevel(expiresAt: number, now: number): number | null {
  const left = expiresAt - now;
  const reached = SECRET_EXPIRY_THRESHOLDS_DAYS.filter((days) => left <= days * DAY_MS);
  return reached.length === 0 ? null : Math.min(...reached);
}

/** Whole days left before `expiresAt` (epoch ms), rounded down; negative once it has passed. */
export function daysLeft(expiresAt: number, now: number): number {
  return Math.floor((expiresAt - now) / DAY_MS);
}

/** What storing `report` over `stored` means: the state to keep, and whether an alert fires. */
export interface Transition {
  next: ActiveCondition | null;
  fires: "raised" | "resolved" | null;
}

/**
 * The rule: a condition that starts fires; one that goes on fires nothing (its words are updated);
 * one that ends fires its `.resolved`. An expiring secret fires again when it crosses a narrower
 * threshold (once, however many it crossed since), and quietly widens when its date moves out.
 */
export function transition(stored: ActiveCondition | null, report: ConditionReport): Transition {
  if ("cleared" in report) {
    return { next: null, fires: stored === null ? null : "resolved" };
  }
  if (stored === null) {
    return { next: report, fires: "raised" };
  }
  const narrower = report.level !== null && stored.level !== null && report.level < stored.level;
  return { next: report, fires: narrower ? "raised" : null };
}

/** The conditions a handler's view shows: stopped with an error, dead letters waiting, push failed. */
export function handlerConditions(view: HandlerView): ConditionReport[] {
  // The handler's error names the webhook's last answer (`… last error: webhook answered 401: …`).
  const status = /webhook answered (\d{3})/.exec(view.lastError ?? "")?.[1];
  return [
    holds("handler.error", view.status === "error", () => handlerErrorAdvice(view)),
    holds("handler.dead_letter", view.counts.deadLettered > 0, () =>
      deadLetterAdvice(view, status === undefined ? null : Number(status)),
    ),
    holds("push.failed", view.pushStatus.state === "failed", () => pushFailedAdvice(view)),
  ];
}

/** The condition an account's view shows: it must be reconnected. */
export function accountConditions(view: AccountView): ConditionReport[] {
  return [holds("account.reauth_required", view.status === "reauth_required", () => reauthAdvice(view))];
}

/** Whether a credential's client secret is within 30 days of the expiry date entered for it. */
export function secretExpiryCondition(
  credential: { name: string; clientSecretExpiresAt: string | null },
  now: number,
): ConditionReport {
  const expiresAt = credential.clientSecretExpiresAt === null ? null : secretExpiryMs(credential.clientSecretExpiresAt);
  const level = expiresAt === null ? null : secretExpiryLevel(expiresAt, now);
  return holds(
    "credential.secret_expiring",
    expiresAt !== null && level !== null,
    () =>
      secretExpiryAdvice({
        credential: credential.name,
        expiresOn: expiryDay(credential.clientSecretExpiresAt ?? ""),
        daysLeft: daysLeft(expiresAt ?? now, now),
      }),
    { level },
  );
}

/** Microsoft refused (or accepts again) a credential's client secret. */
export function secretRejectedCondition(
  credential: { name: string },
  refusal: { code: string } | null,
): ConditionReport {
  return holds("credential.secret_rejected", refusal !== null, () =>
    secretRejectedAdvice({ credential: credential.name, code: refusal?.code ?? "" }),
  );
}

/** A report of `condition`: holding, in the advice's words, or cleared. */
export function holds(
  condition: AlertCondition,
  holding: boolean,
  advice: () => Advice,
  options: { level?: number | null } = {},
): ConditionReport {
  if (!holding) {
    return { condition, cleared: true };
  }
  const words = advice();
  return { condition, detail: words.problem, fix: words.fix, where: words.where, level: options.level ?? null };
}

/** How serious an event is: resolutions inform, a threshold of one day is as urgent as a stopped handler. */
export function severityOf(event: {
  condition: AlertCondition;
  fires: "raised" | "resolved";
  level: number | null;
}): "info" | "warning" | "error" {
  if (event.fires === "resolved") {
    return "info";
  }
  switch (event.condition) {
    case "account.reauth_required":
    case "credential.secret_rejected":
    case "handler.error":
      return "error";
    case "credential.secret_expiring":
      return event.level !== null && event.level <= 1 ? "error" : "warning";
    case "handler.dead_letter":
    case "push.failed":
      return "warning";
  }
}
