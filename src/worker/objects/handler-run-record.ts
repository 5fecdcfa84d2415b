/**
 * One run of a handler as its object records it: the core's `runHandler` with the object's inputs,
 * what went wrong in words an administrator acts on (`runVerdict`, or the dead letters' last error),
 * the compaction of messages past retention, and the run's row (outcome, error, failed runs in a row).
 * @module
 */
import { webhookRefusalAdvice } from "../../core/advice.ts";
import { emptyRunCounts } from "../../core/handlers/handler.ts";
import { runHandler } from "../../core/handlers/handler-run.ts";
import { runSucceeded } from "../../core/handlers/handler-status.ts";
import { runVerdict } from "../../core/handlers/run-verdict.ts";
import { webhookStatusOf } from "../../core/jira/webhook-client.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import type { FixPlace } from "../../core/advice.ts";
import type { PartialBatches } from "../../core/handlers/after-processing.ts";
import type { HandlerConfig, RunCounts } from "../../core/handlers/handler.ts";
import type { RunOutcomeKind } from "../../core/handlers/run-verdict.ts";
import type { Clock } from "../../core/ports.ts";
import type { HandlerRunInputs } from "./handler-run-inputs.ts";
import type { HandlerRow, HandlerTables } from "./handler-tables.ts";

export interface RecordedRun {
  counts: RunCounts;
  outcome: RunOutcomeKind;
  lastError: string | null;
  /** The run stopped at a limit with work left. */
  moreWork: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Messages compacted after one run: bounded, so a large backlog past retention costs many runs a little. */
const COMPACT_PER_RUN = 2000;

export async function runAndRecord(
  handler: { row: HandlerRow; config: HandlerConfig },
  options: { partialBatches: PartialBatches },
  deps: { tables: HandlerTables; inputs: HandlerRunInputs; clock: Clock },
): Promise<RecordedRun> {
  const { row, config } = handler;
  const { tables, inputs, clock } = deps;
  const startedAt = clock.now();
  const counts = emptyRunCounts();
  let outcome: RunOutcomeKind = "ok";
  let lastError: string | null = null;
  let where: FixPlace | null = null;
  let moreWork = false;
  // Outside the verdict: a broken setting is no mailbox problem; it fails the call with a `ConfigError` naming it.
  const graph = await inputs.graph(config);
  try {
    const folders = await inputs.folders(graph, config);
    const result = await runHandler(
      { ...(await inputs.settings(row, folders)), partialBatches: options.partialBatches },
      await inputs.deps(graph, row.id),
      counts,
    );
    const deadLetterError = counts.deadLettered > 0 ? (tables.lastDeadLetterError() ?? "unknown") : null;
    lastError =
      deadLetterError === null
        ? result.warning
        : `${counts.deadLettered} message(s) went to the dead letters; last error: ${deadLetterError}`;
    where = deadLetterError === null ? null : webhookRefusalAdvice(webhookStatusOf(deadLetterError)).where;
    moreWork = result.moreWork;
  } catch (error) {
    const verdict = runVerdict(error, {
      mailbox: config.mailbox,
      account: `account ${config.accountId} (${row.account_label})`,
      folder: config.folder,
    });
    outcome = verdict.outcome;
    lastError = verdict.message;
    where = verdict.where;
    if (verdict.unexpected !== null) {
      CONSOLE_LOGGER.error("handler.run_failed", {
        handlerId: row.id,
        error: verdict.unexpected.name,
        message: verdict.unexpected.message,
      });
    }
  }
  counts.pending = tables.pendingCount();
  tables.compact({ before: clock.now() - config.retentionDays * DAY_MS, limit: COMPACT_PER_RUN });
  tables.recordRun({ startedAt, outcome, lastError, where, succeeded: runSucceeded(outcome, counts) });
  return { counts, outcome, lastError, moreWork };
}
