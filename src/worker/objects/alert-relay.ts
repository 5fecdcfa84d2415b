/**
 * How a directory shard passes on what its accounts and handlers need a person for: it keeps each
 * subject's latest condition reports and tells the alerts object when they differ from what that object
 * last took, in the order the summaries came, and sends again on the next tick what it could not take.
 * The alerts object decides what is a change (a repeat fires nothing); this only spares it the calls
 * that could not change anything.
 * @module
 */
import { reportToAlerts } from "../stores/alerts.ts";
import type { AlertSubject, ConditionReport } from "../../core/alerts/alert-rules.ts";
import type { Env } from "../env.ts";
import type { DirectoryTables, ReportedKind } from "./directory-tables.ts";

/** What the shard reports about a subject: who it is and its conditions. */
export interface SubjectReports {
  subject: AlertSubject;
  reports: ConditionReport[];
}

export class AlertRelay {
  readonly #env: Env;
  readonly #tables: DirectoryTables;
  /** Per subject, the report being sent: the next waits for it, so reports arrive in the order of the summaries. */
  readonly #sending = new Map<string, Promise<void>>();

  constructor(env: Env, tables: DirectoryTables) {
    this.#env = env;
    this.#tables = tables;
  }

  /** Keeps the subject's latest reports and sends them if they are news to the alerts object. */
  async report(kind: ReportedKind, id: string, current: SubjectReports): Promise<void> {
    this.#tables.setAlertReports(kind, id, JSON.stringify(current));
    await this.#send(kind, id);
  }

  /** Sends again up to `limit` subjects' reports the alerts object did not take when they changed. */
  async resend(limit: number): Promise<{ due: number; reported: number }> {
    const due = this.#tables.unreportedAlerts(limit);
    await Promise.all(due.map((subject) => this.#send(subject.kind, subject.id)));
    const reported = due.filter((subject) => {
      const row = this.#tables.alertReports(subject.kind, subject.id);
      return row === null || row.reports === row.reported;
    }).length;
    return { due: due.length, reported };
  }

  /** Sends the subject's latest reports once any sending for it has finished. */
  #send(kind: ReportedKind, id: string): Promise<void> {
    const key = `${kind}:${id}`;
    const previous = this.#sending.get(key) ?? Promise.resolve();
    const sending = previous
      .catch(() => undefined)
      .then(async () => {
        const row = this.#tables.alertReports(kind, id);
        if (row === null || row.reports === row.reported || row.reports === "") {
          return;
        }
        const latest = JSON.parse(row.reports) as SubjectReports;
        // Never reported and nothing holds: the alerts object knows nothing to clear.
        const nothingHolds = latest.reports.every((report) => "cleared" in report);
        if (
          (row.reported === "" && nothingHolds) ||
          (await reportToAlerts(this.#env, latest.subject, latest.reports))
        ) {
          this.#tables.markAlertsReported(kind, id, row.reports);
        }
      });
    const settled = sending.finally(() => {
      if (this.#sending.get(key) === settled) {
        this.#sending.delete(key);
      }
    });
    this.#sending.set(key, settled);
    return settled;
  }
}
