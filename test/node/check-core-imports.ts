/**
 * Keeps `src/core` runtime-agnostic: it may import its own modules (no relative path may leave it)
 * and the few portable packages listed here, never `node:*`, `cloudflare:*`, Hono or anything else.
 * (Deno would accept `node:*`, so `deno check` alone does not catch it.) Part of `npm run typecheck`.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ALLOWED_PACKAGES = new Set(["zod/mini", "zod/locales", "@oslojs/encoding"]);
const CORE = resolve(fileURLToPath(new URL("../../src/core", import.meta.url)));
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function* sourceFiles(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      yield* sourceFiles(path);
    } else if (entry.name.endsWith(".ts") || entry.name.endsWith(".tsx")) {
      yield path;
    }
  }
}

const violations: string[] = [];
for (const file of sourceFiles(CORE)) {
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? "";
    const outside = specifier.startsWith(".")
      ? !resolve(dirname(file), specifier).startsWith(CORE + sep)
      : !ALLOWED_PACKAGES.has(specifier);
    if (outside) {
      violations.push(`${relative(process.cwd(), file)}: imports "${specifier}"`);
    }
  }
}

if (violations.length > 0) {
  console.error(`src/core must stay runtime-agnostic:\n${violations.join("\n")}`);
  process.exit(1);
}
console.log("src/core imports only its own modules and portable packages");
