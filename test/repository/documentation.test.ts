/**
 * Checks on the repository itself, run in Node: the documentation keeps up with the code, and nothing
 * points outside the repository.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function filesUnder(directory: string, pattern: RegExp): string[] {
  return readdirSync(join(ROOT, directory), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

describe("the documentation", () => {
  it("describes every problem type the API answers with", () => {
    const source = readFileSync(join(ROOT, "src/worker/http/problem.ts"), "utf8");
    const types = [...source.matchAll(/type: "(urn:edgepost:problem:[a-z-]+)"/g)].map((match) => match[1]);
    expect(types.length).toBeGreaterThan(5);
    const documented = readFileSync(join(ROOT, "docs/problems.md"), "utf8");
    expect(types.filter((type) => !documented.includes(`\`${type}\``))).toEqual([]);
  });

  it("cites only files inside the repository or public URLs", () => {
    const files = [
      ...filesUnder("src", /\.(ts|tsx)$/),
      ...filesUnder("test", /\.(ts|tsx)$/),
      ...filesUnder("docs", /\.md$/),
      "README.md",
    ].filter((file) => file !== "test/repository/documentation.test.ts");
    const outside = /\.\.\/shared\/|reference\/(microsoft|peers|workers)|peers-and-jira\.md|microsoft-audit\.md/;
    const offenders = files.filter((file) => outside.test(readFileSync(join(ROOT, file), "utf8")));
    expect(offenders).toEqual([]);
  });
});
