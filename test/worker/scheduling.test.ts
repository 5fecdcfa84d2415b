import { env } from "cloudflare:workers";
import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker/index.ts";
import { runScheduled } from "../../src/worker/scheduled.ts";
import { directoryShardOf } from "../../src/worker/stores/directory-shards.ts";
import { simulator } from "../support/api.ts";
import { createHandler, handlerView, handlerWorld, runNow } from "../support/handlers.ts";

async function tick(): Promise<void> {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function nextRunAt(handlerId: string): Promise<number> {
  return runInDurableObject(
    directoryShardOf(env, handlerId),
    (_instance, state) =>
      state.storage.sql.exec<{ next_run_at: number }>("SELECT next_run_at FROM handlers WHERE id = ?", handlerId).one()
        .next_run_at,
  );
}

describe("the cron hands runs to the handlers' own objects", () => {
  it("runs a handler that never ran, then not again before its poll interval", async () => {
    const world = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(world.address, [{ subject: "via the cron" }]);
    const handler = await createHandler(world, { pollIntervalMinutes: 5 });
    const disabled = await createHandler(world, { enabled: false });
    expect(await nextRunAt(handler.id)).toBe(300_000);

    await tick();
    const stub = env.HANDLERS.getByName(handler.id);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
    expect(
      await runInDurableObject(env.HANDLERS.getByName(disabled.id), (_instance, state) => state.storage.getAlarm()),
    ).toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await sim.hook(world.hook.id)).requests).toHaveLength(1);

    const view = await handlerView(handler.id);
    expect(view.status).toBe("ok");
    const due = await nextRunAt(handler.id);
    expect(due).toBe(Date.parse(view.lastRunAt ?? "") + 5 * 60_000);
    await tick();
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();
  });

  it("hands a one-minute handler out again at the next tick after its run", async () => {
    const world = await handlerWorld();
    const handler = await createHandler(world);
    const stub = env.HANDLERS.getByName(handler.id);
    const ran = await runNow(handler.id);
    expect(ran.status).toBe("ok");
    const lastRunAt = Date.parse((await handlerView(handler.id)).lastRunAt ?? "");
    // As if a tick one second before the run had started it: the next tick comes a minute after that one.
    const tickAfter = lastRunAt - 1000 + 60_000;
    await runInDurableObject(stub, (_instance, state) => state.storage.deleteAlarm());
    const report = await runScheduled(env, tickAfter);
    expect(report.handlers.dispatched).toBeGreaterThanOrEqual(1);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
  });

  it("lets a fast mailbox finish while a slow one is still running", async () => {
    const slow = await handlerWorld({ settings: { graphLatencyMs: 400 } });
    const fast = await handlerWorld();
    const sim = simulator();
    await sim.addMessages(slow.address, [{ subject: "slow" }]);
    await sim.addMessages(fast.address, [{ subject: "fast" }]);
    const slowHandler = await createHandler(slow);
    const fastHandler = await createHandler(fast);
    await tick();
    const slowRun = runDurableObjectAlarm(env.HANDLERS.getByName(slowHandler.id));
    expect(await runDurableObjectAlarm(env.HANDLERS.getByName(fastHandler.id))).toBe(true);
    expect((await sim.hook(fast.hook.id)).requests).toHaveLength(1);
    expect((await sim.hook(slow.hook.id)).requests).toHaveLength(0);
    await slowRun;
    expect((await sim.hook(slow.hook.id)).requests).toHaveLength(1);
  });
});
