/**
 * What the core's tests import as "vitest" when they run under `deno test` (see `deno.json`): their
 * `describe`, `it` and hooks become `Deno.test` cases, and `expect` is Jest's, whose matchers the tests
 * use. The same files run unchanged in workerd through vitest, so the core is tested on both runtimes.
 * @module
 */
import { expect as jestExpect } from "expect";

type Body = () => unknown;

interface Suite {
  name: string;
  beforeEach: Body[];
  afterEach: Body[];
}

const suites: Suite[] = [{ name: "", beforeEach: [], afterEach: [] }];

function current(): Suite {
  const suite = suites.at(-1);
  if (suite === undefined) {
    throw new Error("no suite");
  }
  return suite;
}

export function describe(name: string, body: () => void): void {
  suites.push({ name, beforeEach: [], afterEach: [] });
  try {
    body();
  } finally {
    suites.pop();
  }
}

export function beforeEach(body: Body): void {
  current().beforeEach.push(body);
}

export function afterEach(body: Body): void {
  current().afterEach.push(body);
}

export function it(name: string, body: Body): void {
  const chain = [...suites];
  Deno.test({
    name: [...chain.map((suite) => suite.name).filter((part) => part !== ""), name].join(" > "),
    // Request timeouts leave timers behind by design; the tests assert behaviour, not resource hygiene.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      for (const suite of chain) {
        for (const hook of suite.beforeEach) {
          await hook();
        }
      }
      try {
        await body();
      } finally {
        for (const suite of [...chain].reverse()) {
          for (const hook of suite.afterEach) {
            await hook();
          }
        }
      }
    },
  });
}

export const test = it;

/** Jest's `expect`, also taking vitest's optional message (unused: Deno prints the failed matcher). */
export const expect: typeof jestExpect & ((actual: unknown, message?: string) => ReturnType<typeof jestExpect>) =
  Object.assign((actual: unknown, _message?: string) => jestExpect(actual), jestExpect);
