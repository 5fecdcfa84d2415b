/**
 * The alerts object (one, named `alerts`): it keeps the conditions that need a person per subject, in
 * strongly consistent storage, so a report that repeats what it already knows fires nothing, whoever
 * sends it; it turns each change into an alert in its outbox and posts the outbox to the alert webhook
 * from its alarm, retried like webhook deliveries (`core/jira/delivery-policy.ts`). Sources report only
 * changes: the directory shards for accounts and handlers (from the summaries they keep), account
 * objects for refused client secrets, the credential routes and the cron for secret expiry.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { alertPayload } from "../../core/alerts/alert-payload.ts";
import { ALERT_EVENTS, secretExpiryCondition, transition } from "../../core/alerts/alert-rules.ts";
import { openSecret, sealedKeyId, sealSecret } from "../../core/crypto/secret-box.ts";
import { nextAttemptDelaySeconds } from "../../core/jira/delivery-policy.ts";
import { postToWebhook } from "../../core/jira/webhook-client.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { outboundFetch } from "../outbound-fetch.ts";
import { loadSettings } from "../settings.ts";
import { CredentialStore } from "../stores/credential-store.ts";
import { AlertsTables } from "./alerts-tables.ts";
import { OBJECT_CLOCK } from "./object-clock.ts";
import type { AlertPayload } from "../../core/alerts/alert-payload.ts";
import type { AlertSubject, ConditionReport, SubjectType } from "../../core/alerts/alert-rules.ts";
import type { AlertSettingsInput, AlertSettingsView } from "../../core/alerts/alert-settings.ts";
import type { Clock } from "../../core/ports.ts";
import type { Env } from "../env.ts";
import type { AlertDelivery, HeldCondition } from "./alerts-tables.ts";

/** The header that carries the alert webhook's token. */
export const ALERT_TOKEN_HEADER = "x-edgepost-alert-token";
/** Alerts posted per alarm; the rest follow at once in the next. */
const DELIVERIES_PER_ALARM = 25;
/** Client secret expiry is looked at once a day: its thresholds are days apart. */
const EXPIRY_CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000 - 5 * 60 * 1000;
const TOKEN_CONTEXT = { record: "alerts", field: "webhookToken" } as const;

export type TestAlertResult = { sent: false; why: "no_webhook" } | { sent: true; delivery: AlertDelivery };

