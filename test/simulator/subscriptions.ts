/**
 * Graph's `/subscriptions` for Outlook messages, as Microsoft documents them
 * (https://learn.microsoft.com/graph/api/resources/subscription and
 * https://learn.microsoft.com/graph/change-notifications-delivery-webhooks): create (after validating
 * both notification URLs), get, list, renew (PATCH), reauthorize and delete, with the documented
 * limits: at most 10,080 minutes of lifetime (longer is refused, under 45 minutes is raised to 45),
 * https notification URLs, no duplicate for the same resource and change type (409), delegated
 * subscriptions only on the signed-in user's own mailbox
 * (https://learn.microsoft.com/graph/outlook-change-notifications-overview), and at most 1,000 per mailbox.
 *
 * One deviation, for tests and the demo only: `http` notification URLs on a loopback host are
 * accepted, because the Worker under test listens on plain http. Microsoft accepts https only.
 * @module
 */
import { findFolder, userMailbox } from "./mailbox.ts";
import { graphDateTime } from "./notifier.ts";
import { graphError, graphJson } from "./responses.ts";
import { randomGuid, tenantNow } from "./state.ts";
import type { GraphContext } from "./graph.ts";
import type { Notifier } from "./notifier.ts";
import type { SimMailbox, SimSubscription } from "./state.ts";

const MAX_LIFETIME_MINUTES = 10_080;
const MIN_LIFETIME_MINUTES = 45;
const MAX_PER_MAILBOX = 1000;
const CLIENT_STATE_MAX = 128;
const CHANGE_TYPES = new Set(["created", "updated", "deleted"]);
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
/** Delegated permissions that allow subscribing to messages. */
const MAIL_READ_SCOPES = ["mail.readbasic", "mail.read", "mail.readwrite"];
const RESOURCE_PATTERNS: readonly RegExp[] = [
  /^(me)\/messages$/i,
  /^(me)\/mailfolders\('([^']+)'\)\/messages$/i,
  /^(me)\/mailfolders\/([^/]+)\/messages$/i,
  /^users\/([^/]+)\/messages$/i,
  /^users\/([^/]+)\/mailfolders\('([^']+)'\)\/messages$/i,
  /^users\/([^/]+)\/mailfolders\/([^/]+)\/messages$/i,
];

/** Answers `/subscriptions[/{id}[/reauthorize]]`, or null for another method. */
export async function subscriptionRoute(
  context: GraphContext,
  segments: string[],
  notifier: Notifier,
): Promise<Response | null> {
  const { request } = context;
  const [, id, action] = segments;
  if (id === undefined && request.method === "POST") {
    return create(context, notifier);
  }
  if (id === undefined && request.method === "GET") {
    return graphJson(request, {
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions",
      value: visible(context).map((subscription) => subscriptionJson(subscription)),
    });
  }
  const subscription = id === undefined ? undefined : visible(context).find((candidate) => candidate.id === id);
  if (subscription === undefined) {
    return graphError(request, 404, "ResourceNotFound", "The object was not found.");
  }
  if (action === "reauthorize" && request.method === "POST") {
    subscription.needsReauthorization = false;
    return new Response(null, { status: 204, headers: { "request-id": crypto.randomUUID() } });
  }
  if (action !== undefined) {
    return null;
  }
  if (request.method === "GET") {
    return graphJson(request, subscriptionJson(subscription));
  }
  if (request.method === "PATCH") {
    return renew(context, subscription);
  }
  if (request.method === "DELETE") {
    context.state.subscriptions.delete(subscription.id);
    return new Response(null, { status: 204, headers: { "request-id": crypto.randomUUID() } });
  }
  return null;
}

/** The live subscriptions of the calling app and user; expired ones are gone, as at Graph. */
function visible(context: GraphContext): SimSubscription[] {
  const now = tenantNow(context.tenant);
  const mine: SimSubscription[] = [];
  for (const subscription of context.state.subscriptions.values()) {
    if (subscription.tenantId === context.tenant.id && subscription.expiresAt <= now) {
      context.state.subscriptions.delete(subscription.id);
    } else if (subscription.clientId === context.token.clientId && subscription.userId === context.user.id) {
      mine.push(subscription);
    }
  }
  return mine;
}

