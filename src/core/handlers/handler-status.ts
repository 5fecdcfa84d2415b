/**
 * A handler's status, from what its object knows: whether it is enabled, how its last run ended, and
 * what waits in its outbox.
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
  if (facts.lastOutcome === "delayed" || facts.pending > 0) {
    return "retrying";
  }
  // The run itself went well; what it reports (mail it could not mark read, dead letters) waits for a person.
  return facts.lastError === null ? "ok" : "attention";
}
