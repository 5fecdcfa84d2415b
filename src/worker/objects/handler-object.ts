/**
 * One object per mail handler, named by its id. It orchestrates: runs happen here, one at a time,
 * from an alarm when the cron hands one over, a retry falls due or a change notification arrives, or
 * at once from `POST /api/handlers/{id}/run`; after every change it reports its view to its directory
 * shard. What it remembers lives in `HandlerTables`; what a run does is the core's `runHandler`, given
 * its inputs by `HandlerRunInputs` and recorded by `runAndRecord`; dead letters and test payloads are posted by
 * `HandlerWebhook`; its push subscription is kept by `HandlerPush`.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { sealedKeyId } from "../../core/crypto/secret-box.ts";
import { nextRunAt } from "../../core/handlers/run-schedule.ts";
import { notifiedRunAt } from "../../core/push/push-rules.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { loadSettings } from "../settings.ts";
import { directoryShardOf } from "../stores/directory-shards.ts";
import { AlarmSchedule } from "./alarm-schedule.ts";
import { HandlerPush } from "./handler-push.ts";
import { HandlerWebhook } from "./handler-webhook.ts";
import { runAndRecord } from "./handler-run-record.ts";
import { HandlerRunInputs } from "./handler-run-inputs.ts";
import { HandlerTables, storedConfig } from "./handler-tables.ts";
import { handlerView } from "./handler-view.ts";
import { OBJECT_CLOCK } from "./object-clock.ts";
import type { PartialBatches } from "../../core/handlers/after-processing.ts";
import type {
  ActivityItem,
  DeadLetter,
  HandlerConfig,
  HandlerStatus,
  HandlerView,
  RunCounts,
} from "../../core/handlers/handler.ts";
import type { CheckReport } from "../../core/handlers/handler-checks.ts";
import type { DeliveryOutcome } from "../../core/jira/webhook-client.ts";
import type { ResolvedFolders } from "../../core/handlers/store.ts";
import type { Clock } from "../../core/ports.ts";
import type { ChangeNotice, LifecycleNotice } from "../../core/push/notifications.ts";
import type { Env } from "../env.ts";
import type { DeadLetterRetry, DeadLettersRetry } from "./handler-webhook.ts";
import type { HandlerRow } from "./handler-tables.ts";
import type { PushFollowUp, PushSubject } from "./handler-push.ts";

/** What the API hands over when a handler is created or changed. */
export interface HandlerSetup {
  id: string;
  config: HandlerConfig;
  /** Plain text; `null` for none, `undefined` on a change to keep the stored one. */
  webhookToken: string | null | undefined;
  /** `data.mailbox` of the payload: the account's own address for `me`. */
  mailboxAddress: string;
  /** How errors name the account, e.g. `adele@contoso.com`. */
  accountLabel: string;
  /** Folder ids when the API could resolve them now (null: the first run does; undefined on a change: keep). */
  resolvedFolders: ResolvedFolders | null | undefined;
  /** Forget the delta cursor (another mailbox or folder). */
  resetCursor: boolean;
}

export type HandlerRunReport =
  | { found: false }
  | { found: true; ran: false }
  | { found: true; ran: true; counts: RunCounts; status: HandlerStatus; lastError: string | null };

type Found<T> = { found: false } | ({ found: true } & T);

/**
 * Why the object's alarm wakes it: a run the cron handed over, a retry or the rest of a run (`run`); a
 * run asked for by change notifications (`notifiedRun`); work on the push subscription (`push`).
 */
type WakePurpose = "run" | "notifiedRun" | "push";

