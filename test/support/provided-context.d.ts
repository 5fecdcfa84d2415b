import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the simulator server the global setup started. */
    simulatorUrl: string;
    /** Peak memory of the workerd processes, for benchmarks. */
    memoryProbeUrl: string;
  }
}
