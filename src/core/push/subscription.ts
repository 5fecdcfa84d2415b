/**
 * Graph subscriptions to a mail folder's new messages (https://learn.microsoft.com/graph/api/resources/subscription):
 * create, renew, reauthorize and delete, each answer parsed with a schema. What to ask for and when
 * is decided in `push-rules.ts`; the handler object keeps what Graph answered.
 * @module
 */
import * as z from "../zod.ts";
import { GraphError } from "../microsoft/graph-client.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";

/**
 * Headers on every subscription request: notifications then carry immutable ids, as the handler's
 * reads do (https://learn.microsoft.com/graph/outlook-immutable-id#immutable-id-with-change-notifications).
 */
export const SUBSCRIPTION_GRAPH_HEADERS: Readonly<Record<string, string>> = { prefer: 'IdType="ImmutableId"' };

/** Graph's answer to a create or renewal; other properties are ignored. */
const subscriptionSchema = z.object({
  id: z.string().check(z.minLength(1)),
  resource: z.string(),
  changeType: z.string(),
  expirationDateTime: z.iso.datetime({ offset: true }),
});

/** A subscription as Graph confirmed it. */
export interface Subscription {
  id: string;
  /** Epoch ms: Graph's expiry, which may be shorter than the one asked for. */
  expiresAt: number;
}

export interface SubscriptionRequest {
  /** The folder's Graph id; the resource is that folder's messages in the signed-in user's own mailbox. */
  folderId: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  /** Sent back in every notification, so that forged ones can be told apart. */
  clientState: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * The resource for new messages in one folder of the signed-in user's mailbox (the only mailbox a
 * delegated subscription may watch: https://learn.microsoft.com/graph/outlook-change-notifications-overview).
 */
export function folderMessagesResource(folderId: string): string {
  return `me/mailFolders/${encodeURIComponent(folderId)}/messages`;
}

/** `POST /subscriptions`: Graph validates both URLs before it answers 201. */
export async function createSubscription(graph: GraphClient, request: SubscriptionRequest): Promise<Subscription> {
  const response = await graph.request({
    method: "POST",
    path: "/subscriptions",
    body: {
      changeType: "created",
      notificationUrl: request.notificationUrl,
      lifecycleNotificationUrl: request.lifecycleNotificationUrl,
      resource: folderMessagesResource(request.folderId),
      expirationDateTime: new Date(request.expiresAt).toISOString(),
      clientState: request.clientState,
    },
  });
  return parseSubscription(response.body);
}

/** `PATCH /subscriptions/{id}` with a new expiry; renewing also reauthorizes. */
export async function renewSubscription(graph: GraphClient, id: string, expiresAt: number): Promise<Subscription> {
  const response = await graph.request({
    method: "PATCH",
    path: `/subscriptions/${encodeURIComponent(id)}`,
    body: { expirationDateTime: new Date(expiresAt).toISOString() },
  });
  return parseSubscription(response.body);
}

/** `POST /subscriptions/{id}/reauthorize`, the answer to a `reauthorizationRequired` event. */
export async function reauthorizeSubscription(graph: GraphClient, id: string): Promise<void> {
  await graph.request({
    method: "POST",
    path: `/subscriptions/${encodeURIComponent(id)}/reauthorize`,
    repeatable: true,
  });
}

/** `DELETE /subscriptions/{id}`; one Graph no longer knows counts as deleted. */
export async function deleteSubscription(graph: GraphClient, id: string): Promise<void> {
  try {
    await graph.request({ method: "DELETE", path: `/subscriptions/${encodeURIComponent(id)}` });
  } catch (error) {
    if (!isSubscriptionGone(error)) {
      throw error;
    }
  }
}

/** Graph no longer knows the subscription (it expired, or Microsoft removed it). */
export function isSubscriptionGone(error: unknown): boolean {
  return error instanceof GraphError && error.status === 404;
}

/**
 * The id of the subscription a 409 says already exists for the same resource and change type
 * ("Subscription Id <id> already exists for the requested combination"), or null.
 */
export function conflictingSubscriptionId(error: unknown): string | null {
  if (!(error instanceof GraphError) || error.status !== 409) {
    return null;
  }
  return /subscription id\s+'?([0-9a-z-]+)'?\s+already exists/i.exec(error.message)?.[1] ?? null;
}

function parseSubscription(body: unknown): Subscription {
  const parsed = subscriptionSchema.safeParse(body);
  if (!parsed.success) {
    throw new GraphError({
      status: 0,
      code: "invalid_response",
      message: "Graph answered the subscription request with a body edgepost cannot read",
    });
  }
  return { id: parsed.data.id, expiresAt: Date.parse(parsed.data.expirationDateTime) };
}
