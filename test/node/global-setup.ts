/**
 * Vitest global setup: one simulator server for the whole run. Each test file creates its own tenants
 * and webhook receivers through the control interface, so files never see each other's state.
 * @module
 */
import { startMemoryProbe } from "./memory-probe.ts";
import { startSimulatorServer } from "./simulator-server.ts";
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startSimulatorServer();
  const probe = await startMemoryProbe();
  project.provide("simulatorUrl", server.url);
  project.provide("memoryProbeUrl", probe.url);
  return async () => {
    await Promise.all([server.close(), probe.close()]);
  };
}
