/**
 * edgepost running for real on this machine: `wrangler dev` (the Worker with its Durable Objects, KV and
 * cron) configured through a generated env file to use the simulator as Microsoft and Jira. `PUBLIC_URL`
 * is the Worker's loopback address, so handlers get push: the simulator validates and notifies the
 * Worker over HTTP, as Graph would (loopback http being the simulator's one test-only allowance). Used
 * by `npm run demo` and the browser test.
 * @module
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCronTicker } from "../../src/dev/cron-ticker.ts";
import { startSimulatorServer } from "./simulator-server.ts";
import type { ChildProcess } from "node:child_process";
import type { CronTicker } from "../../src/dev/cron-ticker.ts";
import type { SimulatorServer } from "./simulator-server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const READY_TIMEOUT_MS = 60_000;

export interface LocalStack {
  /** Where the Worker answers, e.g. `http://localhost:8787`. */
  workerUrl: string;
  simulator: SimulatorServer;
  adminToken: string;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  workerPort?: number;
  simulatorPort?: number;
  /** Directory for the Worker's local state and its env file; emptied first. */
  stateDir: string;
  /** Show wrangler's own output. */
  echo?: "wrangler" | "quiet";
  /** Fire the cron at the start of every minute, as Cloudflare does (the demo); tests fire it themselves. */
  cron?: "every-minute" | "manual";
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const simulator = await startSimulatorServer({ port: options.simulatorPort ?? 0 });
  const workerPort = options.workerPort ?? (await freePort());
  const workerUrl = `http://localhost:${workerPort}`;
  const adminToken = randomBytes(32).toString("base64url");
  rmSync(options.stateDir, { recursive: true, force: true });
  mkdirSync(options.stateDir, { recursive: true });
  const envFile = join(options.stateDir, ".dev.vars");
  writeFileSync(
    envFile,
    [
      "# Generated for a local edgepost talking to the simulator; never use these settings in production.",
      `ADMIN_TOKEN=${adminToken}`,
      `ENCRYPTION_KEYS=local1:${randomBytes(32).toString("base64")}`,
      "ALLOW_HTTP_LOOPBACK=true",
      `GRAPH_BASE_URL=${simulator.url}/v1.0`,
      `PUBLIC_URL=${workerUrl}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const wrangler = spawn(
    process.execPath,
    [
      join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--port",
      String(workerPort),
      "--ip",
      "127.0.0.1",
      "--env-file",
      envFile,
      "--persist-to",
      join(options.stateDir, "state"),
      "--show-interactive-dev-session=false",
      "--test-scheduled",
    ],
    {
      cwd: ROOT,
      stdio: options.echo === "wrangler" ? "inherit" : "ignore",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    },
  );
  let ticker: CronTicker | undefined;
  const stop = async (): Promise<void> => {
    ticker?.stop();
    await stopProcess(wrangler);
    await simulator.close();
  };
  try {
    await waitForHealth(workerUrl, wrangler);
  } catch (error) {
    await stop();
    throw error;
  }
  if (options.cron === "every-minute") {
    ticker = startCronTicker(workerUrl, { onError: (message) => console.error(`edgepost: ${message}`) });
  }
  return { workerUrl, simulator, adminToken, stop };
}

async function waitForHealth(workerUrl: string, wrangler: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) {
      throw new Error(`wrangler dev exited with code ${wrangler.exitCode}`);
    }
    try {
      if ((await fetch(`${workerUrl}/healthz`)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`edgepost did not answer ${workerUrl}/healthz within ${READY_TIMEOUT_MS / 1000} s`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const STATE_ROOT = join(ROOT, ".wrangler");
