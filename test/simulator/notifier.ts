/**
 * The calls Graph makes to an app (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks):
 * the validation handshake before a subscription is created, change notifications for new messages
 * (batched, with the tenant's configurable delay, loss and duplication, retried when the app does not
 * answer 2xx in time), and lifecycle events
 * (https://learn.microsoft.com/graph/change-notifications-lifecycle-events).
 *
 * How a call reaches the app is the tenant's `notificationDelivery`: `http` posts it (the demo and the
 * benchmarks run the Worker under `wrangler dev` on a port); `relay` queues it for a test to take
 * (`GET /_sim/tenants/{id}/relay`), carry to the Worker in process and answer
 * (`POST /_sim/tenants/{id}/relay/{callId}`), because the workerd tests' Worker has no address the
 * simulator's Node server could call. Either way the same deadlines apply.
 * @module
 */
import { count, randomGuid, tenantNow } from "./state.ts";
import type { SimCallKind, SimMailbox, SimMessage, SimState, SimSubscription, SimTenant } from "./state.ts";

/** The app must answer the validation request within 10 s. */
const VALIDATION_TIMEOUT_MS = 10_000;
/** A notification counts as delivered when answered 2xx within 3 s; retries get 10 s. */
const NOTIFICATION_TIMEOUT_MS = 3_000;
const RETRY_TIMEOUT_MS = 10_000;
/** Graph retries for up to 4 hours; the simulator tries three more times, sooner, and then drops. */
const RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];
/** Notifications sent together in one request, at most. */
const MAX_BATCH = 100;

export interface NotifierOptions {
  /** How `http` delivery calls the app; `fetch` by default. */
  fetch: (request: Request) => Promise<Response>;
  random: () => number;
}

/** A call waiting for a relay: the test sends it to the Worker and posts the answer back. */
export interface RelayCall {
  id: string;
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: string;
}

export interface RelayAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

type CallOutcome = ({ kind: "answered" } & RelayAnswer) | { kind: "timeout" } | { kind: "unreachable" };

/** Why a validation failed, as Graph reports it to the subscriber (status 400). */
export interface ValidationFailure {
  code: string;
  message: string;
}

interface QueuedNotice {
  subscription: SimSubscription;
  body: Record<string, unknown>;
  dueAt: number;
  attempt: number;
}

interface Relay {
  calls: RelayCall[];
  takers: ((call: RelayCall | null) => void)[];
  answers: Map<string, (answer: RelayAnswer) => void>;
}

export class Notifier {
  readonly #state: SimState;
  readonly #options: NotifierOptions;
  /** Notifications waiting for their time, per notification URL. */
  readonly #queues = new Map<string, QueuedNotice[]>();
  readonly #flushes = new Map<string, number>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #relays = new Map<string, Relay>();

  constructor(state: SimState, options: NotifierOptions) {
    this.#state = state;
    this.#options = options;
  }

