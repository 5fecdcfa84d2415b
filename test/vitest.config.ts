import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import type { ViteUserConfig } from "vitest/config";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Settings the Worker under test runs with; the simulator's address arrives from the global setup. */
export const TEST_BINDINGS = {
  ADMIN_TOKEN: "test-admin-token-0123456789",
  ENCRYPTION_KEYS: "k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,k1:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
  ALLOW_HTTP_LOOPBACK: "true",
  PUBLIC_URL: "",
};

/** Tests and benchmarks both run inside workerd against the real bindings and the simulator. */
export function workerdConfig(options: { include: string[]; fileParallelism?: boolean; testTimeout?: number }): ViteUserConfig {
  return defineConfig({
    plugins: [
      cloudflareTest(({ inject }) => ({
        remoteBindings: false,
        wrangler: { configPath: `${ROOT}/wrangler.toml` },
        miniflare: {
          bindings: {
            ...TEST_BINDINGS,
            SIMULATOR_URL: inject("simulatorUrl"),
            GRAPH_BASE_URL: `${inject("simulatorUrl")}/v1.0`,
          },
        },
      })),
    ],
    test: {
      root: ROOT,
      include: options.include,
      globalSetup: ["test/node/global-setup.ts"],
      setupFiles: ["test/support/capture-logs.ts"],
      testTimeout: options.testTimeout ?? 20_000,
      fileParallelism: options.fileParallelism ?? true,
    },
  });
}

export default workerdConfig({ include: ["test/unit/**/*.test.ts", "test/worker/**/*.test.ts"] });
