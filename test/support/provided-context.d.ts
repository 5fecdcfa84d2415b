import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the simulator server the global setup started. */
    simulatorUrl: string;
  }
}
