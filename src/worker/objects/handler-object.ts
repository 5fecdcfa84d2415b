/**
 * One object per mail handler, named by its id. It orchestrates: runs happen here, one at a time,
 * from an alarm when the cron hands one over, a retry falls due or a change notification arrives, or
 * at once from `POST /api/handlers/{id}/run`; after every change it reports its view to its directory
 * shard. What it remembers lives in `HandlerTables`; what a run does is the core's `runHandler`; its
 * push subscription is kept by `HandlerPush`.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { openSecret, sealedKeyId, sealSecret } from "../../core/crypto/secret-box.ts";
import { resolveHandlerFolders } from "../../core/handlers/handler-folders.ts";
import { emptyRunCounts, readStoredConfig } from "../../core/handlers/handler.ts";
import { handlerStatus, runSucceeded } from "../../core/handlers/handler-status.ts";
import { runVerdict } from "../../core/handlers/run-verdict.ts";
import { webhookRefusalAdvice } from "../../core/advice.ts";
import { AfterProcessing } from "../../core/handlers/after-processing.ts";
import type { PartialBatches } from "../../core/handlers/after-processing.ts";
import { IMMUTABLE_IDS } from "../../core/handlers/delta-reader.ts";
import { runHandler } from "../../core/handlers/handler-run.ts";
import { postToWebhook, webhookStatusOf } from "../../core/jira/webhook-client.ts";
import { testPayload } from "../../core/jira/payload.ts";
import { notifiedRunAt } from "../../core/push/push-rules.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { accountGraphClient } from "../account-graph.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { outboundFetch } from "../outbound-fetch.ts";
import { loadSettings } from "../settings.ts";
import { directoryShardOf } from "../stores/directory-shards.ts";
import { AlarmSchedule } from "./alarm-schedule.ts";
import { HandlerPush } from "./handler-push.ts";
import { HandlerTables } from "./handler-tables.ts";
import { OBJECT_CLOCK } from "./object-clock.ts";
import type { FixPlace } from "../../core/advice.ts";
import type {
  ActivityItem,
  DeadLetter,
  HandlerConfig,
  HandlerStatus,
  HandlerView,
  RunCounts,
} from "../../core/handlers/handler.ts";
import type { KeyRing } from "../../core/crypto/key-ring.ts";
import type { CheckReport } from "../../core/handlers/handler-checks.ts";
import type { DeliveryOutcome } from "../../core/jira/webhook-client.ts";
import type { RunOutcomeKind } from "../../core/handlers/run-verdict.ts";
import type { ResolvedFolders } from "../../core/handlers/store.ts";
import type { PayloadSeal, RunDeps, RunSettings } from "../../core/handlers/handler-run.ts";
import type { GraphClient } from "../../core/microsoft/graph-client.ts";
import type { Clock } from "../../core/ports.ts";
import type { ChangeNotice, LifecycleNotice } from "../../core/push/notifications.ts";
import type { Env } from "../env.ts";
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

export type DeadLetterRetry =
  | { found: false }
  | { found: true; delivered: true }
  | { found: true; delivered: false; error: string };

export type DeadLettersRetry = { found: false } | { found: true; delivered: number; failed: number };

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
  #running: Promise<HandlerRunReport> | null = null;
  /** When the run in progress started, for spacing runs that notifications ask for. */
  #runStartedAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tables = new HandlerTables(ctx.storage.sql);
    this.#alarms = new AlarmSchedule(ctx.storage);
    this.#push = new HandlerPush(env, ctx.storage.sql, () => this[OBJECT_CLOCK]);
  }

  /** Creates the handler and lists it in the directory; nothing stays behind if listing fails. */
  async create(setup: HandlerSetup): Promise<HandlerView> {
    const fields = { ...setup, webhookToken: await this.#sealToken(setup.id, setup.webhookToken ?? null) };
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
      setup.webhookToken === undefined ? row.webhook_token : await this.#sealToken(row.id, setup.webhookToken);
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
    if (row === null || !configOf(row).enabled) {
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
  async retryDeadLetter(messageId: string): Promise<DeadLetterRetry> {
    const row = this.#tables.row();
    if (row === null || this.#tables.deadLetter(messageId) === null) {
      return { found: false };
    }
    const settings = await this.#runSettings(row, { readId: row.read_folder_id ?? "", moveId: row.move_folder_id });
    const error = await this.#redeliver(row.id, settings, messageId);
    await this.#afterRedelivery(row, settings, { delivered: error === null ? 1 : 0 });
    return error === null ? { found: true, delivered: true } : { found: true, delivered: false, error };
  }

  /** One more attempt for every dead letter, oldest mail first. */
  async retryDeadLetters(): Promise<DeadLettersRetry> {
    const row = this.#tables.row();
    if (row === null) {
      return { found: false };
    }
    const settings = await this.#runSettings(row, { readId: row.read_folder_id ?? "", moveId: row.move_folder_id });
    let delivered = 0;
    let failed = 0;
    for (const { messageId } of this.#tables.deadLetters()) {
      if ((await this.#redeliver(row.id, settings, messageId)) === null) {
        delivered++;
      } else {
        failed++;
      }
    }
    await this.#afterRedelivery(row, settings, { delivered });
    return { found: true, delivered, failed };
  }

  /** Posts a test payload (`data.test: true`) to the handler's webhook, once; null when there is no handler. */
  async postTestPayload(): Promise<DeliveryOutcome | null> {
    const row = this.#tables.row();
    if (row === null) {
      return null;
    }
    const settings = await this.#runSettings(row, { readId: "", moveId: null });
    const payload = testPayload({ handlerId: row.id, mailbox: row.mailbox_address, at: this.#nowIso() });
    return postToWebhook(
      {
        url: settings.webhook.url,
        token: settings.webhook.token,
        idempotencyKey: payload.data.dedupeKey,
        body: JSON.stringify(payload),
      },
      { http: outboundFetch(await loadSettings(this.env)), clock: this[OBJECT_CLOCK] },
    );
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
    const token = await openSecret(keyRing, row.webhook_token, tokenContext(row.id));
    this.#tables.saveWebhookToken(await sealSecret(keyRing, token, tokenContext(row.id)));
    return true;
  }

  /** Posts a dead letter once more: null when delivered, else the error it stays with. */
  async #redeliver(handlerId: string, settings: RunSettings, messageId: string): Promise<string | null> {
    const letter = this.#tables.deadLetter(messageId);
    if (letter === null) {
      return "It is no longer a dead letter";
    }
    const sealed = this.#tables.payload(messageId);
    if (sealed === null) {
      return "This message never had a payload to post (see its last error)";
    }
    const keyRing = (await loadSettings(this.env)).keyRing;
    const outcome = await postToWebhook(
      {
        url: settings.webhook.url,
        token: settings.webhook.token,
        idempotencyKey: letter.dedupeKey,
        body: await payloadSeal(handlerId, keyRing).open(messageId, sealed),
      },
      { http: outboundFetch(await loadSettings(this.env)), clock: this[OBJECT_CLOCK] },
    );
    const now = this[OBJECT_CLOCK].now();
    if (outcome.kind !== "delivered") {
      this.#tables.recordDeadLetterAttempt(messageId, { error: outcome.error, status: outcome.status, now });
      return outcome.error;
    }
    this.#tables.recordDelivered(messageId, { attempts: letter.attempts + 1, status: outcome.status, now });
    return null;
  }

  /** After dead letters were retried: the error clears once none is left, delivered mail is marked read or moved. */
  async #afterRedelivery(row: HandlerRow, settings: RunSettings, options: { delivered: number }): Promise<void> {
    if (options.delivered > 0) {
      if (this.#tables.counts().deadLettered === 0 && row.last_outcome === "ok") {
        this.#tables.clearLastError();
      }
      if (row.read_folder_id !== null) {
        await this.#afterProcessQuietly(row, settings);
      }
    }
    await this.#publish({ required: false });
  }

  /** Waits for the run in progress, if any, whatever its outcome. */
  async #settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #runOnce(options: { partialBatches: PartialBatches }): Promise<HandlerRunReport> {
    const clock = this[OBJECT_CLOCK];
    const startedAt = clock.now();
    const row = this.#tables.row();
    if (row === null) {
      return { found: false };
    }
    const config = configOf(row);
    if (!config.enabled) {
      return { found: true, ran: false };
    }
    // This run reads the mailbox after every notification so far: it answers them all.
    await this.#alarms.clear("notifiedRun");
    const settings = await loadSettings(this.env);
    const graph = accountGraphClient(this.env, settings, config.accountId, {
      mailbox: config.mailbox,
      headers: { prefer: IMMUTABLE_IDS },
    });
    const counts = emptyRunCounts();
    let outcome: RunOutcomeKind = "ok";
    let lastError: string | null = null;
    let where: FixPlace | null = null;
    let moreWork = false;
    try {
      const folders = this.#tables.resolvedFolders() ?? (await this.#resolveAndKeep(graph, config));
      const result = await runHandler(
        { ...(await this.#runSettings(row, folders)), partialBatches: options.partialBatches },
        this.#runDeps(graph, settings.keyRing, row.id),
        counts,
      );
      const deadLetterError = counts.deadLettered > 0 ? (this.#tables.lastDeadLetterError() ?? "unknown") : null;
      lastError =
        deadLetterError === null
          ? result.warning
          : `${counts.deadLettered} message(s) went to the dead letters; last error: ${deadLetterError}`;
      where = deadLetterError === null ? null : webhookRefusalAdvice(webhookStatusOf(deadLetterError)).where;
      moreWork = result.moreWork;
    } catch (error) {
      const verdict = runVerdict(error, {
        mailbox: config.mailbox,
        account: `account ${config.accountId} (${row.account_label})`,
        folder: config.folder,
      });
      outcome = verdict.outcome;
      lastError = verdict.message;
      where = verdict.where;
      if (verdict.unexpected !== null) {
        CONSOLE_LOGGER.error("handler.run_failed", {
          handlerId: row.id,
          error: verdict.unexpected.name,
          message: verdict.unexpected.message,
        });
      }
    }
    counts.pending = this.#tables.pendingCount();
    this.#tables.compact({ before: clock.now() - config.retentionDays * DAY_MS, limit: COMPACT_PER_RUN });
    this.#tables.recordRun({ startedAt, outcome, lastError, where, succeeded: runSucceeded(outcome, counts) });
    await this.#scheduleNext({ moreWork, failedRuns: this.#tables.failedRuns() });
    await this.#reconcilePush({ retryNow: false });
    const view = await this.#publish({ required: false });
    CONSOLE_LOGGER.info("handler.run", { handlerId: row.id, outcome, ...counts });
    return { found: true, ran: true, counts, status: view.status, lastError };
  }

  async #resolveAndKeep(graph: GraphClient, config: HandlerConfig): Promise<ResolvedFolders> {
    const folders = await resolveHandlerFolders(graph, config);
    this.#tables.saveResolvedFolders(folders);
    return folders;
  }

  async #runSettings(row: HandlerRow, folders: ResolvedFolders): Promise<RunSettings> {
    const config = configOf(row);
    const keyRing = (await loadSettings(this.env)).keyRing;
    return {
      handlerId: row.id,
      mailbox: config.mailbox,
      mailboxAddress: row.mailbox_address,
      folderId: folders.readId,
      moveToFolderId: folders.moveId,
      onlyUnread: config.onlyUnread,
      afterProcessing: config.afterProcessing,
      afterProcessingSkipped: config.afterProcessingSkipped,
      partialBatches: "send",
      includeAttachments: config.includeAttachments,
      maxAttachmentBytes: config.maxAttachmentBytes,
      skipRules: new Set(config.skipAutoReplies ? config.skipRules : []),
      markerKeys: keyRing.markerKeys,
      webhook: {
        url: config.webhookUrl,
        token: row.webhook_token === null ? null : await openSecret(keyRing, row.webhook_token, tokenContext(row.id)),
      },
    };
  }

  #runDeps(graph: GraphClient, keyRing: KeyRing, handlerId: string): RunDeps {
    return {
      graph,
      http: async (request) => outboundFetch(await loadSettings(this.env))(request),
      clock: this[OBJECT_CLOCK],
      sleep: (ms) => scheduler.wait(ms),
      store: this.#tables,
      payloads: payloadSeal(handlerId, keyRing),
      logger: CONSOLE_LOGGER,
    };
  }

  /** Marks read or moves what is due (a retried dead letter); a failure waits for the next run. */
  async #afterProcessQuietly(row: HandlerRow, settings: RunSettings): Promise<void> {
    const { keyRing } = await loadSettings(this.env);
    const graph = accountGraphClient(this.env, await loadSettings(this.env), configOf(row).accountId, {
      mailbox: configOf(row).mailbox,
      headers: { prefer: IMMUTABLE_IDS },
    });
    await new AfterProcessing(settings, this.#runDeps(graph, keyRing, row.id)).finish();
  }

  /**
   * Sets the alarm: at once when the run stopped at a limit, else when the next delivery retry falls
   * due, so retries never wait for the next poll. After failed runs it backs off, so a failure that
   * repeats (a bug, a poisoned message, Graph down) costs a few runs an hour, not one after another.
   */
  async #scheduleNext(options: { moreWork: boolean; failedRuns: number }): Promise<void> {
    const now = this[OBJECT_CLOCK].now();
    const retryAt = this.#tables.nextRetryAt();
    const backoff = options.failedRuns === 0 ? 0 : failedRunBackoffMs(options.failedRuns);
    const next = options.moreWork && backoff === 0 ? now : retryAt === null ? null : Math.max(retryAt, now + backoff);
    if (next === null) {
      await this.#alarms.clear("run");
    } else {
      await this.#alarms.set("run", Math.max(next, now));
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
    if (row === null || !(await this.#push.reconcile(configOf(row), options))) {
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
      config: configOf(row),
      accountLabel: row.account_label,
      folders: async () => {
        const config = configOf(row);
        const graph = accountGraphClient(this.env, await loadSettings(this.env), config.accountId, {
          mailbox: config.mailbox,
          headers: { prefer: IMMUTABLE_IDS },
        });
        return this.#tables.resolvedFolders() ?? (await this.#resolveAndKeep(graph, config));
      },
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
    const config = configOf(row);
    const counts = this.#tables.counts();
    return {
      id: row.id,
      ...config,
      webhookTokenSet: row.webhook_token !== null,
      status: handlerStatus({
        enabled: config.enabled,
        lastRunAt: row.last_run_at,
        lastOutcome: row.last_outcome as RunOutcomeKind | null,
        lastError: row.last_error,
        pending: counts.pending,
        deadLettered: counts.deadLettered,
      }),
      lastRunAt: isoOrNull(row.last_run_at),
      lastSuccessAt: isoOrNull(row.last_success_at),
      lastError: row.last_error,
      lastErrorWhere: row.last_error === null ? null : (row.last_error_where as FixPlace | null),
      counts,
      pushStatus: this.#push.status(),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async #sealToken(handlerId: string, token: string | null): Promise<string | null> {
    return token === null ? null : sealSecret((await loadSettings(this.env)).keyRing, token, tokenContext(handlerId));
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

const DAY_MS = 24 * 60 * 60 * 1000;
/** Messages compacted after one run: bounded, so a large backlog past retention costs many runs a little. */
const COMPACT_PER_RUN = 2000;

/** After failed runs in a row: 30 s, 1 min, 2 min, … at most 15 minutes. */
const FAILED_RUN_BACKOFF_MS = [30_000, 60_000, 120_000, 300_000, 600_000, 900_000] as const;

function failedRunBackoffMs(failedRuns: number): number {
  return FAILED_RUN_BACKOFF_MS[Math.min(failedRuns, FAILED_RUN_BACKOFF_MS.length) - 1] ?? 900_000;
}

/** Payloads hold whole mails: sealed at rest like every other secret, bound to the handler and message. */
function payloadSeal(handlerId: string, keyRing: KeyRing): PayloadSeal {
  const context = (messageId: string): { record: string; field: string } => ({
    record: `handler:${handlerId}`,
    field: `payload:${messageId}`,
  });
  return {
    seal: (messageId, payload) => sealSecret(keyRing, payload, context(messageId)),
    open: (messageId, sealed) => openSecret(keyRing, sealed, context(messageId)),
  };
}

function configOf(row: HandlerRow): HandlerConfig {
  return readStoredConfig(row.config);
}

function tokenContext(handlerId: string): { record: string; field: string } {
  return { record: `handler:${handlerId}`, field: "webhookToken" };
}

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
