declare namespace Cloudflare {
  interface Env {
    /** Base URL of the simulator server the global setup started. */
    SIMULATOR_URL: string;
  }
  interface GlobalProps {
    mainModule: typeof import("../../src/worker/index.ts");
  }
}
