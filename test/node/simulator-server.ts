/**
 * Serves the simulator over HTTP on loopback, for the workerd tests (started by the global setup),
 * the demo and the benchmarks. Run directly for a standalone local Microsoft + Jira:
 * `node test/node/simulator-server.ts [--port 8788]`.
 * @module
 */
import http from "node:http";
import { pathToFileURL } from "node:url";
import { createSimulator } from "../simulator/index.ts";
import { SimulatedNetworkError } from "../simulator/state.ts";
import type { AddressInfo } from "node:net";
import type { Simulator, SimulatorOptions } from "../simulator/index.ts";

export interface SimulatorServer {
  url: string;
  simulator: Simulator;
  close(): Promise<void>;
}

export async function startSimulatorServer(
  options: SimulatorOptions & { port?: number; host?: string } = {},
): Promise<SimulatorServer> {
  const simulator = createSimulator(options);
  const host = options.host ?? "127.0.0.1";
  const server = http.createServer((incoming, outgoing) => {
    void serve(simulator, incoming, outgoing, host);
  });
  // Longer than workerd keeps an idle connection pooled, so that workerd never sends a request on a
  // connection this server has just closed ("Network connection lost") in long, bursty benchmarks.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    simulator,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(
  simulator: Simulator,
  incoming: http.IncomingMessage,
  outgoing: http.ServerResponse,
  host: string,
): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) {
      chunks.push(chunk as Buffer);
    }
    const method = incoming.method ?? "GET";
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
        headers.append(name, item);
      }
    }
    const request = new Request(`http://${incoming.headers.host ?? host}${incoming.url ?? "/"}`, {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
    });
    const response = await simulator.handle(request);
    const body = Buffer.from(await response.arrayBuffer());
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(body);
  } catch (error) {
    if (error instanceof SimulatedNetworkError) {
      incoming.socket.destroy();
      return;
    }
    outgoing.writeHead(500, { "content-type": "text/plain" });
    outgoing.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const portIndex = process.argv.indexOf("--port");
  const port = portIndex === -1 ? 8788 : Number(process.argv[portIndex + 1]);
  const server = await startSimulatorServer({ port });
  console.log(`Microsoft + Jira simulator listening on ${server.url}`);
  console.log(`Create a tenant: curl -X POST ${server.url}/_sim/tenants -d '{}'`);
}
