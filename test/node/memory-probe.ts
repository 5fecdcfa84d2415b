/**
 * For benchmarks: samples the resident memory of the workerd processes every few milliseconds and
 * answers the peak since the last reset over HTTP, so a benchmark running inside workerd can report
 * the memory its run took (workerd offers no memory figures from inside).
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";

const SAMPLE_INTERVAL_MS = 10;

export interface MemoryProbe {
  url: string;
  close(): Promise<void>;
}

export async function startMemoryProbe(): Promise<MemoryProbe> {
  let baseline = workerdRssBytes();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, workerdRssBytes());
  }, SAMPLE_INTERVAL_MS);
  const server = http.createServer((request, response) => {
    if (request.url === "/reset") {
      baseline = workerdRssBytes();
      peak = baseline;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ baselineBytes: baseline, peakBytes: Math.max(peak, workerdRssBytes()) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.close(() => resolve());
      }),
  };
}

/** The summed resident set of every running workerd process (Linux `/proc`). */
function workerdRssBytes(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (/^Name:\s+workerd$/m.test(status)) {
        total += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
      }
    } catch {
      // The process ended between listing /proc and reading its status: nothing to count.
    }
  }
  return total;
}
