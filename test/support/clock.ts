/**
 * Moving time in tests instead of waiting or editing rows: the system time plus an offset the test
 * advances, handed to the core as its `Clock` port or set into a Durable Object (`object-clock.ts`).
 * @module
 */
import type { Clock } from "../../src/core/ports.ts";

/** The system time plus an offset the test moves forward. */
export class TestClock implements Clock {
  #offsetMs = 0;

  constructor(options: { startAt?: number } = {}) {
    this.#offsetMs = options.startAt === undefined ? 0 : options.startAt - Date.now();
  }

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}
