/**
 * The directory: an index of accounts (and the handlers that use them) and the pending
 * authorizations, in strongly consistent storage. Sharded by id (see `stores/directory-shards.ts`):
 * every row lives in the shard of its own id, so each shard sees a 32nd of the traffic. Account and
 * handler rows are summaries their objects push after every change; each object stays the source of
 * truth for its own state. The rows live in `DirectoryTables`; the object hands out the cron's work and
 * passes what needs a person on to the alerts object through `AlertRelay`.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { KEEP_ALIVE_IDLE_MS } from "../../core/accounts/token-broker.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { accountConditions, handlerConditions } from "../../core/alerts/alert-rules.ts";
import { forgetInAlerts } from "../stores/alerts.ts";
import { AlertRelay } from "./alert-relay.ts";
import { wakeHandlersOfAccount } from "../stores/directory-shards.ts";
import { DirectoryTables } from "./directory-tables.ts";
import { OBJECT_CLOCK } from "./object-clock.ts";
import type { AccountView } from "../../core/accounts/account.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { PageRequest } from "../../core/pagination.ts";
import type { Clock } from "../../core/ports.ts";
import type { Env } from "../env.ts";
import type { AuthorizationLookup } from "./directory-tables.ts";

export interface TickReport {
  keepAlive: { due: number; refreshed: number; failed: number };
  handlers: { due: number; dispatched: number; failed: number };
  subscriptions: { due: number; dispatched: number; failed: number };
  /** Subjects whose reports the alerts object had not taken, sent again this tick. */
  alerts: { due: number; reported: number };
}

/** Accounts one shard keeps alive per tick; 32 shards × 25 × 1440 ticks a day covers 1,152,000 accounts. */
const KEEP_ALIVE_PER_TICK = 25;
/**
 * Handler runs one shard hands out per tick. 32 shards × 500 = 16,000 a minute, above the 10,000
 * handlers edgepost is designed for; the rest wait for the next minute, oldest first.
 */
export const DISPATCH_PER_TICK = 500;
/** A dispatched handler is not dispatched again for this long unless its own report says otherwise. */
const DISPATCH_LEASE_MS = 5 * 60 * 1000;
/**
 * A handler counts as due this long before its time: a run starts a moment after the tick that
 * dispatched it, so "its last run plus the interval" falls just after the matching later tick.
 */
const DUE_TOLERANCE_MS = 30 * 1000;
/** After a keep-alive attempt the account is not picked again for this long (its own report resets it). */
const KEEP_ALIVE_RETRY_MS = 60 * 60 * 1000;
/**
 * Subscription renewals one shard hands out per tick. Each subscription is renewed about every 3.5
 * days, so 10,000 of them need about 2 a minute in all; the cap only bounds a backlog.
 */
const RENEWALS_PER_TICK = 100;
/** A handed-out renewal is not handed out again for this long unless the handler reports back sooner. */
const RENEWAL_LEASE_MS = 60 * 60 * 1000;
/** Used authorizations are kept this long after expiry so a replay is told "already used". */
const AUTHORIZATION_TOMBSTONE_MS = 60 * 60 * 1000;
/** A sign-in's result page can be opened (once) for this long after the redirect. */
const SIGN_IN_RESULT_TTL_MS = 10 * 60 * 1000;
/** Subjects whose reports are sent again per tick, after the alerts object could not take them. */
const ALERT_RETRIES_PER_TICK = 50;

