/**
 * What a handler object hands the core when it works on its mailbox or webhook: the run settings read
 * from its row (the webhook token opened), the ports (Graph as the handler's account, outbound HTTP,
 * the object's clock, its tables, sealed payloads, the logger) and the seals of the secrets it keeps.
 * Nothing is kept between calls: each reads the handler's current row, so a change applies to the next
 * piece of work.
 * @module
 */
import { openSecret, sealSecret } from "../../core/crypto/secret-box.ts";
import { resolveHandlerFolders } from "../../core/handlers/handler-folders.ts";
import { IMMUTABLE_IDS } from "../../core/handlers/delta-reader.ts";
import { accountGraphClient } from "../account-graph.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { outboundFetch } from "../outbound-fetch.ts";
import { loadSettings } from "../settings.ts";
import type { KeyRing } from "../../core/crypto/key-ring.ts";
import type { HandlerConfig } from "../../core/handlers/handler.ts";
import type { PayloadSeal, RunDeps, RunSettings } from "../../core/handlers/handler-run.ts";
import type { ResolvedFolders } from "../../core/handlers/store.ts";
import type { GraphClient } from "../../core/microsoft/graph-client.ts";
import type { Clock, HttpClient } from "../../core/ports.ts";
import type { Env } from "../env.ts";
import { storedConfig } from "./handler-tables.ts";
import type { HandlerRow, HandlerTables } from "./handler-tables.ts";

export class HandlerRunInputs {
  readonly #env: Env;
  readonly #tables: HandlerTables;
  readonly #clock: () => Clock;

  /** `clock` is read at each use, so a test that moves the object's clock moves the run's too. */
  constructor(env: Env, tables: HandlerTables, clock: () => Clock) {
    this.#env = env;
    this.#tables = tables;
    this.#clock = clock;
  }

  /** Graph as the handler's account, on its mailbox, with immutable ids (they survive a move). */
  async graph(config: HandlerConfig): Promise<GraphClient> {
    return accountGraphClient(this.#env, await loadSettings(this.#env), config.accountId, {
      mailbox: config.mailbox,
      headers: { prefer: IMMUTABLE_IDS },
    });
  }

  /** The folder ids: the stored ones, or resolved through Graph now and kept. */
  async folders(graph: GraphClient, config: HandlerConfig): Promise<ResolvedFolders> {
    const stored = this.#tables.resolvedFolders();
    if (stored !== null) {
      return stored;
    }
    const folders = await resolveHandlerFolders(graph, config);
    this.#tables.saveResolvedFolders(folders);
    return folders;
  }

  async settings(row: HandlerRow, folders: ResolvedFolders): Promise<RunSettings> {
    const config = storedConfig(row);
    const { keyRing } = await loadSettings(this.#env);
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
        token: row.webhook_token === null ? null : await this.openToken(keyRing, row.id, row.webhook_token),
      },
    };
  }

  async deps(graph: GraphClient, handlerId: string): Promise<RunDeps> {
    const { keyRing } = await loadSettings(this.#env);
    return {
      graph,
      http: this.webhookHttp(),
      clock: this.#clock(),
      sleep: (ms) => scheduler.wait(ms),
      store: this.#tables,
      payloads: payloadSeal(handlerId, keyRing),
      logger: CONSOLE_LOGGER,
    };
  }

  /** Outbound HTTP for the webhook, with the egress rules of the current settings. */
  webhookHttp(): HttpClient {
    return async (request) => outboundFetch(await loadSettings(this.#env))(request);
  }

  async openPayload(handlerId: string, messageId: string, sealed: string): Promise<string> {
    return payloadSeal(handlerId, (await loadSettings(this.#env)).keyRing).open(messageId, sealed);
  }

  async sealToken(handlerId: string, token: string | null): Promise<string | null> {
    return token === null ? null : sealSecret((await loadSettings(this.#env)).keyRing, token, tokenContext(handlerId));
  }

  openToken(keyRing: KeyRing, handlerId: string, sealed: string): Promise<string> {
    return openSecret(keyRing, sealed, tokenContext(handlerId));
  }
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

function tokenContext(handlerId: string): { record: string; field: string } {
  return { record: `handler:${handlerId}`, field: "webhookToken" };
}