export class AlertsObject extends DurableObject<Env> {
  [OBJECT_CLOCK]: Clock = SYSTEM_CLOCK;
  readonly #tables: AlertsTables;
  #delivering: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tables = new AlertsTables(ctx.storage.sql);
  }

  /**
   * What a source knows now about some conditions of `subject`. Each condition that starts, crosses a
   * narrower threshold or ends is queued as an alert (when its event is wanted and a webhook is set);
   * anything else only refreshes the words the banner shows.
   */
  async report(subject: AlertSubject, reports: ConditionReport[]): Promise<void> {
    const now = this[OBJECT_CLOCK].now();
    const at = new Date(now).toISOString();
    const settings = this.#tables.settings({ events: ALERT_EVENTS });
    const publicUrl = (await loadSettings(this.env)).publicUrl;
    let queued = false;
    for (const report of reports) {
      const stored = this.#tables.condition(subject, report.condition);
      const change = transition(stored, report);
      if (change.next === null) {
        this.#tables.clearCondition(subject, report.condition);
      } else {
        this.#tables.holdCondition(subject, change.next, at);
      }
      const described = change.next ?? stored;
      if (change.fires === null || described === null) {
        continue;
      }
      const payload = alertPayload({ fires: change.fires, condition: described, subject, at, publicUrl });
      CONSOLE_LOGGER.info("alert.fired", { event: payload.event, subject: subject.type, id: subject.id });
      if (settings.webhookUrl !== null && settings.events.some((event) => event === payload.event)) {
        this.#tables.enqueue(payload, now);
        queued = true;
      }
    }
    if (queued) {
      await this.#wakeAt(now);
    }
  }

  /** A subject that was deleted: its conditions go without an alert (nothing was resolved). */
  forget(type: SubjectType, id: string): void {
    this.#tables.forgetSubject({ type, id });
  }

  /** Every condition that holds now, for the banner on every admin page. */
  attention(): HeldCondition[] {
    return this.#tables.heldConditions();
  }

  settings(): AlertSettingsView {
    const stored = this.#tables.settings({ events: ALERT_EVENTS });
    return { webhookUrl: stored.webhookUrl, webhookTokenSet: stored.webhookToken !== null, events: stored.events };
  }

  async saveSettings(input: AlertSettingsInput): Promise<AlertSettingsView> {
    const stored = this.#tables.settings({ events: ALERT_EVENTS });
    const { keyRing } = await loadSettings(this.env);
    const webhookToken =
      input.webhookToken === undefined
        ? stored.webhookToken
        : input.webhookToken === null
          ? null
          : await sealSecret(keyRing, input.webhookToken, TOKEN_CONTEXT);
    this.#tables.saveSettings({ webhookUrl: input.webhookUrl, webhookToken, events: input.events });
    if (input.webhookUrl === null) {
      this.#tables.dropPending("alerts were turned off before it was sent", this[OBJECT_CLOCK].now());
    }
    return this.settings();
  }

  recent(limit: number): AlertDelivery[] {
    return this.#tables.recent(limit);
  }

  /** Posts a test alert now and answers how the webhook took it (later attempts follow as for any alert). */
  async sendTest(): Promise<TestAlertResult> {
    const settings = this.#tables.settings({ events: ALERT_EVENTS });
    if (settings.webhookUrl === null) {
      return { sent: false, why: "no_webhook" };
    }
    const now = this[OBJECT_CLOCK].now();
    const publicUrl = (await loadSettings(this.env)).publicUrl;
    const payload: AlertPayload = {
      event: "alert.test",
      severity: "info",
      at: new Date(now).toISOString(),
      subject: { type: "handler", id: "test", name: "Test alert" },
      text: "edgepost: This is a test alert from the Alerts page; nothing needs you.",
      fix: null,
      link: publicUrl === null ? null : `${publicUrl}/alerts`,
      test: true,
    };
    this.#tables.enqueue(payload, now);
    await this.deliverDue();
    const delivery = this.#tables.recent(DELIVERIES_PER_ALARM).find((item) => item.payload.test === true);
    if (delivery === undefined) {
      throw new Error("the test alert left the outbox");
    }
    return { sent: true, delivery };
  }

  /**
   * Looks at every credential's client secret expiry, once a day (the cron asks every minute; `force`
   * looks now). Each credential's state changes only when it crosses a threshold.
   */
  async checkSecretExpiry(now: number, options: { force?: boolean } = {}): Promise<boolean> {
    const last = this.#tables.expiryCheckedAt();
    if (options.force !== true && last !== null && now - last < EXPIRY_CHECK_INTERVAL_MS) {
      return false;
    }
    this.#tables.markExpiryChecked(now);
    for (const credential of await new CredentialStore(this.env.CONFIG).list()) {
      await this.report({ type: "credential", id: credential.id, name: credential.name }, [
        secretExpiryCondition(credential, now),
      ]);
    }
    return true;
  }

  /** Re-seals the webhook token under the first key of ENCRYPTION_KEYS; false when it already was (or none is set). */
  async reencrypt(): Promise<boolean> {
    const stored = this.#tables.settings({ events: ALERT_EVENTS });
    const { keyRing } = await loadSettings(this.env);
    if (stored.webhookToken === null || sealedKeyId(stored.webhookToken) === keyRing.primaryId) {
      return false;
    }
    const token = await openSecret(keyRing, stored.webhookToken, TOKEN_CONTEXT);
    this.#tables.saveSettings({ ...stored, webhookToken: await sealSecret(keyRing, token, TOKEN_CONTEXT) });
    return true;
  }

  override async alarm(): Promise<void> {
    await this.deliverDue();
  }

  /** Posts every alert that is due (after any posting in progress), then sets the alarm for the next. */
  async deliverDue(): Promise<void> {
    while (this.#delivering !== null) {
      await this.#delivering.catch(() => undefined);
    }
    this.#delivering = this.#deliverBatches().finally(() => {
      this.#delivering = null;
    });
    await this.#delivering;
  }

  async #deliverBatches(): Promise<void> {
    for (;;) {
      const due = this.#tables.due(this[OBJECT_CLOCK].now(), DELIVERIES_PER_ALARM);
      for (const alert of due) {
        await this.#deliver(alert);
      }
      if (due.length < DELIVERIES_PER_ALARM) {
        break;
      }
    }
    const next = this.#tables.nextDueAt();
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
    } else {
      await this.ctx.storage.setAlarm(next);
    }
  }

  async #deliver(alert: AlertDelivery): Promise<void> {
    const settings = this.#tables.settings({ events: ALERT_EVENTS });
    const clock = this[OBJECT_CLOCK];
    if (settings.webhookUrl === null) {
      this.#tables.recordAttempt(
        alert.id,
        { state: "failed", status: null, error: "alerts were turned off", nextAttemptAt: clock.now() },
        clock.now(),
      );
      return;
    }
    const loaded = await loadSettings(this.env);
    const outcome = await postToWebhook(
      {
        url: settings.webhookUrl,
        token:
          settings.webhookToken === null
            ? null
            : await openSecret(loaded.keyRing, settings.webhookToken, TOKEN_CONTEXT),
        tokenHeader: ALERT_TOKEN_HEADER,
        idempotencyKey: `edgepost-alert-${alert.id}`,
        body: JSON.stringify(alert.payload),
      },
      { http: outboundFetch(loaded), clock },
    );
    const now = clock.now();
    if (outcome.kind === "delivered") {
      this.#tables.recordAttempt(
        alert.id,
        { state: "delivered", status: outcome.status, error: null, nextAttemptAt: now },
        now,
      );
      return;
    }
    const delay =
      outcome.kind === "retry" ? nextAttemptDelaySeconds(alert.attempts + 1, outcome.retryAfterSeconds) : null;
    CONSOLE_LOGGER.warn("alert.delivery_failed", {
      event: alert.payload.event,
      status: outcome.status,
      attempts: alert.attempts + 1,
      givenUp: delay === null,
    });
    this.#tables.recordAttempt(
      alert.id,
      {
        state: delay === null ? "failed" : "pending",
        status: outcome.status,
        error: outcome.error,
        nextAttemptAt: delay === null ? now : now + delay * 1000,
      },
      now,
    );
  }

  /** The alarm fires by `at`, or earlier if it already would. */
  async #wakeAt(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) {
      await this.ctx.storage.setAlarm(at);
    }
  }
}
