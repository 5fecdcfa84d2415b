import { inject, it } from "vitest";
import { simulator } from "../support/api.ts";
import { createHandler, graphRequests, handlerWorld, runNow } from "../support/handlers.ts";
import { report } from "./report.ts";

const MESSAGES = 1000;
const LATENCY_MS = 20;

async function memory(path: "/reset" | "/peak"): Promise<{ baselineBytes: number; peakBytes: number }> {
  return (await fetch(`${inject("memoryProbeUrl")}${path}`)).json();
}

it("handler ingestion: 1000 messages, 20 ms per Graph and webhook call", async () => {
  const world = await handlerWorld({ settings: { graphLatencyMs: LATENCY_MS } });
  const sim = simulator();
  await sim.updateHook(world.hook.id, { latencyMs: LATENCY_MS });
  const body = `<html><body>${"<p>Dear support, the printer on the third floor is jammed again. Please help.</p>".repeat(25)}</body></html>`;
  for (let start = 0; start < MESSAGES; start += 250) {
    await sim.addMessages(
      world.address,
      Array.from({ length: 250 }, (_, index) => ({
        subject: `[OPS-${start + index}] printer`,
        body: { contentType: "html" as const, content: body },
      })),
    );
  }
  // Polling alone: this measures one run, without a push subscription being set up alongside.
  const handler = await createHandler(world, { push: "off" });
  await sim.resetCounters(world.tenant.tenantId);
  await memory("/reset");

  const started = performance.now();
  const result = await runNow(handler.id);
  const seconds = (performance.now() - started) / 1000;
  const { baselineBytes, peakBytes } = await memory("/peak");
  const requests = await graphRequests(world.tenant.tenantId);
  const unread = (await sim.messages(world.address)).filter((message) => !message.isRead).length;

  report(
    `Handler run, ${MESSAGES} messages of ~2 KB, markRead mode (workerd, ${LATENCY_MS} ms per Graph and webhook call)`,
    {
      "messages delivered": result.delivered,
      "messages left unread": unread,
      "Graph requests": requests,
      "Graph requests per delivered message (target <= 0.06)": requests / Math.max(result.delivered, 1),
      "run wall time (s)": seconds,
      "messages per second": result.delivered / seconds,
      "workerd RSS before the run (MB)": baselineBytes / 1048576,
      "workerd RSS peak during the run (MB)": peakBytes / 1048576,
      "growth during the run (MB)": (peakBytes - baselineBytes) / 1048576,
    },
  );
});
