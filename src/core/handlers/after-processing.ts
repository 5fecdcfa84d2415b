/**
 * Marking read or moving what was handled, 20 messages per `$batch`, while deliveries go on: a batch
 * starts as soon as twenty are waiting, and the run finishes the rest at its end. Items Graph throttles
 * are sent again after their `Retry-After` (a few rounds per run); whatever still fails stays due for
 * the next run. Nothing here is ever posted again, and nothing here turns a handler to `error`: a
 * failure is reported as a warning (docs/microsoft.md, "Throttled batches").
 * @module
 */
import { adviceText, mailAccessAdvice } from "../advice.ts";
import { mailboxPath } from "../mail/folder-lookup.ts";
import { BATCH_LIMIT, isRetryableStatus, sendBatch } from "../microsoft/graph-batch.ts";
import { graphErrorOf } from "../microsoft/graph-client.ts";
import { IMMUTABLE_IDS } from "./delta-reader.ts";
import type { BatchResult } from "../microsoft/graph-batch.ts";
import type { RunDeps, RunSettings } from "./handler-run.ts";

/**
 * `send`: a run marks everything it handled before it ends. `hold`: a partial batch waits for a later
 * run, unless its oldest message arrived `HOLD_MAX_MS` ago or more. A run woken by a change
 * notification usually handles one or two messages; a `$batch` each would cost a Graph request per
 * message on top of the delta read. Held messages are delivered already; only their mark-read waits,
 * and the next poll (within `pollIntervalMinutes`) sends everything.
 */
export type PartialBatches = "send" | "hold";

/** The longest a delivered message waits to be marked read while partial batches are held. */
export const HOLD_MAX_MS = 60_000;

/** Rounds of sending throttled items again within one run. */
const ROUNDS_PER_RUN = 3;
/** Longest `Retry-After` waited for inside a run; past it the items wait for the next run. */
const MAX_WAIT_SECONDS = 30;

export interface AfterProcessingReport {
  /** Messages still to mark read or move after this run. */
  failures: number;
  /** What went wrong, in words for the handler's page; null when nothing did. */
  warning: string | null;
}

export class AfterProcessing {
  readonly #settings: RunSettings;
  readonly #deps: RunDeps;
  /** Ids in a batch right now, or failed for good in this run: not picked again. */
  readonly #excluded = new Set<string>();
  /** Ids Graph would not change in this run: left for the next one. */
  readonly #failed = new Set<string>();
  /** Deliveries since the due list was last looked at: it is read again only once a batch could be full. */
  #deliveredSinceCheck = 0;
  #running: Promise<void> | null = null;
  #failures = 0;
  #warning: string | null = null;

  constructor(settings: RunSettings, deps: RunDeps) {
    this.#settings = settings;
    this.#deps = deps;
  }

