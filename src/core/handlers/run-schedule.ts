/**
 * When a handler runs again after a run, besides its poll interval: at once when the run stopped at a
 * limit with work left, else when the next delivery retry falls due, so retries never wait for the next
 * poll. After failed runs in a row it backs off, so a failure that repeats (a bug, a poisoned message,
 * Graph down) costs a few runs an hour, not one after another.
 * @module
 */

/** After failed runs in a row: 30 s, 1 min, 2 min, 5 min, 10 min, then 15 minutes. */
const FAILED_RUN_BACKOFF_MS = [30_000, 60_000, 120_000, 300_000, 600_000, 900_000] as const;

/** How long to wait after `failedRuns` failed runs in a row (0 after a good run). */
export function failedRunBackoffMs(failedRuns: number): number {
  if (failedRuns <= 0) {
    return 0;
  }
  return FAILED_RUN_BACKOFF_MS[Math.min(failedRuns, FAILED_RUN_BACKOFF_MS.length) - 1] ?? 900_000;
}

/** What the end of a run knows. */
export interface RunEnd {
  now: number;
  /** The run stopped at a limit with mail left to read or deliver. */
  moreWork: boolean;
  /** Failed runs in a row, this one included (0 when it went well). */
  failedRuns: number;
  /** When the earliest pending delivery may be retried; null for none. */
  retryAt: number | null;
}

/** The time of the next run the handler asks for itself; null leaves it to the poll interval. */
export function nextRunAt(end: RunEnd): number | null {
  const backoff = failedRunBackoffMs(end.failedRuns);
  if (end.moreWork && backoff === 0) {
    return end.now;
  }
  return end.retryAt === null ? null : Math.max(end.retryAt, end.now + backoff);
}
