/**
 * `npm run dev`: writes `.dev.vars` when missing, starts `wrangler dev` (extra arguments go to it),
 * and once the Worker answers prints where the admin pages are and where the admin token is; then
 * fires the cron every minute as Cloudflare would (`cron-ticker.ts`). Ctrl-C stops both.
 * @module
 */
import { spawn } from "node:child_process";
import { startCronTicker } from "./cron-ticker.ts";
import { DEV_VARS_PATH, ensureDevVars } from "./dev-vars.ts";

const READY_TIMEOUT_MS = 120_000;
const DEFAULT_PORT = 8787;

const args = process.argv.slice(2);
const port = portOf(args) ?? DEFAULT_PORT;
const workerUrl = `http://localhost:${port}`;

const { created } = ensureDevVars();
console.log(
  created
    ? `Created ${DEV_VARS_PATH} with a new ADMIN_TOKEN and ENCRYPTION_KEYS.`
    : `Using the settings in ${DEV_VARS_PATH}.`,
);

const wrangler = spawn(
  "wrangler",
  ["dev", "--test-scheduled", ...(portOf(args) === null ? ["--port", String(port)] : []), ...args],
  { stdio: "inherit" },
);
let ticker: { stop(): void } | undefined;
wrangler.once("exit", (code) => {
  ticker?.stop();
  process.exit(code ?? 0);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => wrangler.kill(signal));
}

if (await ready(workerUrl)) {
  console.log(
    [
      "",
      `edgepost is running: open ${workerUrl}/ and sign in with the ADMIN_TOKEN from ${DEV_VARS_PATH}`,
      `(print it with: grep ADMIN_TOKEN ${DEV_VARS_PATH}). The cron runs every minute, as on Cloudflare.`,
      "",
    ].join("\n"),
  );
  ticker = startCronTicker(workerUrl, { onError: (message) => console.error(`edgepost dev: ${message}`) });
} else {
  console.error(`edgepost dev: ${workerUrl}/healthz did not answer; the cron will not be fired.`);
}

/** The port given to wrangler with `--port N` or `--port=N`, if any. */
function portOf(list: readonly string[]): number | null {
  const index = list.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
  const value = index === -1 ? undefined : list[index]?.includes("=") ? list[index]?.split("=")[1] : list[index + 1];
  return value === undefined || !/^\d+$/.test(value) ? null : Number(value);
}

async function ready(url: string): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && wrangler.exitCode === null) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) {
        return true;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}
