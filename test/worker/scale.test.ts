import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DISPATCH_PER_TICK } from "../../src/worker/objects/directory-object.ts";
import { runScheduled } from "../../src/worker/scheduled.ts";
import { allDirectoryShards, DIRECTORY_SHARDS, directoryShardOf } from "../../src/worker/stores/directory-shards.ts";

describe("10,000 handlers", () => {
  it("are all handed out by one cron tick: one call per shard, each shard at most DISPATCH_PER_TICK", async () => {
    const total = 10_000;
    const ids = Array.from({ length: total }, (_, index) => `hdl_${index.toString().padStart(16, "0")}`);
    const shards = allDirectoryShards(env);
    const byShard = new Map<number, string[]>();
    for (const id of ids) {
      const shard = shards.findIndex((candidate) => candidate.id.equals(directoryShardOf(env, id).id));
      byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
    }
    expect(byShard.size).toBe(DIRECTORY_SHARDS);
    expect(Math.max(...[...byShard.values()].map((list) => list.length))).toBeLessThanOrEqual(DISPATCH_PER_TICK);
    await Promise.all(
      [...byShard].map(([index, list]) =>
        runInDurableObject(shards[index] as DurableObjectStub, (_instance, state) => {
          for (const id of list) {
            state.storage.sql.exec(
              "INSERT INTO handlers (id, account_id, summary, enabled, next_run_at) VALUES (?, 'acct_simulated', '{}', 1, 0)",
              id,
            );
          }
        }),
      ),
    );

    // runScheduled() makes exactly these calls, one per shard, all at once. Here they run one after the
    // other with the objects evicted in between: locally every object is a SQLite file, and 10,000 open
    // at once exceed the test machine's file-descriptor limit (production has no such limit).
    const now = Date.now();
    let due = 0;
    for (const shard of shards) {
      const report = await shard.tick(now);
      expect(report.handlers.due).toBeLessThanOrEqual(DISPATCH_PER_TICK);
      expect(report.handlers.failed, JSON.stringify(report)).toBe(0);
      due += report.handlers.due;
      await evictAllDurableObjects();
    }
    expect(due).toBe(total);
    const left = await Promise.all(
      shards.map((shard) =>
        runInDurableObject(
          shard,
          (_instance, state) =>
            state.storage.sql
              .exec<{ n: number }>("SELECT count(*) AS n FROM handlers WHERE next_run_at <= ?", now)
              .one().n,
        ),
      ),
    );
    expect(left.reduce((sum, count) => sum + count, 0)).toBe(0);
    // The same tick time again: every handler is leased, whatever time the test took on a busy machine.
    const after = await runScheduled(env, now);
    expect(after.handlers.due, JSON.stringify(after)).toBe(0);
  }, 300_000);
});
