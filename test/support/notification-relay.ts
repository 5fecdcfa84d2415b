/**
 * Carries the simulator's calls to the Worker under test: validation handshakes, change notifications
 * and lifecycle events. In workerd the Worker has no port the simulator's Node server could call, so a
 * tenant set to `notificationDelivery: "relay"` queues each call; this relay takes them (long polling
 * the simulator), sends each through the Worker's own `fetch` with an execution context, and posts
 * the answer back, within the deadlines Graph keeps (10 s for validation, 3 s for a notification). The
 * demo and the benchmarks against `wrangler dev` need none of this: the simulator posts over HTTP.
 * @module
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/worker/index.ts";
import { simulator } from "./api.ts";
import type { RelayCall } from "../simulator/notifier.ts";

/** How long one poll of the simulator waits for a call. */
const POLL_WAIT_MS = 250;

export interface NotificationRelay {
  /** Calls carried to the Worker so far. */
  readonly carried: number;
  /** Resolves once every call taken so far is answered and the work the Worker handed on (`waitUntil`) is done. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts carrying the tenant's calls; stop it at the end of the test. */
export function startNotificationRelay(tenantId: string): NotificationRelay {
  const sim = simulator();
  const inFlight = new Set<Promise<void>>();
  let running = true;
  let carried = 0;

  const carry = async (call: RelayCall): Promise<void> => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(call.url, { method: call.method, headers: call.headers, body: call.body }),
      env,
      ctx,
    );
    await sim.answerRelayCall(tenantId, call.id, {
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: await response.text(),
    });
    carried++;
    await waitOnExecutionContext(ctx);
  };

  const loop = (async () => {
    while (running) {
      const call = await sim.takeRelayCall(tenantId, POLL_WAIT_MS);
      if (call !== null) {
        const work = carry(call).finally(() => inFlight.delete(work));
        inFlight.add(work);
      }
    }
  })();

  const settled = async (): Promise<void> => {
    while (inFlight.size > 0) {
      await Promise.allSettled([...inFlight]);
    }
  };

  return {
    get carried() {
      return carried;
    },
    settled,
    async stop() {
      running = false;
      await loop;
      await settled();
    },
  };
}
