/**
 * Moving time in tests instead of editing rows: a clock with an offset that a test advances, set into
 * a Durable Object through `runInDurableObject` (objects read the time through `OBJECT_CLOCK`), or
 * handed to the core as its `Clock` port.
 * @module
 */
import { runInDurableObject } from "cloudflare:test";
import { OBJECT_CLOCK } from "../../src/worker/objects/object-clock.ts";
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

/** An object whose clock a test can move: all of edgepost's objects are. */
interface ClockedObject extends Rpc.DurableObjectBranded {
  [OBJECT_CLOCK]: Clock;
}

/** Moves a Durable Object's clock by `seconds` (it keeps the moved clock while it lives). */
export async function advanceObjectClock<T extends ClockedObject>(
  stub: DurableObjectStub<T>,
  seconds: number,
): Promise<void> {
  await runInDurableObject(stub, (instance: T) => {
    const current = instance[OBJECT_CLOCK];
    const clock = current instanceof TestClock ? current : new TestClock();
    clock.advance(seconds * 1000);
    instance[OBJECT_CLOCK] = clock;
  });
}
