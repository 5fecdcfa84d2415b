/**
 * `npm run deploy`: checks what a deployed edgepost needs before deploying it, and names each missing
 * piece with the command that fixes it.
 *
 * 1. The KV namespace `CONFIG` has a real id in `wrangler.toml`; if not, it offers to create one
 *    (`wrangler kv namespace create`) and writes the id into `wrangler.toml`.
 * 2. `PUBLIC_URL` is set under `[vars]` (an https URL): the Redirect URI registered in Azure is built
 *    from it, so it must not change with the address a request happens to use.
 * 3. The secrets exist (`wrangler secret list`): `ADMIN_TOKEN` must be set by the administrator, who has
 *    to know it; a missing `ENCRYPTION_KEYS` is generated (a new 32-byte key) and sent with the deploy
 *    through `--secrets-file`, never printed.
 * 4. `wrangler deploy`, with every other argument passed on (`--dry-run` checks without uploading).
 *
 * `--yes` answers yes to the offers (for CI); without it, a terminal is asked and anything else is
 * refused. `--config <path>` points at another `wrangler.toml`.
 * @module
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";

const KV_BINDING = "CONFIG";
const REQUIRED_SECRETS = ["ADMIN_TOKEN", "ENCRYPTION_KEYS"] as const;
/** The id `wrangler.toml` ships with: not a namespace. */
const PLACEHOLDER_KV_ID = /^0+$/;

interface Options {
  config: string;
  yes: boolean;
  /** Passed on to `wrangler deploy`. */
  deployArgs: string[];
}

interface Problem {
  what: string;
  fix: string;
}

const options = parseArgs(process.argv.slice(2));
const problems: Problem[] = [];
const secretsToSend: Record<string, string> = {};

await checkKvNamespace();
checkPublicUrl();
await checkSecrets();

if (problems.length > 0) {
  console.error("\nNot deployed. Fix these first:");
  for (const problem of problems) {
    console.error(`  ✗ ${problem.what}\n    → ${problem.fix}`);
  }
  process.exit(1);
}
process.exit(deploy());

async function checkKvNamespace(): Promise<void> {
  const id = kvNamespaceId(readConfig());
  if (id !== null && !PLACEHOLDER_KV_ID.test(id)) {
    console.log(`✓ KV namespace ${KV_BINDING}: ${id}`);
    return;
  }
  const title = `${workerName(readConfig())}-config`;
  const command = `npx wrangler kv namespace create ${title}`;
  if (!(await consent(`The KV namespace ${KV_BINDING} has no id yet. Create it now (${command})?`))) {
    problems.push({
      what: `The KV namespace ${KV_BINDING} has no real id in ${options.config}.`,
      fix: `${command}, then put the printed id into [[kv_namespaces]] (binding = "${KV_BINDING}") in ${options.config}; or run npm run deploy -- --yes`,
    });
    return;
  }
  const created = wrangler(["kv", "namespace", "create", title, "--config", options.config]);
  const newId = /\bid"?\s*[:=]\s*"([0-9a-f]{32})"/.exec(created.stdout)?.[1];
  if (created.status !== 0 || newId === undefined) {
    problems.push({
      what: `Creating the KV namespace failed: ${lastLine(created.stderr || created.stdout)}`,
      fix: `${command} (after npx wrangler login), then put the printed id into ${options.config}`,
    });
    return;
  }
  writeFileSync(options.config, withKvNamespaceId(readConfig(), newId));
  console.log(`✓ KV namespace ${KV_BINDING}: created ${newId} and wrote it into ${options.config}`);
}

function checkPublicUrl(): void {
  const value = publicUrl(readConfig());
  let url: URL | null = null;
  try {
    url = value === null ? null : new URL(value);
  } catch {
    url = null;
  }
  if (url !== null && url.protocol === "https:" && url.pathname === "/" && url.search === "") {
    console.log(`✓ PUBLIC_URL: ${url.origin} (Redirect URI ${url.origin}/oauth/callback)`);
    return;
  }
  problems.push({
    what:
      value === null
        ? "PUBLIC_URL is not set: the Redirect URI registered in Azure is built from it."
        : `PUBLIC_URL is "${value}", not an https origin such as https://edgepost.example.com.`,
    fix: `add PUBLIC_URL = "https://<the Worker's address>" under [vars] in ${options.config} (its workers.dev address or your own domain)`,
  });
}