async function create(context: GraphContext, notifier: Notifier): Promise<Response> {
  const { request, state, user, token, tenant } = context;
  const body = await readObject(request);
  if (body === null) {
    return graphError(request, 400, "BadRequest", "Empty Payload. JSON content expected.");
  }
  const changeTypes = typeof body["changeType"] === "string" ? body["changeType"].split(",").map((t) => t.trim()) : [];
  if (changeTypes.length === 0 || changeTypes.some((type) => !CHANGE_TYPES.has(type))) {
    return graphError(
      request,
      400,
      "InvalidRequest",
      `Invalid 'changeType' attribute: '${String(body["changeType"])}'.`,
    );
  }
  const notification = checkUrl(body["notificationUrl"], "NotificationUrl");
  if (!notification.ok) {
    return graphError(request, 400, "InvalidRequest", notification.message);
  }
  const lifecycle =
    body["lifecycleNotificationUrl"] === undefined || body["lifecycleNotificationUrl"] === null
      ? null
      : checkUrl(body["lifecycleNotificationUrl"], "LifecycleNotificationUrl");
  if (lifecycle !== null && !lifecycle.ok) {
    return graphError(request, 400, "InvalidRequest", lifecycle.message);
  }
  const notificationUrl = notification.url;
  const lifecycleNotificationUrl = lifecycle?.url ?? null;
  const clientState = body["clientState"];
  if (typeof clientState !== "string" || clientState === "" || clientState.length > CLIENT_STATE_MAX) {
    return graphError(
      request,
      400,
      "InvalidRequest",
      `clientState is required and must be at most ${CLIENT_STATE_MAX} characters.`,
    );
  }
  const expiry = checkExpiry(body["expirationDateTime"], tenantNow(tenant));
  if (typeof expiry !== "number") {
    return graphError(request, 400, expiry.code, expiry.message);
  }
  const resource = typeof body["resource"] === "string" ? body["resource"] : "";
  const target = resolveResource(context, resource);
  if (target instanceof Response) {
    return target;
  }
  const scopes = token.scopes.map((scope) => scope.toLowerCase().replace(/^https:\/\/graph\.microsoft\.com\//, ""));
  if (!MAIL_READ_SCOPES.some((scope) => scopes.includes(scope))) {
    return forbidden(request);
  }
  const live = visible(context);
  const duplicate = live.find(
    (candidate) =>
      candidate.mailbox === target.mailbox.address &&
      candidate.folderId === target.folderId &&
      candidate.changeTypes.join(",") === changeTypes.join(","),
  );
  if (duplicate !== undefined) {
    return graphError(
      request,
      409,
      "ExtensionError",
      `Subscription Id ${duplicate.id} already exists for the requested combination`,
    );
  }
  const perMailbox = [...state.subscriptions.values()].filter((item) => item.mailbox === target.mailbox.address);
  if (perMailbox.length >= MAX_PER_MAILBOX) {
    return forbidden(request);
  }
  for (const url of new Set([notificationUrl, lifecycleNotificationUrl ?? notificationUrl])) {
    const failure = await notifier.validate(tenant, url);
    if (failure !== null) {
      return graphError(request, 400, failure.code, failure.message);
    }
  }
  const subscription: SimSubscription = {
    id: randomGuid(),
    tenantId: tenant.id,
    userId: user.id,
    clientId: token.clientId,
    resource,
    mailbox: target.mailbox.address,
    folderId: target.folderId,
    changeTypes,
    notificationUrl,
    lifecycleNotificationUrl,
    clientState,
    expiresAt: expiry,
    immutableIds: /IdType="ImmutableId"/i.test(request.headers.get("prefer") ?? ""),
    needsReauthorization: false,
  };
  state.subscriptions.set(subscription.id, subscription);
  tenant.clientStates.push(clientState);
  return graphJson(request, subscriptionJson(subscription), { status: 201 });
}

async function renew(context: GraphContext, subscription: SimSubscription): Promise<Response> {
  const { request, tenant } = context;
  const body = (await readObject(request)) ?? {};
  if (body["expirationDateTime"] === undefined && body["notificationUrl"] === undefined) {
    return graphError(
      request,
      400,
      "InvalidRequest",
      "Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.",
    );
  }
  if (body["notificationUrl"] !== undefined) {
    const url = checkUrl(body["notificationUrl"], "NotificationUrl");
    if (!url.ok) {
      return graphError(request, 400, "InvalidRequest", url.message);
    }
    subscription.notificationUrl = url.url;
  }
  if (body["expirationDateTime"] !== undefined) {
    const expiry = checkExpiry(body["expirationDateTime"], tenantNow(tenant));
    if (typeof expiry !== "number") {
      return graphError(request, 400, expiry.code, expiry.message);
    }
    subscription.expiresAt = expiry;
    // Renewing also reauthorizes (https://learn.microsoft.com/graph/change-notifications-lifecycle-events).
    subscription.needsReauthorization = false;
  }
  return graphJson(request, subscriptionJson(subscription));
}

/** A notification URL Graph accepts, or the message of its refusal (400 InvalidRequest). */
function checkUrl(value: unknown, name: string): { ok: true; url: string } | { ok: false; message: string } {
  if (typeof value !== "string" || value === "") {
    return { ok: false, message: `${name} is required.` };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, message: `Invalid notification url='${value}'.` };
  }
  const loopbackHttp = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
  if (url.protocol !== "https:" && !loopbackHttp) {
    return { ok: false, message: `${name} scheme='${url.protocol.replace(":", "")}' is not supported.` };
  }
  return { ok: true, url: value };
}

/**
 * The expiry Graph keeps: refused beyond 10,080 minutes (the harsher reading of "will fail"), raised
 * to 45 minutes when shorter.
 */
function checkExpiry(value: unknown, now: number): number | { code: string; message: string } {
  const at = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    return { code: "InvalidRequest", message: "expirationDateTime is required and must be a date-time." };
  }
  if (at > now + MAX_LIFETIME_MINUTES * 60_000) {
    return {
      code: "ExtensionError",
      message: `Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`,
    };
  }
  return Math.max(at, now + MIN_LIFETIME_MINUTES * 60_000);
}

