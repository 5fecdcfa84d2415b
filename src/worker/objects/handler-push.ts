/**
 * A handler object's push: brings its Graph subscription in line with what the handler should have
 * (create, renew, reauthorize, replace, delete), checks the notifications and lifecycle events that
 * name it, and says what its view shows. The rules are the core's (`push/push-rules.ts`); the state
 * lives in `SubscriptionTables`; the routing row (subscription id → handler id) in the directory shard
 * of the subscription id. The handler object decides when this runs (its alarm) and runs the handler.
 * @module
 */
import { constantTimeEqual } from "../../core/crypto/constant-time.ts";
import { randomToken } from "../../core/crypto/random.ts";
import { openSecret, sealedKeyId, sealSecret } from "../../core/crypto/secret-box.ts";
import {
  pushPlan,
  pushRetryDelayMs,
  reauthorizeAt,
  renewalDueAt,
  requestedExpiry,
} from "../../core/push/push-rules.ts";
import { FolderTakenError, pushFailure } from "../../core/push/push-verdict.ts";
import {
  conflictingSubscriptionId,
  createSubscription,
  deleteSubscription,
  folderMessagesResource,
  isSubscriptionGone,
  reauthorizeSubscription,
  renewSubscription,
  SUBSCRIPTION_GRAPH_HEADERS,
} from "../../core/push/subscription.ts";
import { accountGraphClient } from "../account-graph.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { loadSettings } from "../settings.ts";
import { directoryShardOf } from "../stores/directory-shards.ts";
import { SubscriptionTables } from "./subscription-tables.ts";
import type { KeyRing } from "../../core/crypto/key-ring.ts";
import type { HandlerConfig } from "../../core/handlers/handler.ts";
import type { ResolvedFolders } from "../../core/handlers/store.ts";
import type { GraphClient } from "../../core/microsoft/graph-client.ts";
import type { ChangeNotice, LifecycleNotice } from "../../core/push/notifications.ts";
import type { PushPlan, PushStatus } from "../../core/push/push-rules.ts";
import type { Clock } from "../../core/ports.ts";
import type { Env } from "../env.ts";
import type { Settings } from "../settings.ts";
import type { HeldSubscription } from "./subscription-tables.ts";

/** The handler as push needs it. */
export interface PushSubject {
  id: string;
  config: HandlerConfig;
  /** How errors name the account, e.g. `adele@contoso.com`. */
  accountLabel: string;
  /** The folder ids, resolved through Graph if they are not yet. */
  folders(): Promise<ResolvedFolders>;
}

/** What the handler object should do after a maintenance pass or a lifecycle event. */
export interface PushFollowUp {
  /** Maintain again at this time (a retry, or at once); null for no need. */
  maintainAt: number | null;
  /** Run the handler now: notifications may have been missed. */
  runNow: boolean;
}

const NOTHING_TO_DO: PushFollowUp = { maintainAt: null, runNow: false };

export class HandlerPush {
  readonly #env: Env;
  readonly #tables: SubscriptionTables;
  readonly #clock: () => Clock;

  constructor(env: Env, storage: SqlStorage, clock: () => Clock) {
    this.#env = env;
    this.#tables = new SubscriptionTables(storage);
    this.#clock = clock;
  }

  /** What the handler's view shows. */
  status(): PushStatus {
    const record = this.#tables.read();
    if (record === null) {
      return { state: "pending", expiresAt: null, lastNotificationAt: null, reason: null };
    }
    return {
      state: record.state,
      // A subscription still waiting for deletion (push just turned off) shows no expiry.
      expiresAt: record.state === "active" ? isoOrNull(record.subscription?.expiresAt ?? null) : null,
      lastNotificationAt: isoOrNull(record.lastNotificationAt),
      reason: record.reason,
    };
  }

  /** Whether the handler holds subscription `id`. */
  holds(id: string): boolean {
    return this.#tables.read()?.subscription?.id === id;
  }