async function checkSecrets(): Promise<void> {
  const listed = wrangler(["secret", "list", "--format", "json", "--config", options.config]);
  let present: string[] = [];
  if (listed.status === 0) {
    present = parseSecretNames(listed.stdout);
  } else {
    console.log(`  (wrangler secret list failed, as it does before the first deploy: ${lastLine(listed.stderr)})`);
  }
  for (const name of REQUIRED_SECRETS) {
    if (present.includes(name)) {
      console.log(`✓ secret ${name}`);
    } else if (name === "ENCRYPTION_KEYS" && (await consent("ENCRYPTION_KEYS is missing. Generate a new key now?"))) {
      secretsToSend[name] = `k1:${randomBytes(32).toString("base64")}`;
      console.log("✓ secret ENCRYPTION_KEYS: generated (k1), sent with this deploy, never shown");
    } else {
      problems.push({
        what: `The secret ${name} is missing.`,
        fix:
          name === "ADMIN_TOKEN"
            ? "npx wrangler secret put ADMIN_TOKEN (at least 16 characters, e.g. the output of: openssl rand -base64 32)"
            : "npx wrangler secret put ENCRYPTION_KEYS (e.g. k1:<output of: openssl rand -base64 32>), or run npm run deploy -- --yes to generate it",
      });
    }
  }
}

function deploy(): number {
  const args = ["deploy", "--config", options.config, ...options.deployArgs];
  if (Object.keys(secretsToSend).length === 0) {
    return wrangler(args, { inherit: true }).status ?? 1;
  }
  const directory = mkdtempSync(join(tmpdir(), "edgepost-deploy-"));
  const file = join(directory, "secrets.json");
  try {
    writeFileSync(file, JSON.stringify(secretsToSend), { mode: 0o600 });
    return wrangler([...args, "--secrets-file", file], { inherit: true }).status ?? 1;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function wrangler(
  args: string[],
  spawnOptions: { inherit?: boolean } = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("wrangler", args, {
    encoding: "utf8",
    stdio: spawnOptions.inherit === true ? "inherit" : ["ignore", "pipe", "pipe"],
  });
  if (result.error !== undefined) {
    console.error(
      `edgepost deploy: could not run wrangler (${result.error.message}); run this through npm run deploy.`,
    );
    process.exit(1);
  }
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

async function consent(question: string): Promise<boolean> {
  if (options.yes) {
    return true;
  }
  if (!process.stdin.isTTY) {
    return false;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

function parseArgs(args: string[]): Options {
  const parsed: Options = { config: "wrangler.toml", yes: false, deployArgs: [] };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (arg === "--yes" || arg === "-y") {
      parsed.yes = true;
    } else if (arg === "--config" || arg === "-c") {
      parsed.config = args[++index] ?? parsed.config;
    } else if (arg.startsWith("--config=")) {
      parsed.config = arg.slice("--config=".length);
    } else {
      parsed.deployArgs.push(arg);
    }
  }
  return parsed;
}

function readConfig(): string {
  return readFileSync(options.config, "utf8");
}

/** The `[[kv_namespaces]]` block of the binding, as text. */
function kvBlock(toml: string): { start: number; text: string } | null {
  for (const match of toml.matchAll(/^\[\[kv_namespaces\]\][^[]*/gm)) {
    if (new RegExp(`^binding\\s*=\\s*"${KV_BINDING}"`, "m").test(match[0])) {
      return { start: match.index, text: match[0] };
    }
  }
  return null;
}

function kvNamespaceId(toml: string): string | null {
  return /^id\s*=\s*"([^"]*)"/m.exec(kvBlock(toml)?.text ?? "")?.[1] ?? null;
}

function withKvNamespaceId(toml: string, id: string): string {
  const block = kvBlock(toml);
  if (block === null) {
    return `${toml.trimEnd()}\n\n[[kv_namespaces]]\nbinding = "${KV_BINDING}"\nid = "${id}"\n`;
  }
  const text = /^id\s*=/m.test(block.text)
    ? block.text.replace(/^id\s*=\s*"[^"]*"/m, `id = "${id}"`)
    : block.text.replace(/^(binding\s*=.*)$/m, `$1\nid = "${id}"`);
  return toml.slice(0, block.start) + text + toml.slice(block.start + block.text.length);
}

function publicUrl(toml: string): string | null {
  const vars = /^\[vars\]([^[]*)/m.exec(toml)?.[1] ?? "";
  return /^PUBLIC_URL\s*=\s*"([^"]*)"/m.exec(vars)?.[1] ?? null;
}

function workerName(toml: string): string {
  return /^name\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "edgepost";
}

/** Names from `wrangler secret list --format json`: `[{ "name": "…", "type": "secret_text" }]`. */
function parseSecretNames(stdout: string): string[] {
  try {
    const list = JSON.parse(stdout.slice(stdout.indexOf("["))) as unknown;
    return Array.isArray(list)
      ? list.flatMap((entry) =>
          typeof entry === "object" && entry !== null && typeof (entry as { name?: unknown }).name === "string"
            ? [(entry as { name: string }).name]
            : [],
        )
      : [];
  } catch {
    return [];
  }
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .filter((line) => line.trim() !== "")
      .at(-1) ?? "no output"
  );
}
