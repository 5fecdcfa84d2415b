import { describe, expect, it } from "vitest";
import { handlerStatus, runSucceeded } from "../../src/core/handlers/handler-status.ts";
import type { StatusFacts } from "../../src/core/handlers/handler-status.ts";

const RAN_FINE: StatusFacts = {
  enabled: true,
  lastRunAt: 1_000,
  lastOutcome: "ok",
  lastError: null,
  pending: 0,
  deadLettered: 0,
};

describe("a handler's status", () => {
  it("is ok only when the last run ended well and nothing waits", () => {
    expect(handlerStatus(RAN_FINE)).toBe("ok");
    expect(handlerStatus({ ...RAN_FINE, pending: 1 })).toBe("retrying");
    expect(handlerStatus({ ...RAN_FINE, deadLettered: 3 })).toBe("attention");
  });

  it("is idle before the first run and disabled whatever else holds", () => {
    expect(handlerStatus({ ...RAN_FINE, lastRunAt: null, lastOutcome: null })).toBe("idle");
    expect(handlerStatus({ ...RAN_FINE, enabled: false, lastOutcome: "blocked", deadLettered: 2 })).toBe("disabled");
  });

  it("puts what needs a person first: error, then dead letters, then retries", () => {
    expect(handlerStatus({ ...RAN_FINE, lastOutcome: "blocked", lastError: "x", deadLettered: 1, pending: 1 })).toBe(
      "error",
    );
    expect(handlerStatus({ ...RAN_FINE, deadLettered: 1, pending: 1 })).toBe("attention");
    expect(handlerStatus({ ...RAN_FINE, lastOutcome: "delayed", lastError: "Graph is throttling" })).toBe("retrying");
  });

  it("needs attention when a run that ended well left something for a person, and is ok again once it is gone", () => {
    expect(handlerStatus({ ...RAN_FINE, lastError: "Graph would not mark 2 messages read" })).toBe("attention");
    expect(handlerStatus({ ...RAN_FINE, lastOutcome: "ok", lastError: null })).toBe("ok");
  });
});

describe("a run's success", () => {
  it("needs the run to end well with no failed delivery", () => {
    expect(runSucceeded("ok", { failed: 0, deadLettered: 0 })).toBe(true);
    expect(runSucceeded("ok", { failed: 1, deadLettered: 0 })).toBe(false);
    expect(runSucceeded("ok", { failed: 0, deadLettered: 1 })).toBe(false);
    expect(runSucceeded("delayed", { failed: 0, deadLettered: 0 })).toBe(false);
  });
});
