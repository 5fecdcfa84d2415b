/**
 * Building blocks for push tests: a handler world whose tenant relays Graph's calls to the Worker,
 * and waits for what the Worker does on its own (alarms, work handed on after a 202).
 * @module
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { expect, vi } from "vitest";
import worker from "../../src/worker/index.ts";
import { directoryShardOf } from "../../src/worker/stores/directory-shards.ts";
import { simulator, WORKER_ORIGIN } from "./api.ts";
import { createHandler, handlerView, handlerWorld } from "./handlers.ts";
import { startNotificationRelay } from "./notification-relay.ts";
import type { HandlerView } from "../../src/core/handlers/handler.ts";
import type { SubscriptionInfo } from "../simulator/control.ts";
import type { PushState } from "../../src/core/push/push-rules.ts";
import type { TenantInput } from "../simulator/control.ts";
import type { HandlerWorld } from "./handlers.ts";
import type { NotificationRelay } from "./notification-relay.ts";

/** Longer than anything here takes on a loaded machine; a wait ends as soon as its condition holds. */
export const WAIT = { timeout: 45_000, interval: 50 };

export interface PushWorld extends HandlerWorld {
  relay: NotificationRelay;
}

const relays = new Set<NotificationRelay>();

/**
 * A connected account whose tenant sends Graph's calls through a relay to the Worker under test. The
 * relay runs until `stopRelays()`, which every push test file calls after each test.
 */
export async function pushWorld(input: TenantInput = {}): Promise<PushWorld> {
  const world = await handlerWorld({
    ...input,
    settings: { notificationDelivery: "relay", ...input.settings },
  });
  const relay = startNotificationRelay(world.tenant.tenantId);
  relays.add(relay);
  return { ...world, relay };
}

/** Graph refuses the tenant's next subscription as Outlook does when it cannot create one (403 ExtensionError). */
export async function refuseNextSubscription(tenantId: string): Promise<void> {
  await simulator().updateSettings(tenantId, {
    graphFaults: [
      {
        failure: {
          kind: "error",
          status: 403,
          error: "ExtensionError",
          description: "Operation: Create; Exception: [Status Code: Forbidden; Reason: Forbidden]",
        },
        match: { method: "POST", path: "^/subscriptions$" },
        remaining: 1,
      },
    ],
  });
}

export async function stopRelays(): Promise<void> {
  await Promise.all([...relays].map((relay) => relay.stop()));
  relays.clear();
}

/** A push world with a handler whose subscription is active, and that subscription as the simulator holds it. */
export async function activePushHandler(
  input: TenantInput = {},
): Promise<{ world: PushWorld; handler: HandlerView; subscription: SubscriptionInfo }> {
  const world = await pushWorld(input);
  const handler = await createHandler(world);
  await viewOncePush(handler.id, "active");
  const [subscription] = await simulator().subscriptions(world.tenant.tenantId);
  if (subscription === undefined) {
    throw new Error("the handler's push is active but the simulator holds no subscription");
  }
  return { world, handler, subscription };
}

/**
 * Waits until the handler has nothing scheduled: no run, notified run or push work left. (An alarm
 * being handled shows as none, so a run it started may still be under way: tests first wait for
 * what they expect, then check that nothing more happens.)
 */
export async function quiet(handlerId: string): Promise<void> {
  await vi.waitFor(async () => expect(await scheduledAlarm(handlerId)).toBeNull(), WAIT);
}

/** When the handler's object will next wake, or null. */
export function scheduledAlarm(handlerId: string): Promise<number | null> {
  return runInDurableObject(env.HANDLERS.getByName(handlerId), (_instance, state) => state.storage.getAlarm());
}

/** The handler's view once its push reaches `state`. */
export async function viewOncePush(handlerId: string, state: PushState): Promise<HandlerView> {
  return vi.waitFor(async () => {
    const view = await handlerView(handlerId);
    if (view.pushStatus.state !== state) {
      throw new Error(`push is ${view.pushStatus.state} (${view.pushStatus.reason ?? "no reason"}), not ${state}`);
    }
    return view;
  }, WAIT);
}

/**
 * Posts to the Worker as Graph would and waits until the work it handed on after answering
 * (`waitUntil`) is done, so that a test can then check that nothing changed.
 */
export async function postToWorker(
  path: string,
  options: { body?: unknown; rawBody?: string; contentType?: string },
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${WORKER_ORIGIN}${path}`, {
      method: "POST",
      headers: { "content-type": options.contentType ?? "application/json" },
      body: options.rawBody ?? (options.body === undefined ? "" : JSON.stringify(options.body)),
    }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Delta reads the tenant's users made: one per handler run (at most two pages of 1,000 each). */
export async function deltaReads(tenantId: string): Promise<number> {
  const counters = await simulator().counters(tenantId);
  return Object.entries(counters)
    .filter(([name]) => name.startsWith("graph.GET") && name.includes("/messages/delta"))
    .reduce((sum, [, value]) => sum + value, 0);
}

/** The handler a directory shard routes subscription `id` to, and when the cron renews it; null when unrouted. */
export async function routingRow(subscriptionId: string): Promise<{ handlerId: string; renewAt: number } | null> {
  return runInDurableObject(directoryShardOf(env, subscriptionId), (_instance, state) => {
    const rows = state.storage.sql
      .exec<{ handler_id: string; renew_at: number }>(
        "SELECT handler_id, renew_at FROM subscriptions WHERE id = ?",
        subscriptionId,
      )
      .toArray();
    const row = rows[0];
    return row === undefined ? null : { handlerId: row.handler_id, renewAt: row.renew_at };
  });
}

/** A genuine change notification body for a subscription, as Graph would send it. */
export function notificationFor(subscription: { id: string; clientState: string | null }): Record<string, unknown> {
  return {
    value: [
      {
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
        changeType: "created",
        resource: "Users/00000000-0000-0000-0000-000000000000/Messages/AAkALgA=",
        clientState: subscription.clientState,
        tenantId: "00000000-0000-0000-0000-000000000000",
      },
    ],
  };
}
