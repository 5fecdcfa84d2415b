import { describe, expect, it } from "vitest";
import { failedRunBackoffMs, nextRunAt } from "../../src/core/handlers/run-schedule.ts";

const NOW = Date.UTC(2027, 0, 1);

describe("the next run a handler asks for", () => {
  it("runs again at once when a good run stopped at a limit", () => {
    expect(nextRunAt({ now: NOW, moreWork: true, failedRuns: 0, retryAt: NOW + 60_000 })).toBe(NOW);
  });

  it("runs when the next delivery retry falls due, never before now", () => {
    expect(nextRunAt({ now: NOW, moreWork: false, failedRuns: 0, retryAt: NOW + 60_000 })).toBe(NOW + 60_000);
    expect(nextRunAt({ now: NOW, moreWork: false, failedRuns: 0, retryAt: NOW - 5_000 })).toBe(NOW);
  });

  it("leaves it to the poll interval when nothing waits", () => {
    expect(nextRunAt({ now: NOW, moreWork: false, failedRuns: 0, retryAt: null })).toBeNull();
    expect(nextRunAt({ now: NOW, moreWork: true, failedRuns: 2, retryAt: null })).toBeNull();
  });

  it("backs off after failed runs, even when a retry is due sooner or work is left", () => {
    expect(nextRunAt({ now: NOW, moreWork: true, failedRuns: 1, retryAt: NOW })).toBe(NOW + 30_000);
    expect(nextRunAt({ now: NOW, moreWork: false, failedRuns: 3, retryAt: NOW + 1_000 })).toBe(NOW + 120_000);
    expect(nextRunAt({ now: NOW, moreWork: false, failedRuns: 2, retryAt: NOW + 600_000 })).toBe(NOW + 600_000);
  });

  it("grows the backoff from 30 s to at most 15 minutes", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map(failedRunBackoffMs)).toEqual([
      0, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 900_000, 900_000,
    ]);
  });
});
