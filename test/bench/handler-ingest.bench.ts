import { inject, it } from "vitest";
import { simulator } from "../support/api.ts";
import { createHandler, graphRequests, handlerWorld, runNow } from "../support/handlers.ts";
import { report } from "./report.ts";
import type { MessageInput } from "../simulator/mailbox.ts";

/** What issue 15 measures against: 20 ms per Graph and webhook call. */
const LATENCY_MS = 20;
const BODY = `<html><body>${"<p>Dear support, the printer on the third floor is jammed again. Please help.</p>".repeat(25)}</body></html>`;

async function memory(path: "/reset" | "/peak"): Promise<{ baselineBytes: number; peakBytes: number }> {
  return (await fetch(`${inject("memoryProbeUrl")}${path}`)).json();
}

/** Seeds `count` messages, every `attachmentEvery`-th with a 20 KB file, runs the handler to the end. */
async function ingest(options: { count: number; attachmentEvery: number | null }) {
  const world = await handlerWorld({ settings: { graphLatencyMs: LATENCY_MS } });
  const sim = simulator();
  await sim.updateHook(world.hook.id, { latencyMs: LATENCY_MS });
  const file = btoa("r".repeat(20_000));
  for (let start = 0; start < options.count; start += 250) {
    const messages: MessageInput[] = Array.from({ length: Math.min(250, options.count - start) }, (_, index) => ({
      subject: `[OPS-${start + index}] printer`,
      body: { contentType: "html", content: BODY },
      attachments:
        options.attachmentEvery !== null && (start + index) % options.attachmentEvery === 0
          ? [{ name: "report.txt", contentType: "text/plain", contentBase64: file }]
          : [],
    }));
    await sim.addMessages(world.address, messages);
  }
  // Polling alone: this measures one run, without a push subscription being set up alongside.
  const handler = await createHandler(world, { push: "off" });
  await sim.resetCounters(world.tenant.tenantId);
  await memory("/reset");
  const started = performance.now();
  let delivered = 0;
  for (let run = 0; run < 10 && delivered < options.count; run++) {
    delivered += (await runNow(handler.id)).delivered;
  }
  const seconds = (performance.now() - started) / 1000;
  const { baselineBytes, peakBytes } = await memory("/peak");
  return {
    delivered,
    seconds,
    requests: await graphRequests(world.tenant.tenantId),
    unread: (await sim.messages(world.address)).filter((message) => !message.isRead).length,
    baselineMB: baselineBytes / 1048576,
    peakMB: peakBytes / 1048576,
  };
}

it("handler ingestion without attachments: 1000 messages", async () => {
  const result = await ingest({ count: 1000, attachmentEvery: null });
  report(`Handler run, 1000 messages of ~2 KB, markRead (workerd, ${LATENCY_MS} ms per Graph and webhook call)`, {
    "messages delivered": result.delivered,
    "messages left unread": result.unread,
    "Graph requests": result.requests,
    "Graph requests per delivered message (goal <= 0.055)": result.requests / Math.max(result.delivered, 1),
    "messages per second (goal >= 150)": result.delivered / result.seconds,
    "run wall time (s)": result.seconds,
    "workerd RSS before (MB)": result.baselineMB,
    "workerd RSS peak (MB)": result.peakMB,
  });
});

it("handler ingestion with attachments: 1300 messages, 10 % with a 20 KB file", async () => {
  const result = await ingest({ count: 1300, attachmentEvery: 10 });
  report(`Handler run, 1300 messages, 130 with an attachment (workerd, ${LATENCY_MS} ms per call)`, {
    "messages delivered": result.delivered,
    "Graph requests": result.requests,
    "Graph requests per delivered message (goal <= 0.08)": result.requests / Math.max(result.delivered, 1),
    "messages per second": result.delivered / result.seconds,
    "workerd RSS peak (MB)": result.peakMB,
  });
});
