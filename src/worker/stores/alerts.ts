/**
 * Reaching the alerts object, and reporting to it from places whose own work must not fail because
 * alerts could not be told (a token refresh, a handler's publish): such a failure is logged, and the
 * source reports again with its next change (the directory shards also retry from the cron).
 * @module
 */
import { CONSOLE_LOGGER } from "../log.ts";
import type { AlertSubject, ConditionReport, SubjectType } from "../../core/alerts/alert-rules.ts";
import type { Env } from "../env.ts";
import type { AlertsObject } from "../objects/alerts-object.ts";

/** There is one alerts object: alerts change rarely, and one place sees every subject's state. */
export function alertsObject(env: Env): DurableObjectStub<AlertsObject> {
  return env.ALERTS.getByName("alerts");
}

/** Reports to the alerts object; true when it took the report. */
export async function reportToAlerts(env: Env, subject: AlertSubject, reports: ConditionReport[]): Promise<boolean> {
  try {
    await alertsObject(env).report(subject, reports);
    return true;
  } catch (error) {
    CONSOLE_LOGGER.error("alerts.report_failed", {
      subject: subject.type,
      id: subject.id,
      error: error instanceof Error ? error.message : "unknown",
    });
    return false;
  }
}

/** Tells the alerts object that a subject was deleted; a failure is logged (the banner shows it until the next change). */
export async function forgetInAlerts(env: Env, type: SubjectType, id: string): Promise<void> {
  try {
    await alertsObject(env).forget(type, id);
  } catch (error) {
    CONSOLE_LOGGER.warn("alerts.forget_failed", {
      subject: type,
      id,
      error: error instanceof Error ? error.message : "unknown",
    });
  }
}
