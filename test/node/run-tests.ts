/**
 * `npm test`: every test. First vitest (the workerd tests, the core's tests in workerd, and the browser
 * test), then the core's tests again under Deno, which proves the core runs on another runtime. Extra
 * arguments go to vitest; when they ask for a JSON report (`--outputFile.json=…`, as `.ci/run` does),
 * Deno's counts are added to it so one report covers both runners.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const vitest = spawnSync("vitest", ["run", "--config", "test/vitest.config.ts", ...args], { stdio: "inherit" });

const junitPath = join(mkdtempSync(join(tmpdir(), "edgepost-deno-")), "deno.xml");
const deno = spawnSync(
  "deno",
  ["test", "--config", "test/core/deno.json", "--allow-env", "--allow-read", `--junit-path=${junitPath}`, "test/core/"],
  { stdio: "inherit" },
);
const counts = denoCounts(junitPath);
console.log(`deno test: ${counts.passed} passed, ${counts.failed} failed`);

const report = args.find((arg) => arg.startsWith("--outputFile.json="))?.slice("--outputFile.json=".length);
if (report !== undefined) {
  mergeIntoReport(report, counts, deno.status === 0);
}
process.exit(vitest.status === 0 && deno.status === 0 ? 0 : 1);

function denoCounts(path: string): { passed: number; failed: number } {
  try {
    const xml = readFileSync(path, "utf8");
    const suites = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
    const attribute = (name: string): number => Number(new RegExp(`${name}="(\\d+)"`).exec(suites)?.[1] ?? 0);
    const failed = attribute("failures") + attribute("errors");
    return { passed: attribute("tests") - failed, failed };
  } catch {
    // No report at all: Deno could not even start (or type-check) the tests.
    return { passed: 0, failed: 1 };
  }
}

function mergeIntoReport(path: string, counts: { passed: number; failed: number }, ok: boolean): void {
  try {
    const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    json["numPassedTests"] = Number(json["numPassedTests"] ?? 0) + counts.passed;
    json["numFailedTests"] = Number(json["numFailedTests"] ?? 0) + counts.failed;
    json["numTotalTests"] = Number(json["numTotalTests"] ?? 0) + counts.passed + counts.failed;
    json["success"] = json["success"] === true && ok;
    writeFileSync(path, JSON.stringify(json));
  } catch {
    // vitest wrote no report; .ci/run counts that as a failure already.
  }
}
