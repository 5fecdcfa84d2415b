/**
 * Building blocks for push tests: a handler world whose tenant relays Graph's calls to the Worker,
 * and waits for what the Worker does on its own (alarms, work handed on after a 202).
 * @module
 */
import { vi } from "vitest";
import { handlerView, handlerWorld } from "./handlers.ts";
import { startNotificationRelay } from "./notification-relay.ts";
import type { HandlerView } from "../../src/core/handlers/handler.ts";
import type { PushState } from "../../src/core/push/push-rules.ts";
import type { TenantInput } from "../simulator/control.ts";
import type { HandlerWorld } from "./handlers.ts";
import type { NotificationRelay } from "./notification-relay.ts";

/** Longer than anything here takes on a loaded machine; a wait ends as soon as its condition holds. */
export const WAIT = { timeout: 15_000, interval: 50 };

export interface PushWorld extends HandlerWorld {
  relay: NotificationRelay;
}

/** A connected account whose tenant sends Graph's calls through a relay to the Worker under test. */
export async function pushWorld(input: TenantInput = {}): Promise<PushWorld> {
  const world = await handlerWorld({
    ...input,
    settings: { notificationDelivery: "relay", ...input.settings },
  });
  return { ...world, relay: startNotificationRelay(world.tenant.tenantId) };
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
