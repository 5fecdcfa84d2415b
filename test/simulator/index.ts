/**
 * A faithful stand-in for Microsoft (identity platform v2 and Graph) and for Jira Automation's
 * incoming webhooks, written against web standards only so that one implementation serves the
 * workerd tests (in process), the Node server behind the integration and end-to-end tests, the demo
 * and the benchmarks.
 * @module
 */
import { handleControl } from "./control.ts";
import { handleGraph } from "./graph.ts";
import { handleAuthorize, handleToken } from "./identity.ts";
import { handleHook, hooksPage } from "./jira.ts";
import { Notifier } from "./notifier.ts";
import { createState } from "./state.ts";
import type { SimState } from "./state.ts";

export interface Simulator {
  /** Answers one request. Throws `SimulatedNetworkError` where a connection should drop. */
  handle(request: Request): Promise<Response>;
  readonly state: SimState;
  /** Resolves once every notification the simulator has to send is sent (or given up). */
  idle(): Promise<void>;
}

export interface SimulatorOptions {
  /** Source of randomness for probabilistic faults, notification loss and duplication; `Math.random` by default. */
  random?: () => number;
  /** How the simulator calls apps' notification URLs in `http` delivery; `fetch` by default. */
  fetch?: (request: Request) => Promise<Response>;
}

const IDENTITY_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)\/?$/;

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const state = createState();
  const random = options.random ?? Math.random;
  const notifier = new Notifier(state, { random, fetch: options.fetch ?? ((request) => fetch(request)) });
  return {
    state,
    idle: () => notifier.idle(),
    async handle(request: Request): Promise<Response> {
      const path = new URL(request.url).pathname;
      if (path.startsWith("/_sim/")) {
        return handleControl(state, request, path.slice("/_sim".length), notifier);
      }
      if (path.startsWith("/v1.0/")) {
        const { pathname, search } = new URL(request.url);
        return handleGraph(state, request, `${pathname.slice("/v1.0".length)}${search}`, { random, notifier });
      }
      if (path === "/jira" && request.method === "GET") {
        return hooksPage(state);
      }
      const hookId = /^\/jira\/hooks\/([^/]+)$/.exec(path)?.[1];
      if (hookId !== undefined) {
        const hook = state.hooks.get(hookId);
        return hook === undefined
          ? new Response(JSON.stringify({ message: "No such webhook" }), {
              status: 404,
              headers: { "content-type": "application/json" },
            })
          : handleHook(hook, request, { random });
      }
      const identity = IDENTITY_PATH.exec(path);
      if (identity !== null) {
        const [, tenant = "", endpoint] = identity;
        return endpoint === "authorize"
          ? handleAuthorize(state, request, tenant)
          : handleToken(state, request, tenant, { random });
      }
      return new Response("Not found", { status: 404 });
    },
  };
}
