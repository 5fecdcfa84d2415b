import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NEW_KV_ID = "0f2ac74b498b48028cb68387c421e279";

/**
 * A `wrangler` on the PATH that answers as the real one does, records every call, and never reaches
 * Cloudflare; `deploy` goes to the real wrangler when STUB_REAL_WRANGLER is set (with `--dry-run`).
 */
const STUB = `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.STUB_LOG, JSON.stringify(args) + "\\n");
if (args[0] === "secret" && args[1] === "list") {
  if (process.env.STUB_SECRETS === "no-worker") {
    console.error("✘ [ERROR] This Worker does not exist on your account. [code: 10007]");
    process.exit(1);
  }
  const names = (process.env.STUB_SECRETS || "").split(",").filter(Boolean);
  console.log(JSON.stringify(names.map((name) => ({ name, type: "secret_text" }))));
  process.exit(0);
}
if (args[0] === "kv" && args[1] === "namespace" && args[2] === "create") {
  console.log('🌀 Creating namespace with title "' + args[3] + '"\\n✨ Success!\\n{\\n  "kv_namespaces": [\\n    {\\n      "binding": "edgepost_config",\\n      "id": "${NEW_KV_ID}"\\n    }\\n  ]\\n}');
  process.exit(0);
}
if (args[0] === "deploy") {
  const file = args.indexOf("--secrets-file");
  if (file !== -1) fs.writeFileSync(process.env.STUB_LOG + ".secrets", fs.readFileSync(args[file + 1]));
  if (process.env.STUB_REAL_WRANGLER) {
    const run = require("node:child_process").spawnSync(process.execPath, [process.env.STUB_REAL_WRANGLER, ...args], { stdio: "inherit" });
    process.exit(run.status === null ? 1 : run.status);
  }
  console.log("Uploaded edgepost");
  process.exit(0);
}
process.exit(2);
`;

let directory = "";

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** A copy of wrangler.toml in a scratch directory (its `main` made absolute), and the stub on the PATH. */
function setUp(edit: (toml: string) => string = (toml) => toml): { config: string; log: string } {
  directory = mkdtempSync(join(tmpdir(), "edgepost-deploy-test-"));
  const config = join(directory, "wrangler.toml");
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8")
    .replace(/^main = .*$/m, `main = "${join(ROOT, "src/worker/index.ts")}"`)
    .replace(/^#:schema .*$/m, "");
  writeFileSync(config, edit(toml));
  writeFileSync(join(directory, "wrangler"), STUB);
  chmodSync(join(directory, "wrangler"), 0o755);
  return { config, log: join(directory, "calls.log") };
}

function runDeploy(
  args: string[],
  env: Record<string, string>,
  paths: { config: string; log: string },
): { status: number | null; stdout: string; stderr: string; calls: string[][] } {
  const result = spawnSync(process.execPath, [join(ROOT, "src/dev/deploy.ts"), "--config", paths.config, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      PATH: `${directory}:${process.env["PATH"] ?? ""}`,
      STUB_LOG: paths.log,
      WRANGLER_SEND_METRICS: "false",
      CI: "1",
      ...env,
    },
  });
  const calls = existsSync(paths.log)
    ? readFileSync(paths.log, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as string[])
    : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

const WITH_PUBLIC_URL = (toml: string): string =>
  toml.replace("[vars]\n", '[vars]\nPUBLIC_URL = "https://edgepost.example.com"\n');

describe("npm run deploy", () => {
  it("names every missing piece with the command that fixes it, and deploys nothing", () => {
    const paths = setUp();
    const result = runDeploy([], { STUB_SECRETS: "no-worker" }, paths);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Not deployed. Fix these first:");
    expect(result.stderr).toContain("The KV namespace CONFIG has no real id");
    expect(result.stderr).toContain("npx wrangler kv namespace create edgepost-config");
    expect(result.stderr).toContain("PUBLIC_URL is not set");
    expect(result.stderr).toContain('add PUBLIC_URL = "https://<the Worker\'s address>" under [vars]');
    expect(result.stderr).toContain("The secret ADMIN_TOKEN is missing.");
    expect(result.stderr).toContain("npx wrangler secret put ADMIN_TOKEN");
    expect(result.stderr).toContain("The secret ENCRYPTION_KEYS is missing.");
    expect(result.calls.map((call) => call[0])).not.toContain("deploy");
    expect(result.calls.map((call) => call[0])).not.toContain("kv");
    expect(readFileSync(paths.config, "utf8")).toContain('id = "00000000000000000000000000000000"');
  });

  it("with --yes creates the KV namespace, writes its id, generates ENCRYPTION_KEYS and deploys", () => {
    const paths = setUp(WITH_PUBLIC_URL);
    const result = runDeploy(["--yes", "--dry-run"], { STUB_SECRETS: "ADMIN_TOKEN" }, paths);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readFileSync(paths.config, "utf8")).toMatch(
      new RegExp(`\\[\\[kv_namespaces\\]\\]\\nbinding = "CONFIG"\\nid = "${NEW_KV_ID}"`),
    );
    expect(result.calls[0]).toEqual(["kv", "namespace", "create", "edgepost-config", "--config", paths.config]);
    const deploy = result.calls.find((call) => call[0] === "deploy") ?? [];
    expect(deploy.slice(0, 4)).toEqual(["deploy", "--config", paths.config, "--dry-run"]);
    expect(deploy).toContain("--secrets-file");
    const sent = JSON.parse(readFileSync(`${paths.log}.secrets`, "utf8")) as Record<string, string>;
    expect(Object.keys(sent)).toEqual(["ENCRYPTION_KEYS"]);
    expect(sent["ENCRYPTION_KEYS"]).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect(result.stdout).not.toContain(sent["ENCRYPTION_KEYS"] ?? "?");
    expect(existsSync(deploy[deploy.indexOf("--secrets-file") + 1] ?? "")).toBe(false);
    expect(result.stdout).toContain(`✓ KV namespace CONFIG: created ${NEW_KV_ID}`);
  });

  it("refuses a PUBLIC_URL that is not an https origin", () => {
    const paths = setUp((toml) => toml.replace("[vars]\n", '[vars]\nPUBLIC_URL = "http://edgepost.example.com/x"\n'));
    const result = runDeploy(["--yes"], { STUB_SECRETS: "ADMIN_TOKEN,ENCRYPTION_KEYS" }, paths);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PUBLIC_URL is "http://edgepost.example.com/x", not an https origin');
    expect(result.calls.map((call) => call[0])).not.toContain("deploy");
  });

  it("hands a ready configuration to the real wrangler deploy --dry-run, which builds the Worker", () => {
    const paths = setUp((toml) =>
      WITH_PUBLIC_URL(toml).replace('id = "00000000000000000000000000000000"', `id = "${NEW_KV_ID}"`),
    );
    const outdir = join(directory, "bundle");
    const result = runDeploy(
      ["--dry-run", "--outdir", outdir],
      {
        STUB_SECRETS: "ADMIN_TOKEN,ENCRYPTION_KEYS",
        STUB_REAL_WRANGLER: join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
      },
      paths,
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("✓ secret ADMIN_TOKEN");
    expect(result.calls.map((call) => call[0])).toEqual(["secret", "deploy"]);
    expect(existsSync(join(outdir, "index.js"))).toBe(true);
  });
});