  /** Called after each delivery: starts a batch once a full one is waiting. */
  kick(): void {
    this.#deliveredSinceCheck++;
    if (this.#running !== null || this.#deliveredSinceCheck < BATCH_LIMIT) {
      return;
    }
    this.#deliveredSinceCheck = 0;
    if (this.#due().length === BATCH_LIMIT) {
      this.#running = this.#work({ fullBatchesOnly: true }).finally(() => {
        this.#running = null;
      });
    }
  }

  /** The run is over: waits for the batch in flight, then handles everything left. */
  async finish(): Promise<AfterProcessingReport> {
    await this.#running;
    await this.#work({ fullBatchesOnly: this.#holdsPartialBatch() });
    return { failures: this.#failures, warning: this.#failures > 0 ? this.#warning : null };
  }

  async #work(options: { fullBatchesOnly: boolean }): Promise<void> {
    for (;;) {
      const due = this.#due();
      if (due.length === 0 || (options.fullBatchesOnly && due.length < BATCH_LIMIT)) {
        return;
      }
      if (this.#settings.afterProcessing === "none") {
        this.#deps.store.recordAfterProcessed(due);
        continue;
      }
      for (const id of due) {
        this.#excluded.add(id);
      }
      try {
        await this.#process(due);
      } catch (error) {
        // Graph failed outside the batch's items (a token problem, a malformed answer): next run.
        this.#fail(due.length, error instanceof Error ? error.message : String(error), due);
        continue;
      }
      // Done ones are no longer due; only what failed for good stays excluded.
      for (const id of due) {
        if (!this.#failed.has(id)) {
          this.#excluded.delete(id);
        }
      }
    }
  }

  #holdsPartialBatch(): boolean {
    if (this.#settings.partialBatches === "send") {
      return false;
    }
    const oldest = this.#deps.store.oldestAfterProcessingDue();
    return oldest !== null && Date.parse(oldest) > this.#deps.clock.now() - HOLD_MAX_MS;
  }

  #due(): string[] {
    return this.#deps.store
      .afterProcessingDue(BATCH_LIMIT + this.#excluded.size)
      .filter((id) => !this.#excluded.has(id))
      .slice(0, BATCH_LIMIT);
  }

  /** One batch, with rounds for what Graph throttled. */
  async #process(ids: readonly string[]): Promise<void> {
    let pending = [...ids];
    for (let round = 1; pending.length > 0; round++) {
      const results = await sendBatch(
        this.#deps.graph,
        pending.map((id) => this.#item(id)),
        { prefer: IMMUTABLE_IDS },
      );
      const done = pending.filter((_, index) => isDone(results[index] as BatchResult));
      this.#deps.store.recordAfterProcessed(done);
      const failed = pending.filter((_, index) => !isDone(results[index] as BatchResult));
      const failures = results.filter((result) => !isDone(result));
      if (failed.length === 0) {
        return;
      }
      const retryable = failures.every((result) => isRetryableStatus(result.status));
      const wait = Math.max(1, ...failures.map((result) => result.retryAfterSeconds ?? 1));
      if (!retryable || round === ROUNDS_PER_RUN || wait > MAX_WAIT_SECONDS) {
        this.#fail(failed.length, this.#describe(failures), failed);
        return;
      }
      await this.#deps.sleep(wait * 1000);
      pending = failed;
    }
  }

  #item(id: string): { method: "PATCH" | "POST"; url: string; body: unknown } {
    const path = `${mailboxPath(this.#settings.mailbox)}/messages/${encodeURIComponent(id)}`;
    return this.#settings.afterProcessing === "move"
      ? { method: "POST", url: `${path}/move`, body: { destinationId: this.#settings.moveToFolderId } }
      : { method: "PATCH", url: path, body: { isRead: true } };
  }

  #fail(count: number, reason: string, ids: readonly string[]): void {
    for (const id of ids) {
      this.#failed.add(id);
    }
    this.#failures += count;
    const verb = this.#settings.afterProcessing === "move" ? "move" : "mark read";
    this.#warning = `Graph did not ${verb} ${this.#failures} message${this.#failures === 1 ? "" : "s"}: ${reason}. They are tried again on the next run.`;
    this.#deps.logger.warn("handler.after_processing_deferred", { handlerId: this.#settings.handlerId, count });
  }

  /** The statuses Graph gave, and for a refusal what right is missing. */
  #describe(failures: readonly BatchResult[]): string {
    const statuses = [...new Set(failures.map((result) => result.status))].join(", ");
    const refused = failures.find((result) => result.status === 403 || result.status === 401);
    if (refused === undefined) {
      return `HTTP ${statuses}`;
    }
    const error = graphErrorOf(refused.status, refused.body, null);
    return `HTTP ${statuses}. ${adviceText(mailAccessAdvice(error, { mailbox: this.#settings.mailbox, account: "account" }))}`;
  }
}

/** Done: changed, or gone (a 404 means the message is no longer there to change). */
function isDone(result: BatchResult): boolean {
  return (result.status >= 200 && result.status < 300) || result.status === 404;
}
