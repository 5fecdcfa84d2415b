/**
 * Vitest global setup: one simulator server for the whole run. Each test file creates its own tenants
 * and webhook receivers through the control interface, so files never see each other's state.
 * @module
 */
import { startSimulatorServer } from "./simulator-server.ts";
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startSimulatorServer();
  project.provide("simulatorUrl", server.url);
  return () => server.close();
}
