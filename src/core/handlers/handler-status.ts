/**
 * A handler's status, from what its object knows: whether it is enabled, how its last run ended, and
 * what waits in its outbox. `ok` means nothing waits. What needs a person outranks what passes by
 * itself: `error` (runs fail until the administrator fixes something), then `attention` (dead letters,
 * or mail a run could not mark read, wait for a person), then `retrying` (deliveries or the run wait for a retry, which edgepost does).
 * @module
 */
import type { RunOutcomeKind } from "./run-verdict.ts";
import type { HandlerStatus } from "./handler.ts";

export interface StatusFacts {
  enabled: boolean;
  /** Epoch ms of the last run, or null when it never ran. */
  lastRunAt: number | null;
  lastOutcome: RunOutcomeKind | null;
  lastError: string | null;
  /** Deliveries waiting for a retry. */
  pending: number;
  /** Messages on the dead letters, waiting for a person to retry them. */
  deadLettered: number;
}

export function handlerStatus(facts: StatusFacts): HandlerStatus {
  if (!facts.enabled) {
    return "disabled";
  }
  if (facts.lastRunAt === null) {
    return "idle";
  }
  if (facts.lastOutcome === "blocked") {
    return "error";
  }
  if (facts.deadLettered > 0) {
    return "attention";
  }
  if (facts.lastOutcome === "delayed" || facts.pending > 0) {
    return "retrying";
  }
  // The run itself went well; what it reports (mail it could not mark read, dead letters) waits for a person.
  return facts.lastError === null ? "ok" : "attention";
}

/** A run succeeded when it ran to the end and no delivery in it failed (not even one left for a retry). */
export function runSucceeded(outcome: RunOutcomeKind, counts: { failed: number; deadLettered: number }): boolean {
  return outcome === "ok" && counts.failed === 0 && counts.deadLettered === 0;
}