/** The mailbox and folder a resource names; only the signed-in user's own mailbox, as Graph allows delegated. */
function resolveResource(
  context: GraphContext,
  resource: string,
): { mailbox: SimMailbox; folderId: string | null } | Response {
  const { request, state, user } = context;
  const path = resource.replace(/^\//, "");
  const match = RESOURCE_PATTERNS.map((pattern) => pattern.exec(path)).find((result) => result !== null);
  if (match === undefined || match === null) {
    return graphError(request, 400, "InvalidRequest", `Resource '${resource}' is not supported.`);
  }
  const [, who = "", folder] = match;
  const own = userMailbox(state, user);
  const named = who.toLowerCase() === "me" ? own : findMailbox(context, decodeURIComponent(who));
  if (named === undefined || own === undefined || named.address !== own.address) {
    return forbidden(request);
  }
  if (folder === undefined) {
    return { mailbox: own, folderId: null };
  }
  const found = findFolder(own, decodeURIComponent(folder));
  return found === undefined
    ? graphError(request, 404, "ResourceNotFound", "The object was not found.")
    : { mailbox: own, folderId: found.id };
}

function findMailbox(context: GraphContext, who: string): SimMailbox | undefined {
  const key = who.toLowerCase();
  return (
    context.state.mailboxes.get(key) ?? [...context.state.mailboxes.values()].find((mailbox) => mailbox.ownerId === key)
  );
}

/** Outlook's refusal of a delegated subscription it does not allow (a shared or another user's mailbox). */
function forbidden(request: Request): Response {
  return graphError(
    request,
    403,
    "ExtensionError",
    "Operation: Create; Exception: [Status Code: Forbidden; Reason: Forbidden]",
  );
}

function subscriptionJson(subscription: SimSubscription): Record<string, unknown> {
  return {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
    id: subscription.id,
    resource: subscription.resource,
    applicationId: subscription.clientId,
    changeType: subscription.changeTypes.join(","),
    clientState: subscription.clientState,
    notificationUrl: subscription.notificationUrl,
    notificationQueryOptions: null,
    notificationContentType: null,
    lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
    expirationDateTime: graphDateTime(subscription.expiresAt),
    creatorId: subscription.userId,
    includeResourceData: null,
    latestSupportedTlsVersion: "v1_2",
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

async function readObject(request: Request): Promise<Record<string, unknown> | null> {
  const parsed: unknown = await request.json().catch(() => null);
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : null;
}