export class HandlerObject extends DurableObject<Env> {
  [OBJECT_CLOCK]: Clock = SYSTEM_CLOCK;
  readonly #tables: HandlerTables;
  readonly #alarms: AlarmSchedule<WakePurpose>;
  readonly #push: HandlerPush;
  readonly #inputs: HandlerRunInputs;
  readonly #webhook: HandlerWebhook;
  #running: Promise<HandlerRunReport> | null = null;
  /** When the run in progress started, for spacing runs that notifications ask for. */
  #runStartedAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tables = new HandlerTables(ctx.storage.sql);
    this.#alarms = new AlarmSchedule(ctx.storage);
    const clock = (): Clock => this[OBJECT_CLOCK];
    this.#push = new HandlerPush(env, ctx.storage.sql, clock);
    this.#inputs = new HandlerRunInputs(env, this.#tables, clock);
    this.#webhook = new HandlerWebhook(this.#tables, this.#inputs, clock);
  }

  /** Creates the handler and lists it in the directory; nothing stays behind if listing fails. */
  async create(setup: HandlerSetup): Promise<HandlerView> {
    const fields = { ...setup, webhookToken: await this.#inputs.sealToken(setup.id, setup.webhookToken ?? null) };
    this.#tables.create(setup.id, fields, setup.resolvedFolders ?? null, this.#nowIso());
    try {
      await this.#reconcilePush({ retryNow: true });
      return await this.#publish({ required: true });
    } catch (error) {
      await this.#erase();
      throw error;
    }
  }

  /** Changes the handler once any run in progress has finished, so the run cannot save a stale cursor. */
  async update(setup: HandlerSetup): Promise<HandlerView | null> {
    await this.#settled();
    const row = this.#tables.row();
    if (row === null) {
      return null;
    }
    const webhookToken =
      setup.webhookToken === undefined ? row.webhook_token : await this.#inputs.sealToken(row.id, setup.webhookToken);
    this.#tables.update(
      { ...setup, webhookToken },
      { folders: setup.resolvedFolders, resetCursor: setup.resetCursor, now: this.#nowIso() },
    );
    await this.#reconcilePush({ retryNow: true });
    return this.#publish({ required: false });
  }

  view(): HandlerView | null {
    const row = this.#tables.row();
    return row === null ? null : this.#view(row);
  }

  /** Runs now, or joins the run in progress: one handler never runs twice at once. */
  run(): Promise<HandlerRunReport> {
    return this.#run({ partialBatches: "send" });
  }

  #run(options: { partialBatches: PartialBatches }): Promise<HandlerRunReport> {
    if (this.#running === null) {
      this.#runStartedAt = this[OBJECT_CLOCK].now();
      this.#running = this.#runOnce(options).finally(() => {
        this.#running = null;
        this.#runStartedAt = null;
      });
    }
    return this.#running;
  }

  /** The cron's hand-over: the run happens in this object's alarm, so the cron does not wait for it. */
  async wake(): Promise<boolean> {
    const row = this.#tables.row();
    if (row === null || !storedConfig(row).enabled) {
      return false;
    }
    await this.#alarms.setEarliest("run", this[OBJECT_CLOCK].now());
    return true;
  }

  /**
   * Change notifications that name this handler's subscription (`POST /graph/notifications` routed
   * them here). It only checks them and schedules: a genuine one asks for a run at once, or 2 s after
   * the last run started; during a run, for one more run after it. Forged ones change nothing.
   */
  async notify(notices: ChangeNotice[]): Promise<void> {
    const row = this.#tables.row();
    if (row !== null && (await this.#push.accept(row.id, notices))) {
      await this.#requestNotifiedRun(row);
    }
  }

  /** Lifecycle events that name this handler's subscription (`POST /graph/lifecycle`); forged ones change nothing. */
  async lifecycle(notices: LifecycleNotice[]): Promise<void> {
    const row = this.#tables.row();
    const followUp = row === null ? null : await this.#push.lifecycle(this.#pushSubject(row), notices);
    if (row !== null && followUp !== null && (followUp.maintainAt !== null || followUp.runNow)) {
      await this.#followUp(row, followUp);
    }
  }

  /** The cron's hand-over of a renewal; false when this handler does not hold `subscriptionId`. */
  async renewPush(subscriptionId: string): Promise<boolean> {
    if (this.#tables.row() === null || !this.#push.holds(subscriptionId)) {
      return false;
    }
    await this.#alarms.setEarliest("push", this[OBJECT_CLOCK].now());
    return true;
  }

  override async alarm(): Promise<void> {
    const due = this.#alarms.takeDue(this[OBJECT_CLOCK].now());
    if (due.has("push")) {
      await this.#maintainPush();
    }
    // No purpose at all: an alarm set before wake-ups had purposes, which always meant a run.
    if (due.has("run") || due.has("notifiedRun") || due.size === 0) {
      // A run in progress may have read the mailbox before the notification: this one starts after it.
      await this.#settled();
      // Only a run woken by notifications alone holds partial mark-read batches for the next poll.
      const notifiedOnly = due.has("notifiedRun") && !due.has("run");
      await this.#run({ partialBatches: notifiedOnly ? "hold" : "send" });
    }
    await this.#alarms.rearm();
  }

  deadLetters(): DeadLetter[] | null {
    return this.#tables.row() === null ? null : this.#tables.deadLetters();
  }

  activity(limit: number): ActivityItem[] | null {
    return this.#tables.row() === null ? null : this.#tables.activity(limit);
  }

  /** One more attempt for a dead letter; `attempts` counts on. Delivered, it leaves the list and is marked read or moved. */
  async retryDeadLetter(messageId: string): Promise<Found<DeadLetterRetry>> {
    const row = this.#tables.row();
    if (row === null || this.#tables.deadLetter(messageId) === null) {
      return { found: false };
    }
    const retry = await this.#webhook.retryOne(row, messageId);
    await this.#publish({ required: false });
    return { found: true, ...retry };
  }

  /** One more attempt for every dead letter, oldest mail first. */
  async retryDeadLetters(): Promise<Found<DeadLettersRetry>> {
    const row = this.#tables.row();
    if (row === null) {
      return { found: false };
    }
    const retry = await this.#webhook.retryAll(row);
    await this.#publish({ required: false });
    return { found: true, ...retry };
  }

  /** Posts a test payload (`data.test: true`) to the handler's webhook, once; null when there is no handler. */
  async postTestPayload(): Promise<DeliveryOutcome | null> {
    const row = this.#tables.row();
    return row === null ? null : this.#webhook.postTest(row);
  }

  /** Keeps the last check's report, for its page. */
  saveCheck(report: CheckReport): void {
    if (this.#tables.row() !== null) {
      this.#tables.saveLastCheck(JSON.stringify(report));
    }
  }

  lastCheck(): CheckReport | null {
    const saved = this.#tables.row() === null ? null : this.#tables.lastCheck();
    return saved === null ? null : (JSON.parse(saved) as CheckReport);
  }

  /** Leaves the directory first (so a failure keeps the handler visible and retryable), then forgets everything. */
  async remove(): Promise<boolean> {
    await this.#settled();
    const row = this.#tables.row();
    if (row === null) {
      return false;
    }
    await directoryShardOf(this.env, row.id).removeHandler(row.id);
    await this.#push.remove(this.#pushSubject(row));
    await this.#erase();
    return true;
  }

  /** Re-seals the webhook token and the push client state under the first key of ENCRYPTION_KEYS; false when both already were. */
  async reencrypt(): Promise<boolean> {
    const row = this.#tables.row();
    const keyRing = (await loadSettings(this.env)).keyRing;
    if (row === null) {
      return false;
    }
    const clientState = await this.#push.reencrypt(row.id, keyRing);
    if (row.webhook_token === null || sealedKeyId(row.webhook_token) === keyRing.primaryId) {
      return clientState;
    }
    const token = await this.#inputs.openToken(keyRing, row.id, row.webhook_token);
    this.#tables.saveWebhookToken(await this.#inputs.sealToken(row.id, token));
    return true;
  }

  /** Waits for the run in progress, if any, whatever its outcome. */
  async #settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #runOnce(options: { partialBatches: PartialBatches }): Promise<HandlerRunReport> {
    const row = this.#tables.row();
    if (row === null) {
      return { found: false };
    }
    const config = storedConfig(row);
    if (!config.enabled) {
      return { found: true, ran: false };
    }
    // This run reads the mailbox after every notification so far: it answers them all.
    await this.#alarms.clear("notifiedRun");
    const { counts, outcome, lastError, moreWork } = await runAndRecord({ row, config }, options, {
      tables: this.#tables,
      inputs: this.#inputs,
      clock: this[OBJECT_CLOCK],
    });
    await this.#scheduleNext({ moreWork, failedRuns: this.#tables.failedRuns() });
    await this.#reconcilePush({ retryNow: false });
    const view = await this.#publish({ required: false });
    CONSOLE_LOGGER.info("handler.run", { handlerId: row.id, outcome, ...counts });
    return { found: true, ran: true, counts, status: view.status, lastError };
  }

  /** Sets the alarm for the run the handler asks for itself (`nextRunAt`), or leaves it to the cron. */
  async #scheduleNext(options: { moreWork: boolean; failedRuns: number }): Promise<void> {
    const next = nextRunAt({ now: this[OBJECT_CLOCK].now(), retryAt: this.#tables.nextRetryAt(), ...options });
    if (next === null) {
      await this.#alarms.clear("run");
    } else {
      await this.#alarms.set("run", next);
    }
  }

  /** Asks for a run at once, or 2 s after the last run started (see `notifiedRunAt`). */
  async #requestNotifiedRun(row: HandlerRow): Promise<void> {
    const at = notifiedRunAt({
      now: this[OBJECT_CLOCK].now(),
      lastRunStartedAt: this.#runStartedAt ?? row.last_run_at,
    });
    await this.#alarms.setEarliest("notifiedRun", at);
  }

  /** Checks the push state against the settings; schedules a maintenance pass when one is needed. */
  async #reconcilePush(options: { retryNow: boolean }): Promise<void> {
    const row = this.#tables.row();
    if (row === null || !(await this.#push.reconcile(storedConfig(row), options))) {
      return;
    }
    if (options.retryNow || this.#alarms.dueAt("push") === null) {
      await this.#alarms.setEarliest("push", this[OBJECT_CLOCK].now());
    }
  }

  async #maintainPush(): Promise<void> {
    const row = this.#tables.row();
    if (row !== null) {
      await this.#followUp(row, await this.#push.maintain(this.#pushSubject(row)));
    }
  }

  async #followUp(row: HandlerRow, followUp: PushFollowUp): Promise<void> {
    if (followUp.maintainAt !== null) {
      await this.#alarms.set("push", followUp.maintainAt);
    }
    if (followUp.runNow) {
      await this.#requestNotifiedRun(row);
    }
    await this.#publish({ required: false });
  }

  #pushSubject(row: HandlerRow): PushSubject {
    return {
      id: row.id,
      config: storedConfig(row),
      accountLabel: row.account_label,
      folders: async () => this.#inputs.folders(await this.#inputs.graph(storedConfig(row)), storedConfig(row)),
    };
  }

  async #publish(options: { required: boolean }): Promise<HandlerView> {
    const row = this.#tables.row();
    if (row === null) {
      throw new Error("handler was removed during the operation");
    }
    const view = this.#view(row);
    const nextRunAt = (row.last_run_at ?? 0) + view.pollIntervalMinutes * 60_000;
    try {
      await directoryShardOf(this.env, row.id).upsertHandler(view, nextRunAt);
    } catch (error) {
      if (options.required) {
        throw error;
      }
      CONSOLE_LOGGER.error("directory.publish_failed", {
        handlerId: row.id,
        error: error instanceof Error ? error.message : "unknown",
      });
    }
    return view;
  }

  #view(row: HandlerRow): HandlerView {
    return handlerView(row, this.#tables.counts(), this.#push.status());
  }

  #nowIso(): string {
    return new Date(this[OBJECT_CLOCK].now()).toISOString();
  }

  async #erase(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#tables.forget();
    this.#push.forget();
    this.#alarms.forget();
  }
}
