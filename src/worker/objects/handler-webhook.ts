/**
 * A handler's webhook outside a run: a dead letter posted once more (one, or every one oldest mail
 * first) with its stored payload and dedupe key, and the test payload a check posts. A delivered dead
 * letter leaves the list, counts `attempts` on, and is marked read or moved like any delivered message.
 * @module
 */
import { AfterProcessing } from "../../core/handlers/after-processing.ts";
import { postToWebhook } from "../../core/jira/webhook-client.ts";
import { testPayload } from "../../core/jira/payload.ts";
import { storedConfig } from "./handler-tables.ts";
import type { RunSettings } from "../../core/handlers/handler-run.ts";
import type { DeliveryOutcome } from "../../core/jira/webhook-client.ts";
import type { Clock } from "../../core/ports.ts";
import type { HandlerRunInputs } from "./handler-run-inputs.ts";
import type { HandlerRow, HandlerTables } from "./handler-tables.ts";

export type DeadLetterRetry = { delivered: true } | { delivered: false; error: string };

export interface DeadLettersRetry {
  delivered: number;
  failed: number;
}

export class HandlerWebhook {
  readonly #tables: HandlerTables;
  readonly #inputs: HandlerRunInputs;
  readonly #clock: () => Clock;

  constructor(tables: HandlerTables, inputs: HandlerRunInputs, clock: () => Clock) {
    this.#tables = tables;
    this.#inputs = inputs;
    this.#clock = clock;
  }

  async retryOne(row: HandlerRow, messageId: string): Promise<DeadLetterRetry> {
    const settings = await this.#settings(row);
    const error = await this.#redeliver(settings, messageId);
    await this.#afterRedelivery(row, settings, { delivered: error === null ? 1 : 0 });
    return error === null ? { delivered: true } : { delivered: false, error };
  }

  async retryAll(row: HandlerRow): Promise<DeadLettersRetry> {
    const settings = await this.#settings(row);
    let delivered = 0;
    let failed = 0;
    for (const { messageId } of this.#tables.deadLetters()) {
      if ((await this.#redeliver(settings, messageId)) === null) {
        delivered++;
      } else {
        failed++;
      }
    }
    await this.#afterRedelivery(row, settings, { delivered });
    return { delivered, failed };
  }

  /** Posts a test payload (`data.test: true`) to the handler's webhook, once. */
  async postTest(row: HandlerRow): Promise<DeliveryOutcome> {
    const settings = await this.#inputs.settings(row, { readId: "", moveId: null });
    const at = new Date(this.#clock().now()).toISOString();
    const payload = testPayload({ handlerId: row.id, mailbox: row.mailbox_address, at });
    return postToWebhook(
      {
        url: settings.webhook.url,
        token: settings.webhook.token,
        idempotencyKey: payload.data.dedupeKey,
        body: JSON.stringify(payload),
      },
      { http: this.#inputs.webhookHttp(), clock: this.#clock() },
    );
  }

  #settings(row: HandlerRow): Promise<RunSettings> {
    return this.#inputs.settings(row, { readId: row.read_folder_id ?? "", moveId: row.move_folder_id });
  }

  /** Posts a dead letter once more: null when delivered, else the error it stays with. */
  async #redeliver(settings: RunSettings, messageId: string): Promise<string | null> {
    const letter = this.#tables.deadLetter(messageId);
    if (letter === null) {
      return "It is no longer a dead letter";
    }
    const sealed = this.#tables.payload(messageId);
    if (sealed === null) {
      return "This message never had a payload to post (see its last error)";
    }
    const outcome = await postToWebhook(
      {
        url: settings.webhook.url,
        token: settings.webhook.token,
        idempotencyKey: letter.dedupeKey,
        body: await this.#inputs.openPayload(settings.handlerId, messageId, sealed),
      },
      { http: this.#inputs.webhookHttp(), clock: this.#clock() },
    );
    const now = this.#clock().now();
    if (outcome.kind !== "delivered") {
      this.#tables.recordDeadLetterAttempt(messageId, { error: outcome.error, status: outcome.status, now });
      return outcome.error;
    }
    this.#tables.recordDelivered(messageId, { attempts: letter.attempts + 1, status: outcome.status, now });
    return null;
  }

  /**
   * After dead letters were retried: the error clears once none is left, and delivered mail is marked
   * read or moved; a failure there waits for the next run.
   */
  async #afterRedelivery(row: HandlerRow, settings: RunSettings, options: { delivered: number }): Promise<void> {
    if (options.delivered === 0) {
      return;
    }
    if (this.#tables.counts().deadLettered === 0 && row.last_outcome === "ok") {
      this.#tables.clearLastError();
    }
    if (row.read_folder_id !== null) {
      const graph = await this.#inputs.graph(storedConfig(row));
      await new AfterProcessing(settings, await this.#inputs.deps(graph, row.id)).finish();
    }
  }
}
