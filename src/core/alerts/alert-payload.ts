/**
 * What edgepost posts to the alert webhook (`docs/api.md`, "Checks and alerts"): the event, how
 * serious it is, what it is about, one readable line (chat webhooks show `text` as it is) and the fix.
 * Built only from the administrator's words in `alert-advice.ts` and names of records, so it carries no
 * secret or token.
 * @module
 */
import { alertLine, oneLine } from "./alert-advice.ts";
import { severityOf } from "./alert-rules.ts";
import type { ActiveCondition, AlertEvent, AlertSubject } from "./alert-rules.ts";

export interface AlertPayload {
  /** An event of `ALERT_EVENTS`, or `alert.test` for the Alerts page's test. */
  event: AlertEvent | "alert.test";
  severity: "info" | "warning" | "error";
  /** When the change was seen, ISO 8601. */
  at: string;
  subject: AlertSubject;
  /** One line: what happened and, for a new problem, what is wrong. */
  text: string;
  /** What to do; null for a resolution. */
  fix: string | null;
  /** The admin page of the subject, when `PUBLIC_URL` is set; else null. */
  link: string | null;
  /** True only for the test alert the Alerts page sends. */
  test?: true;
}

/** A fix can be long (steps in the Azure portal); chat messages stay readable within this. */
const FIX_MAX = 600;

/** The payload for a condition that started (`raised`, with its words) or ended (`resolved`). */
export function alertPayload(input: {
  fires: "raised" | "resolved";
  condition: ActiveCondition;
  subject: AlertSubject;
  at: string;
  /** `PUBLIC_URL`, without trailing slash, or null. */
  publicUrl: string | null;
}): AlertPayload {
  const { fires, condition, subject } = input;
  const resolved = fires === "resolved";
  return {
    event: resolved ? `${condition.condition}.resolved` : condition.condition,
    severity: severityOf({ condition: condition.condition, fires, level: condition.level }),
    at: input.at,
    subject,
    text: alertLine({ resolved, problem: condition.detail, subject: subject.name, condition: condition.condition }),
    fix: resolved || condition.fix === null ? null : oneLine(condition.fix, FIX_MAX),
    link: input.publicUrl === null ? null : `${input.publicUrl}${subjectPagePath(subject)}`,
  };
}

/** The admin page that shows the subject. */
export function subjectPagePath(subject: Pick<AlertSubject, "type" | "id">): string {
  const section = { account: "accounts", credential: "credentials", handler: "handlers" }[subject.type];
  return subject.type === "account" ? `/${section}#${subject.id}` : `/${section}/${subject.id}`;
}