  /** The handshake: `POST {url}?validationToken=…`, answered 200 `text/plain` with the decoded token within 10 s. */
  async validate(tenant: SimTenant, url: string): Promise<ValidationFailure | null> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomGuid()}`;
    const target = `${url}${url.includes("?") ? "&" : "?"}validationToken=${encodeURIComponent(token)}`;
    const outcome = await this.#call(tenant, {
      kind: "validation",
      url: target,
      body: "",
      contentType: "text/plain; charset=utf-8",
      timeoutMs: VALIDATION_TIMEOUT_MS,
      subscriptionIds: [],
      items: 0,
    });
    if (outcome.kind === "timeout") {
      return { code: "InvalidRequest", message: "Subscription validation request timed out." };
    }
    if (outcome.kind === "unreachable") {
      return {
        code: "InvalidRequest",
        message: "The underlying connection was closed: An unexpected error occurred on a send.",
      };
    }
    if (outcome.status !== 200) {
      return {
        code: "ValidationError",
        message:
          "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
      };
    }
    if (!(outcome.contentType ?? "").toLowerCase().startsWith("text/plain") || outcome.body !== token) {
      return {
        code: "ValidationError",
        message: "Subscription validation request failed. Response must exactly match validationToken query parameter.",
      };
    }
    return null;
  }

  /** A message arrived in a mailbox folder: every live subscription watching it for `created` is notified. */
  messageCreated(mailbox: SimMailbox, message: SimMessage): void {
    for (const subscription of this.#state.subscriptions.values()) {
      const tenant = this.#state.tenants.get(subscription.tenantId);
      if (
        tenant === undefined ||
        subscription.mailbox !== mailbox.address ||
        (subscription.folderId !== null && subscription.folderId !== message.folderId) ||
        !subscription.changeTypes.includes("created") ||
        subscription.expiresAt <= tenantNow(tenant)
      ) {
        continue;
      }
      if (subscription.needsReauthorization) {
        count(tenant, "notifications.withheld");
        continue;
      }
      this.#enqueue(tenant, subscription, notificationBody(subscription, tenant, message));
    }
  }

  /** Sends a lifecycle event to the subscription's `lifecycleNotificationUrl`, if it has one. */
  lifecycle(subscription: SimSubscription, event: "reauthorizationRequired" | "subscriptionRemoved" | "missed"): void {
    const tenant = this.#state.tenants.get(subscription.tenantId);
    if (tenant === undefined || subscription.lifecycleNotificationUrl === null) {
      return;
    }
    const body = {
      value: [
        {
          subscriptionId: subscription.id,
          subscriptionExpirationDateTime: graphDateTime(subscription.expiresAt),
          tenantId: subscription.tenantId,
          clientState: subscription.clientState,
          lifecycleEvent: event,
        },
      ],
    };
    this.#track(
      this.#call(tenant, {
        kind: "lifecycle",
        url: subscription.lifecycleNotificationUrl,
        body: JSON.stringify(body),
        contentType: "application/json; charset=utf-8",
        timeoutMs: NOTIFICATION_TIMEOUT_MS,
        subscriptionIds: [subscription.id],
        items: 1,
      }),
    );
  }

  /** Resolves once nothing is queued or in flight (for tests running the simulator in process). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  /** The next call waiting for the tenant's relay, waiting up to `waitMs` for one; null if none came. */
  takeRelayCall(tenantId: string, waitMs: number): Promise<RelayCall | null> {
    const relay = this.#relay(tenantId);
    const waiting = relay.calls.shift();
    if (waiting !== undefined) {
      return Promise.resolve(waiting);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        relay.takers.splice(relay.takers.indexOf(taker), 1);
        resolve(null);
      }, waitMs);
      const taker = (call: RelayCall | null): void => {
        clearTimeout(timer);
        resolve(call);
      };
      relay.takers.push(taker);
    });
  }

  /** The relay's answer to a call; false when the call is unknown or its deadline has passed. */
  answerRelayCall(tenantId: string, callId: string, answer: RelayAnswer): boolean {
    const settle = this.#relay(tenantId).answers.get(callId);
    settle?.(answer);
    return settle !== undefined;
  }

  #enqueue(tenant: SimTenant, subscription: SimSubscription, body: Record<string, unknown>): void {
    const { settings } = tenant;
    if (this.#options.random() < settings.notificationLossRate) {
      count(tenant, "notifications.lost");
      return;
    }
    const copies = this.#options.random() < settings.notificationDuplicateRate ? 2 : 1;
    if (copies === 2) {
      count(tenant, "notifications.duplicated");
    }
    for (let copy = 0; copy < copies; copy++) {
      this.#queue(subscription, { subscription, body, dueAt: Date.now() + settings.notificationDelayMs, attempt: 0 });
    }
  }

  #queue(subscription: SimSubscription, notice: QueuedNotice): void {
    const url = subscription.notificationUrl;
    const queue = this.#queues.get(url) ?? [];
    queue.push(notice);
    this.#queues.set(url, queue);
    this.#scheduleFlush(url);
  }

  /** Flushes a URL's queue when its earliest notification is due; notices due together go in one request. */
  #scheduleFlush(url: string): void {
    const earliest = Math.min(...(this.#queues.get(url) ?? []).map((notice) => notice.dueAt));
    const planned = this.#flushes.get(url);
    if (!Number.isFinite(earliest) || (planned !== undefined && planned <= earliest)) {
      return;
    }
    this.#flushes.set(url, earliest);
    const wait = Math.max(0, earliest - Date.now());
    // Without a delay the flush waits only for the current task, so messages seeded together share a request.
    const flush =
      wait === 0
        ? Promise.resolve().then(() => this.#flush(url, earliest))
        : new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => this.#flush(url, earliest));
    this.#track(flush);
  }

  async #flush(url: string, plannedFor: number): Promise<void> {
    if (this.#flushes.get(url) === plannedFor) {
      this.#flushes.delete(url);
    }
    const queue = this.#queues.get(url) ?? [];
    const now = Date.now();
    const due = queue.filter((notice) => notice.dueAt <= now).slice(0, MAX_BATCH);
    this.#queues.set(
      url,
      queue.filter((notice) => !due.includes(notice)),
    );
    this.#scheduleFlush(url);
    const first = due[0];
    const tenant = first === undefined ? undefined : this.#state.tenants.get(first.subscription.tenantId);
    if (first === undefined || tenant === undefined) {
      return;
    }
    const outcome = await this.#call(tenant, {
      kind: "notification",
      url,
      body: JSON.stringify({ value: due.map((notice) => notice.body) }),
      contentType: "application/json; charset=utf-8",
      timeoutMs: first.attempt === 0 ? NOTIFICATION_TIMEOUT_MS : RETRY_TIMEOUT_MS,
      subscriptionIds: [...new Set(due.map((notice) => notice.subscription.id))],
      items: due.length,
    });
    if (outcome.kind === "answered" && outcome.status >= 200 && outcome.status < 300) {
      count(tenant, "notifications.delivered");
      return;
    }
    for (const notice of due) {
      const delay = RETRY_DELAYS_MS[notice.attempt];
      if (delay === undefined) {
        count(tenant, "notifications.dropped");
        continue;
      }
      this.#queue(notice.subscription, { ...notice, attempt: notice.attempt + 1, dueAt: Date.now() + delay });
    }
  }

  /** One call to the app, by the tenant's delivery, recorded in `callsOut`. */
  async #call(
    tenant: SimTenant,
    call: {
      kind: SimCallKind;
      url: string;
      body: string;
      contentType: string;
      timeoutMs: number;
      subscriptionIds: string[];
      items: number;
    },
  ): Promise<CallOutcome> {
    const outcome =
      tenant.settings.notificationDelivery === "relay"
        ? await this.#viaRelay(tenant.id, call)
        : await this.#viaHttp(call);
    tenant.callsOut.push({
      kind: call.kind,
      url: call.url,
      at: new Date().toISOString(),
      outcome: outcome.kind === "answered" ? outcome.status : outcome.kind,
      subscriptionIds: call.subscriptionIds,
      items: call.items,
    });
    count(tenant, `calls.${call.kind}`);
    return outcome;
  }

  async #viaHttp(call: { url: string; body: string; contentType: string; timeoutMs: number }): Promise<CallOutcome> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, call.timeoutMs);
    try {
      const response = await this.#options.fetch(
        new Request(call.url, {
          method: "POST",
          headers: { "content-type": call.contentType },
          body: call.body,
          signal: controller.signal,
        }),
      );
      return {
        kind: "answered",
        status: response.status,
        contentType: response.headers.get("content-type"),
        body: await response.text(),
      };
    } catch {
      return timedOut ? { kind: "timeout" } : { kind: "unreachable" };
    } finally {
      clearTimeout(timer);
    }
  }

  #viaRelay(
    tenantId: string,
    call: { url: string; body: string; contentType: string; timeoutMs: number },
  ): Promise<CallOutcome> {
    const relay = this.#relay(tenantId);
    const relayed: RelayCall = {
      id: randomGuid(),
      url: call.url,
      method: "POST",
      headers: { "content-type": call.contentType },
      body: call.body,
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        relay.answers.delete(relayed.id);
        const queued = relay.calls.indexOf(relayed);
        if (queued !== -1) {
          relay.calls.splice(queued, 1);
        }
        resolve({ kind: "timeout" });
      }, call.timeoutMs);
      relay.answers.set(relayed.id, (answer) => {
        clearTimeout(timer);
        relay.answers.delete(relayed.id);
        resolve({ kind: "answered", ...answer });
      });
      const taker = relay.takers.shift();
      if (taker === undefined) {
        relay.calls.push(relayed);
      } else {
        taker(relayed);
      }
    });
  }

  #relay(tenantId: string): Relay {
    let relay = this.#relays.get(tenantId);
    if (relay === undefined) {
      relay = { calls: [], takers: [], answers: new Map() };
      this.#relays.set(tenantId, relay);
    }
    return relay;
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }
}

/** A basic change notification for a new message, as Outlook sends it (PascalCase resource included). */
function notificationBody(
  subscription: SimSubscription,
  tenant: SimTenant,
  message: SimMessage,
): Record<string, unknown> {
  const id = subscription.immutableIds ? message.immutableId : message.restId;
  const resource = `Users/${subscription.userId}/Messages/${id}`;
  return {
    subscriptionId: subscription.id,
    subscriptionExpirationDateTime: graphDateTime(subscription.expiresAt),
    changeType: "created",
    resource,
    resourceData: {
      "@odata.type": "#Microsoft.Graph.Message",
      "@odata.id": resource,
      "@odata.etag": `W/"${randomGuid()}"`,
      id,
    },
    clientState: subscription.clientState,
    tenantId: tenant.id,
  };
}

/** Graph's date-time form, with seven fractional digits: `2026-11-30T10:00:00.0000000Z`. */
export function graphDateTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}
