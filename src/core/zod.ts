/**
 * zod as edgepost uses it: zod mini, whose functional API (`z.optional(z.string())`) lets the bundler
 * keep only what the schemas use, where classic zod's method chains keep all of it. Import it as a
 * namespace, `import * as z from "…/zod.ts"`: the bundler (esbuild) keeps the whole library for a
 * named `import { z }`. Every module takes zod from here rather than from the package, because mini sets
 * no locale of its own: English messages are switched on once, here, before any schema parses.
 * Administrators read them when Graph or the token endpoint answers in a form edgepost cannot read
 * (`graph-client.ts`, `identity-client.ts`).
 * @module
 */
import { en } from "zod/locales";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
