/**
 * What Microsoft posts to the notification endpoints, parsed at the boundary: change notifications
 * (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks) and lifecycle events
 * (https://learn.microsoft.com/graph/change-notifications-lifecycle-events). A notification is only a
 * hint that something changed; what it says about the message is not used, the delta query decides.
 * @module
 */
import * as z from "../zod.ts";
import { parseInput } from "../validation.ts";

/** Microsoft sends at most this much in one request (many notifications may share it). */
export const NOTIFICATION_BODY_LIMIT_BYTES = 1024 * 1024;
/** Graph's validation tokens are short; anything far longer is not one. */
export const VALIDATION_TOKEN_MAX_CHARS = 1024;
/** `clientState` is at most 128 characters (https://learn.microsoft.com/graph/api/resources/subscription). */
const CLIENT_STATE_MAX_CHARS = 128;
const SUBSCRIPTION_ID_MAX_CHARS = 256;

const subscriptionId = z.string().check(z.minLength(1), z.maxLength(SUBSCRIPTION_ID_MAX_CHARS));
const clientState = z.nullish(z.string().check(z.maxLength(CLIENT_STATE_MAX_CHARS)));

/** One change notification; properties edgepost does not use (resource, resourceData, tenantId…) are ignored. */
const changeNotificationSchema = z.object({ subscriptionId, clientState });

/** One lifecycle event; names Microsoft may add later are accepted and ignored. */
const lifecycleEventSchema = z.object({
  subscriptionId,
  clientState,
  lifecycleEvent: z.string().check(z.minLength(1)),
});

const changeBatchSchema = z.object({ value: z.array(changeNotificationSchema) });
const lifecycleBatchSchema = z.object({ value: z.array(lifecycleEventSchema) });

/** What one notification says, as far as edgepost uses it. */
export interface ChangeNotice {
  subscriptionId: string;
  clientState: string | null;
}

export type LifecycleEventName = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

export interface LifecycleNotice extends ChangeNotice {
  /** One of `LifecycleEventName`, or a name edgepost does not know. */
  event: string;
}

/** Parses a change notification body (`{ "value": [...] }`); throws `ValidationError` naming every bad field. */
export function parseChangeNotifications(body: unknown): ChangeNotice[] {
  return parseInput(changeBatchSchema, body).value.map((item) => ({
    subscriptionId: item.subscriptionId,
    clientState: item.clientState ?? null,
  }));
}

/** Parses a lifecycle notification body (`{ "value": [...] }`); throws `ValidationError` naming every bad field. */
export function parseLifecycleNotifications(body: unknown): LifecycleNotice[] {
  return parseInput(lifecycleBatchSchema, body).value.map((item) => ({
    subscriptionId: item.subscriptionId,
    clientState: item.clientState ?? null,
    event: item.lifecycleEvent,
  }));
}

/** Groups notices by subscription, in the order they came. */
export function bySubscription<T extends ChangeNotice>(notices: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const notice of notices) {
    const group = groups.get(notice.subscriptionId);
    if (group === undefined) {
      groups.set(notice.subscriptionId, [notice]);
    } else {
      group.push(notice);
    }
  }
  return groups;
}