  /**
   * Brings the stored state in line with the handler's settings and the Worker's, without calling
   * Graph; true when a maintenance pass should follow: a subscription to delete, one to create or
   * replace, or (`retryNow`, when the handler was changed) one that failed.
   */
  async reconcile(config: HandlerConfig, options: { retryNow: boolean }): Promise<boolean> {
    const plan = await this.#plan(config);
    const record = this.#tables.read();
    if (plan.kind !== "wanted") {
      if (record?.state !== plan.kind || record.reason !== plan.reason) {
        this.#tables.setState(plan.kind, plan.reason);
      }
      return record?.subscription !== null && record?.subscription !== undefined;
    }
    if (record === null || record.state === "off" || record.state === "unavailable") {
      this.#tables.setState("pending", null);
      return true;
    }
    const expired = record.subscription !== null && record.subscription.expiresAt <= this.#clock().now();
    return options.retryNow || record.state !== "active" || expired;
  }

  /** Creates, renews, reauthorizes, replaces or deletes the subscription as needed. */
  async maintain(subject: PushSubject): Promise<PushFollowUp> {
    const settings = await loadSettings(this.#env);
    const plan = this.#planWith(subject.config, settings);
    const held = this.#tables.read()?.subscription ?? null;
    if (plan.kind !== "wanted") {
      if (held !== null) {
        await this.#discard(subject, held, { graph: this.#graph(subject, settings) });
      }
      this.#tables.setState(plan.kind, plan.reason);
      return NOTHING_TO_DO;
    }
    try {
      return await this.#maintainWanted(subject, plan, settings, held);
    } catch (error) {
      return this.#failed(subject, plan, error, held);
    }
  }

  /** Checks notifications for this handler; true when one is genuine (its subscription, its client state). */
  async accept(handlerId: string, notices: readonly ChangeNotice[]): Promise<boolean> {
    const genuine = await this.#genuine(handlerId, notices);
    if (genuine.length > 0) {
      this.#tables.recordNotification(this.#clock().now());
    }
    return genuine.length > 0;
  }

  /** Acts on genuine lifecycle events; forged ones and those of other subscriptions change nothing. */
  async lifecycle(subject: PushSubject, notices: readonly LifecycleNotice[]): Promise<PushFollowUp> {
    const now = this.#clock().now();
    let followUp = NOTHING_TO_DO;
    for (const notice of await this.#genuine(subject.id, notices)) {
      const held = this.#tables.read()?.subscription ?? null;
      switch (notice.event) {
        case "reauthorizationRequired":
          this.#tables.requestReauthorization();
          followUp = { ...followUp, maintainAt: now };
          break;
        case "subscriptionRemoved":
          if (held !== null) {
            await this.#discard(subject, held, { graph: null });
          }
          this.#tables.setState("pending", null);
          followUp = { maintainAt: now, runNow: true };
          break;
        case "missed":
          followUp = { ...followUp, runNow: true };
          break;
        default:
          CONSOLE_LOGGER.info("push.lifecycle_ignored", { handlerId: subject.id, event: notice.event });
      }
      CONSOLE_LOGGER.info("push.lifecycle", { handlerId: subject.id, event: notice.event });
    }
    return followUp;
  }

  /** Deletes the subscription and its routing row (the handler is being deleted). */
  async remove(subject: PushSubject): Promise<void> {
    const held = this.#tables.read()?.subscription ?? null;
    if (held !== null) {
      await this.#discard(subject, held, { graph: this.#graph(subject, await loadSettings(this.#env)) });
    }
  }

  /** Re-seals the client state under the key ring's first key; false when it already was. */
  async reencrypt(handlerId: string, keyRing: KeyRing): Promise<boolean> {
    const held = this.#tables.read()?.subscription ?? null;
    if (held === null || sealedKeyId(held.clientState) === keyRing.primaryId) {
      return false;
    }
    const clientState = await openSecret(keyRing, held.clientState, clientStateContext(handlerId));
    this.#tables.saveClientState(await sealSecret(keyRing, clientState, clientStateContext(handlerId)));
    return true;
  }

  /** Forgets that the tables exist; the object deletes its storage. */
  forget(): void {
    this.#tables.forget();
  }

  async #maintainWanted(
    subject: PushSubject,
    plan: Extract<PushPlan, { kind: "wanted" }>,
    settings: Settings,
    held: HeldSubscription | null,
  ): Promise<PushFollowUp> {
    const now = this.#clock().now();
    const graph = this.#graph(subject, settings);
    const folders = await subject.folders();
    const resource = folderMessagesResource(folders.readId);
    let current = held;
    if (current !== null && (current.resource !== resource || current.expiresAt <= now)) {
      await this.#discard(subject, current, { graph: current.expiresAt > now ? graph : null });
      current = null;
    }
    if (current !== null && now >= renewalDueAt(current)) {
      // Renewing also answers a pending reauthorization.
      const id = current.id;
      const renewed = await this.#unlessGone(subject, current, () =>
        renewSubscription(graph, id, requestedExpiry(now)),
      );
      if (renewed !== null) {
        this.#tables.recordRenewal(renewed.expiresAt, now);
        await this.#route(
          subject.id,
          current.id,
          renewalDueAt({ ...current, renewedAt: now, patchedAt: now, expiresAt: renewed.expiresAt }),
        );
        return { maintainAt: null, runNow: current.reauthorizeRequested };
      }
      current = null;
    }
    if (current?.reauthorizeRequested) {
      const at = reauthorizeAt(current, now);
      if (at > now) {
        // Renewed less than 10 minutes ago: Microsoft asks to wait before reauthorizing.
        return { maintainAt: at, runNow: false };
      }
      const id = current.id;
      const done = await this.#unlessGone(subject, current, async () => {
        await reauthorizeSubscription(graph, id);
        return true;
      });
      if (done !== null) {
        this.#tables.recordReauthorization(now);
        await this.#route(subject.id, current.id, renewalDueAt({ ...current, reauthorizedAt: now }));
        // Notifications were withheld until now: the delta catches up.
        return { maintainAt: null, runNow: true };
      }
      current = null;
    }
    if (current !== null) {
      return NOTHING_TO_DO;
    }
    await this.#create(subject, plan, { graph, resource, folderId: folders.readId });
    // Replacing a subscription that was lost may have missed mail: the delta catches up.
    return { maintainAt: null, runNow: held !== null };
  }

  /** The call's result, or null (the subscription forgotten) when Graph no longer knows the subscription. */
  async #unlessGone<T>(subject: PushSubject, held: HeldSubscription, call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      if (!isSubscriptionGone(error)) {
        throw error;
      }
      await this.#discard(subject, held, { graph: null });
      return null;
    }
  }

  async #create(
    subject: PushSubject,
    plan: Extract<PushPlan, { kind: "wanted" }>,
    options: { graph: GraphClient; resource: string; folderId: string },
  ): Promise<void> {
    const now = this.#clock().now();
    const keyRing = (await loadSettings(this.#env)).keyRing;
    const clientState = randomToken(CLIENT_STATE_BYTES);
    const request = {
      folderId: options.folderId,
      notificationUrl: plan.notificationUrl,
      lifecycleNotificationUrl: plan.lifecycleNotificationUrl,
      clientState,
      expiresAt: requestedExpiry(now),
    };
    let subscription: Awaited<ReturnType<typeof createSubscription>>;
    try {
      subscription = await createSubscription(options.graph, request);
    } catch (error) {
      // A subscription for this folder exists already. Another handler's is left alone; any other is
      // most likely one whose creation edgepost never heard back from, useless without its client
      // state, so it is replaced.
      const existing = conflictingSubscriptionId(error);
      if (existing === null) {
        throw error;
      }
      const owner = await directoryShardOf(this.#env, existing).subscriptionOwner(existing);
      if (owner !== null && owner !== subject.id) {
        throw new FolderTakenError(owner, { cause: error });
      }
      await deleteSubscription(options.graph, existing);
      subscription = await createSubscription(options.graph, request);
    }
    const renewAt = renewalDueAt({
      renewedAt: now,
      expiresAt: subscription.expiresAt,
      patchedAt: null,
      reauthorizedAt: null,
    });
    try {
      await this.#route(subject.id, subscription.id, renewAt);
    } catch (error) {
      await deleteSubscription(options.graph, subscription.id).catch(() => undefined);
      throw error;
    }
    this.#tables.saveSubscription({
      id: subscription.id,
      clientState: await sealSecret(keyRing, clientState, clientStateContext(subject.id)),
      resource: options.resource,
      expiresAt: subscription.expiresAt,
      now,
    });
    CONSOLE_LOGGER.info("push.subscribed", {
      handlerId: subject.id,
      subscriptionId: subscription.id,
      expiresAt: new Date(subscription.expiresAt).toISOString(),
    });
  }

  #failed(
    subject: PushSubject,
    plan: Extract<PushPlan, { kind: "wanted" }>,
    error: unknown,
    held: HeldSubscription | null,
  ): PushFollowUp {
    const now = this.#clock().now();
    const failure = pushFailure(error, {
      notificationUrl: plan.notificationUrl,
      account: `account ${subject.config.accountId} (${subject.accountLabel})`,
    });
    const stillValid = held !== null && held.expiresAt > now && this.#tables.read()?.subscription !== null;
    const failures = this.#tables.recordFailure(failure.reason, { keepState: stillValid });
    CONSOLE_LOGGER.warn("push.failed", {
      handlerId: subject.id,
      failures,
      error: failure.unexpected?.name ?? (error instanceof Error ? error.name : "unknown"),
      ...(failure.unexpected === null ? {} : { message: failure.unexpected.message }),
    });
    return { maintainAt: now + pushRetryDelayMs(failures), runNow: false };
  }

  /** Forgets a subscription: deleted at Graph when `graph` is given (quietly: it expires anyway), unrouted. */
  async #discard(subject: PushSubject, held: HeldSubscription, options: { graph: GraphClient | null }): Promise<void> {
    if (options.graph !== null) {
      try {
        await deleteSubscription(options.graph, held.id);
      } catch (error) {
        CONSOLE_LOGGER.warn("push.delete_failed", {
          handlerId: subject.id,
          subscriptionId: held.id,
          error: error instanceof Error ? error.name : "unknown",
        });
      }
    }
    this.#tables.dropSubscription();
    try {
      await directoryShardOf(this.#env, held.id).removeSubscription(held.id);
    } catch (error) {
      // The cron's renewal pass drops a row whose handler no longer holds the subscription.
      CONSOLE_LOGGER.warn("push.unroute_failed", {
        handlerId: subject.id,
        error: error instanceof Error ? error.name : "unknown",
      });
    }
  }

  async #route(handlerId: string, subscriptionId: string, renewAt: number): Promise<void> {
    await directoryShardOf(this.#env, subscriptionId).putSubscription(subscriptionId, handlerId, renewAt);
  }

  /** The notices that name the held subscription and carry its client state (compared in constant time). */
  async #genuine<T extends ChangeNotice>(handlerId: string, notices: readonly T[]): Promise<T[]> {
    const held = this.#tables.read()?.subscription ?? null;
    if (held === null) {
      return [];
    }
    let expected: string | null = null;
    const genuine: T[] = [];
    for (const notice of notices) {
      if (notice.subscriptionId !== held.id || notice.clientState === null) {
        continue;
      }
      expected ??= await openSecret(
        (await loadSettings(this.#env)).keyRing,
        held.clientState,
        clientStateContext(handlerId),
      );
      if (await constantTimeEqual(notice.clientState, expected)) {
        genuine.push(notice);
      }
    }
    if (genuine.length < notices.length) {
      CONSOLE_LOGGER.warn("push.notice_refused", { handlerId, refused: notices.length - genuine.length });
    }
    return genuine;
  }

  async #plan(config: HandlerConfig): Promise<PushPlan> {
    return this.#planWith(config, await loadSettings(this.#env));
  }

  #planWith(config: HandlerConfig, settings: Settings): PushPlan {
    return pushPlan({
      mode: config.push,
      enabled: config.enabled,
      mailbox: config.mailbox,
      publicUrl: settings.publicUrl,
      allowHttpLoopback: settings.endpointPolicy.allowHttpLoopback,
    });
  }

  #graph(subject: PushSubject, settings: Settings): GraphClient {
    return accountGraphClient(this.#env, settings, subject.config.accountId, {
      mailbox: subject.config.mailbox,
      headers: SUBSCRIPTION_GRAPH_HEADERS,
    });
  }
}

/** 32 random bytes: 43 characters, within Graph's 128 for `clientState`. */
const CLIENT_STATE_BYTES = 32;

function clientStateContext(handlerId: string): { record: string; field: string } {
  return { record: `handler:${handlerId}`, field: "clientState" };
}

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
