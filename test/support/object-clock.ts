/**
 * Moving a Durable Object's time in a workerd test: objects read the time through `OBJECT_CLOCK`,
 * which `runInDurableObject` can replace with a `TestClock`.
 * @module
 */
import { runInDurableObject } from "cloudflare:test";
import { OBJECT_CLOCK } from "../../src/worker/objects/object-clock.ts";
import { TestClock } from "./clock.ts";
import type { Clock } from "../../src/core/ports.ts";

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
