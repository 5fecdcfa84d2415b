import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import type { ViteUserConfig } from "vitest/config";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Settings the Worker under test runs with; the simulator's address arrives from the global setup. */
const TEST_BINDINGS = {
  ADMIN_TOKEN: "ggOWOvi+hsUE6hJo0H3sfmCevHPu/ad9iHTcceX8Jwk=",
  ENCRYPTION_KEYS: "k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,k1:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
  ALLOW_HTTP_LOOPBACK: "true",
  PUBLIC_URL: "",
  ALLOWED_AUTH_HOSTS: "",
};

/**
 * Where Graph reaches the Worker in the push tests and benchmarks: the origin the tests address it at.
 * The other workerd tests run without `PUBLIC_URL`, so push is unavailable there and polling is tested
 * alone; the simulator carries its calls to this origin through the test's relay
 * (`test/support/notification-relay.ts`), since the Worker in workerd has no port to call.
 */
export const PUSH_BINDINGS = { PUBLIC_URL: "https://edgepost.test" };

/** Tests and benchmarks both run inside workerd against the real bindings and the simulator. */
export function workerdConfig(options: {
  include: string[];
  exclude?: string[];
  name?: string;
  fileParallelism?: boolean;
  testTimeout?: number;
  /** For `afterAll`'s leak scan, which takes a while after a benchmark's thousands of requests. */
  hookTimeout?: number;
  /** Projects with a higher group order start once the lower ones are done. */
  groupOrder?: number;
  /** Settings on top of the tests' own, such as `PUBLIC_URL` for push. */
  bindings?: Record<string, string>;
}): ViteUserConfig {
  return defineConfig({
    plugins: [
      cloudflareTest(({ inject }) => ({
        remoteBindings: false,
        wrangler: { configPath: `${ROOT}/wrangler.toml` },
        miniflare: {
          bindings: {
            ...TEST_BINDINGS,
            ...options.bindings,
            SIMULATOR_URL: inject("simulatorUrl"),
            GRAPH_BASE_URL: `${inject("simulatorUrl")}/v1.0`,
          },
        },
      })),
    ],
    test: {
      name: options.name ?? "workerd",
      root: ROOT,
      include: options.include,
      ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
      ...(options.groupOrder === undefined ? {} : { sequence: { groupOrder: options.groupOrder } }),
      globalSetup: ["test/node/global-setup.ts"],
      setupFiles: ["test/support/capture-logs.ts"],
      // Timeouts only catch a hang: on a busy 2-core machine the first test of a file (which also starts
      // the Worker) took over 20 s, so they sit far above any test's normal run.
      testTimeout: options.testTimeout ?? 90_000,
      hookTimeout: options.hookTimeout ?? 60_000,
      fileParallelism: options.fileParallelism ?? true,
    },
  });
}

/** Debian's Chromium; the browser test runs only where it is installed (`.ci/run` installs it). */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium) {
  console.warn(
    `\n[edgepost] SKIPPING the browser test: no Chromium at ${CHROMIUM_PATH}. ` +
      "Install it (apt-get install chromium) or set CHROMIUM_PATH; .ci/run always runs it.\n",
  );
}

export default defineConfig({
  test: {
    projects: [
      {
        ...workerdConfig({
          include: ["test/core/**/*.test.ts", "test/worker/**/*.test.ts"],
          exclude: ["test/worker/scale.test.ts"],
        }),
        extends: false,
      },
      // 10,000 objects: alone, after the others, so that their open files do not add up (see the test).
      {
        ...workerdConfig({ include: ["test/worker/scale.test.ts"], name: "workerd-scale", groupOrder: 1 }),
        extends: false,
      },
      {
        ...workerdConfig({ name: "workerd-push", include: ["test/push/**/*.test.ts"], bindings: PUSH_BINDINGS }),
        extends: false,
      },
      {
        extends: false as const,
        test: { name: "repository", root: ROOT, include: ["test/repository/**/*.test.ts"], environment: "node" },
      },
      {
        extends: false as const,
        test: {
          name: "dev-tools",
          root: ROOT,
          include: ["test/dev-tools/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
        },
      },
      ...(hasChromium
        ? [
            {
              extends: false as const,
              test: {
                name: "browser",
                root: ROOT,
                include: ["test/e2e/**/*.e2e.ts"],
                environment: "node",
                testTimeout: 180_000,
                hookTimeout: 180_000,
              },
            },
          ]
        : []),
    ],
  },
});