export class Directory extends DurableObject<Env> {
  [OBJECT_CLOCK]: Clock = SYSTEM_CLOCK;
  readonly #tables: DirectoryTables;
  readonly #alerts: AlertRelay;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tables = new DirectoryTables(ctx.storage.sql);
    this.#alerts = new AlertRelay(env, this.#tables);
  }

  countAccountsByCredential(credentialId: string): number {
    return this.#tables.countAccountsByCredential(credentialId);
  }

  countHandlersByAccount(accountId: string): number {
    return this.#tables.countHandlersByAccount(accountId);
  }

  /**
   * Keeps the account's summary. When it comes back from `reauth_required` (the mailbox was
   * reconnected), its handlers run at once, so the errors its sign-in caused clear without waiting for
   * their next poll.
   */
  async upsertAccount(view: AccountView, refreshUsedAt: number): Promise<void> {
    const before = this.#tables.accountStatus(view.id);
    this.#tables.upsertAccount(view, refreshUsedAt);
    await this.#alerts.report("account", view.id, {
      subject: { type: "account", id: view.id, name: view.email ?? view.username },
      reports: accountConditions(view),
    });
    if (before === "reauth_required" && view.status === "connected") {
      await wakeHandlersOfAccount(this.env, view.id).catch((error: unknown) => {
        CONSOLE_LOGGER.warn("reconnect.wake_failed", {
          accountId: view.id,
          error: error instanceof Error ? error.message : "unknown",
        });
      });
    }
  }

  /** Runs this shard's enabled handlers of the account now. */
  async wakeHandlersOf(accountId: string): Promise<void> {
    await Promise.all(this.#tables.enabledHandlersOf(accountId).map((id) => this.env.HANDLERS.getByName(id).wake()));
  }

  async removeAccount(accountId: string): Promise<void> {
    this.#tables.removeAccount(accountId);
    await forgetInAlerts(this.env, "account", accountId);
  }

  listAccounts(page: PageRequest | null = null): AccountView[] {
    return this.#tables.listAccounts(page);
  }

  async upsertHandler(view: HandlerView, nextRunAt: number): Promise<void> {
    this.#tables.upsertHandler(view, nextRunAt);
    await this.#alerts.report("handler", view.id, {
      subject: { type: "handler", id: view.id, name: view.name },
      reports: handlerConditions(view),
    });
  }

  async removeHandler(handlerId: string): Promise<void> {
    this.#tables.removeHandler(handlerId);
    await forgetInAlerts(this.env, "handler", handlerId);
  }

  listHandlers(page: PageRequest | null = null): HandlerView[] {
    return this.#tables.listHandlers(page);
  }

  putSubscription(id: string, handlerId: string, renewAt: number): void {
    this.#tables.putSubscription(id, handlerId, renewAt);
  }

  removeSubscription(id: string): void {
    this.#tables.removeSubscription(id);
  }

  subscriptionOwner(id: string): string | null {
    return this.#tables.subscriptionOwner(id);
  }

  putAuthorization(id: string, record: string, expiresAt: number): void {
    this.#tables.putAuthorization(id, record, expiresAt, {
      now: this[OBJECT_CLOCK].now(),
      tombstoneMs: AUTHORIZATION_TOMBSTONE_MS,
    });
  }

  takeAuthorization(id: string): AuthorizationLookup {
    return this.#tables.takeAuthorization(id, this[OBJECT_CLOCK].now());
  }

  putSignInResult(id: string, outcome: string): void {
    const now = this[OBJECT_CLOCK].now();
    this.#tables.putSignInResult(id, outcome, { now, expiresAt: now + SIGN_IN_RESULT_TTL_MS });
  }

  takeSignInResult(id: string): string | null {
    return this.#tables.takeSignInResult(id, this[OBJECT_CLOCK].now());
  }

  /**
   * Marks a credential as going away before its accounts are counted: a sign-in through it that
   * finishes later sees the mark and stores nothing (and one that finished earlier is counted).
   */
  markCredentialDeleted(credentialId: string): void {
    this.#tables.markCredentialDeleted(credentialId, this[OBJECT_CLOCK].now());
  }

  /** Lifts the mark when the delete was refused (accounts still use the credential). */
  unmarkCredentialDeleted(credentialId: string): void {
    this.#tables.unmarkCredentialDeleted(credentialId);
  }

  isCredentialDeleted(credentialId: string): boolean {
    return this.#tables.isCredentialDeleted(credentialId);
  }

  /**
   * The cron's visit: hands each due handler's run to the handler's own object (which runs it from
   * an alarm, so a slow mailbox delays nobody), hands each push subscription due for renewal to the
   * handler holding it, and keeps idle refresh tokens alive.
   */
  async tick(now: number): Promise<TickReport> {
    const [handlers, keepAlive, subscriptions, alerts] = await Promise.all([
      this.#dispatchHandlers(now),
      this.#keepAlive(now),
      this.#renewSubscriptions(now),
      this.#alerts.resend(ALERT_RETRIES_PER_TICK),
    ]);
    return { handlers, keepAlive, subscriptions, alerts };
  }

  /** Asks each holder to renew; a handler that no longer holds the subscription gets its row dropped. */
  async #renewSubscriptions(now: number): Promise<TickReport["subscriptions"]> {
    const due = this.#tables.leaseDueSubscriptions({
      dueBy: now,
      limit: RENEWALS_PER_TICK,
      leaseUntil: now + RENEWAL_LEASE_MS,
    });
    const results = await Promise.allSettled(
      due.map((subscription) => this.env.HANDLERS.getByName(subscription.handlerId).renewPush(subscription.id)),
    );
    results.forEach((result, index) => {
      const subscription = due[index];
      if (result.status === "fulfilled" && !result.value && subscription !== undefined) {
        this.#tables.removeSubscription(subscription.id);
      }
    });
    const failed = results.filter((result) => result.status === "rejected").length;
    if (failed > 0) {
      CONSOLE_LOGGER.warn("renewal.failed", { failed, due: due.length });
    }
    return {
      due: due.length,
      dispatched: results.filter((result) => result.status === "fulfilled" && result.value).length,
      failed,
    };
  }

  async #dispatchHandlers(now: number): Promise<TickReport["handlers"]> {
    const due = this.#tables.leaseDueHandlers({
      dueBy: now + DUE_TOLERANCE_MS,
      limit: DISPATCH_PER_TICK,
      leaseUntil: now + DISPATCH_LEASE_MS,
    });
    const results = await Promise.allSettled(due.map((id) => this.env.HANDLERS.getByName(id).wake()));
    const failed = results.filter((result) => result.status === "rejected").length;
    if (failed > 0) {
      CONSOLE_LOGGER.warn("dispatch.failed", { failed, due: due.length });
    }
    return {
      due: due.length,
      dispatched: results.filter((result) => result.status === "fulfilled" && result.value).length,
      failed,
    };
  }

  async #keepAlive(now: number): Promise<TickReport["keepAlive"]> {
    const due = this.#tables.leaseIdleAccounts({
      idleSince: now - KEEP_ALIVE_IDLE_MS,
      limit: KEEP_ALIVE_PER_TICK,
      leaseAs: now - KEEP_ALIVE_IDLE_MS + KEEP_ALIVE_RETRY_MS,
    });
    const results = await Promise.allSettled(due.map((id) => this.env.ACCOUNTS.getByName(id).keepAlive()));
    const refreshed = results.filter(
      (result) => result.status === "fulfilled" && result.value.refreshed && result.value.result.ok,
    ).length;
    const failed = results.filter((result) => result.status === "rejected").length;
    if (failed > 0) {
      CONSOLE_LOGGER.warn("keepalive.failed", { failed, due: due.length });
    }
    return { due: due.length, refreshed, failed };
  }
}
