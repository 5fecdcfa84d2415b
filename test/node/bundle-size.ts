/**
 * Part of `npm run bench`: the Worker's size as Cloudflare would receive it, from
 * `wrangler deploy --dry-run --outdir`, gzipped, beside the goal of issue 15 (at most 110 KiB).
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const GOAL_GZIP_KIB = 110;

const outdir = mkdtempSync(join(tmpdir(), "edgepost-bundle-"));
const build = spawnSync("wrangler", ["deploy", "--dry-run", "--outdir", outdir], { encoding: "utf8" });
if (build.status !== 0) {
  console.error(build.stdout, build.stderr);
  process.exit(1);
}
const bundle = readFileSync(join(outdir, "index.js"));
const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
console.log(
  `\nWorker bundle (wrangler deploy --dry-run)\n  uncompressed (KiB)          ${kib(bundle.length)}\n` +
    `  gzip (KiB, goal <= ${GOAL_GZIP_KIB})     ${kib(gzipSync(bundle, { level: 9 }).length)}\n` +
    `  wrangler's own report       ${/Total Upload: .*/.exec(build.stdout)?.[0] ?? "?"}\n`,
);
