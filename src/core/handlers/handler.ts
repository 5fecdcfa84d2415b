/**
 * A mail handler: a mailbox folder watched for new mail, each message posted to a Jira Automation
 * webhook. Validation here is shared by the API and the admin pages.
 * @module
 */
import * as z from "../zod.ts";
import { checkOutboundUrl, normalizeUrl } from "../egress.ts";
import { RULE_REASONS } from "../mail/auto-reply.ts";
import { fieldIssue, namedFields, parseInput, refuse, ValidationError } from "../validation.ts";
import type { FixPlace } from "../advice.ts";
import type { PushStatus } from "../push/push-rules.ts";

export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Large enough for any single Outlook message's attachments that a webhook could take. */
const MAX_ATTACHMENT_BYTES_LIMIT = 25 * 1024 * 1024;
const NAME_MAX = 100;
const FOLDER_MAX = 512;
const WEBHOOK_TOKEN_MAX = 1024;
const DEFAULT_RETENTION_DAYS = 30;
const MAX_RETENTION_DAYS = 3650;
const MAILBOX_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** `me` (the account's own mailbox) or a shared mailbox's address, lower-cased. */
export const mailboxSchema = z.string().check(
  z.trim(),
  z.toLowerCase(),
  z.refine((value) => value === "me" || MAILBOX_ADDRESS.test(value), {
    message: 'must be "me" or a mailbox address',
  }),
);

/**
 * A handler's settings as the API takes them: every field, its rule and its default. The stored
 * configuration and its type come from the same schema, so a new setting is one entry here (and its
 * field on the form).
 */
function handlerFieldsSchema(options: { allowHttpLoopback: boolean; stored?: true }) {
  return z.strictObject({
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(NAME_MAX)),
    accountId: z.string().check(z.trim(), z.minLength(1)),
    mailbox: z._default(mailboxSchema, "me"),
    folder: z._default(z.string().check(z.trim(), z.minLength(1), z.maxLength(FOLDER_MAX)), "inbox"),
    onlyUnread: z._default(z.boolean(), true),
    afterProcessing: z._default(z.enum(["markRead", "move", "none"]), "markRead"),
    moveToFolder: z._default(z.nullable(z.string().check(z.trim(), z.minLength(1), z.maxLength(FOLDER_MAX))), null),
    webhookUrl: options.stored ? z.string() : webhookUrlSchema(options),
    /** Write-only: sealed apart from the configuration. */
    webhookToken: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(WEBHOOK_TOKEN_MAX)))),
    pollIntervalMinutes: z._default(z.int().check(z.minimum(1), z.maximum(60)), 1),
    includeAttachments: z._default(z.boolean(), true),
    maxAttachmentBytes: z._default(
      z.int().check(z.minimum(0), z.maximum(MAX_ATTACHMENT_BYTES_LIMIT)),
      DEFAULT_MAX_ATTACHMENT_BYTES,
    ),
    skipAutoReplies: z._default(z.boolean(), true),
    /** Which rules `skipAutoReplies` applies, each switchable on its own (docs/api.md). */
    skipRules: z._default(
      z.array(z.enum(RULE_REASONS)).check(
        z.maxLength(RULE_REASONS.length),
        z.refine((rules) => new Set(rules).size === rules.length, { message: "must not name a rule twice" }),
      ),
      [...RULE_REASONS],
    ),
    /** Skipped mail stays unread in place (`none`), or is marked read or moved like delivered mail (`same`). */
    afterProcessingSkipped: z._default(z.enum(["none", "same"]), "none"),
    /** Days a handled message's subject and sender are kept; after that only hashes that prevent reposts. */
    retentionDays: z._default(z.int().check(z.minimum(1), z.maximum(MAX_RETENTION_DAYS)), DEFAULT_RETENTION_DAYS),
    enabled: z._default(z.boolean(), true),
    /** `auto`: Graph change notifications wake the handler where Microsoft offers them (see `push/push-rules.ts`). */
    push: z._default(z.enum(["auto", "off"]), "auto"),
  });
}

/**
 * The configuration as stored. Reading it through the schema gives settings added later their
 * defaults (and drops settings since removed); the webhook URL is not checked again here, since
 * every post re-checks it against the egress rules in force (`src/core/egress.ts`).
 */
const storedConfigSchema = z.object(
  z.omit(handlerFieldsSchema({ allowHttpLoopback: true, stored: true }), { webhookToken: true }).shape,
);

export type HandlerConfig = z.output<typeof storedConfigSchema>;
export type AfterProcessing = HandlerConfig["afterProcessing"];

/** The setting names, in the schema's order. */
export const HANDLER_CONFIG_KEYS = Object.keys(storedConfigSchema.shape) as (keyof HandlerConfig)[];

/** Every setting's default, for a new handler's form (settings without one, such as `name`, are absent). */
export const HANDLER_DEFAULTS: Partial<HandlerConfig> = z.partial(storedConfigSchema).parse({});

export interface HandlerInput {
  config: HandlerConfig;
  /** Plain text; `null` removes it, `undefined` (on a patch) keeps the stored one. */
  webhookToken: string | null | undefined;
}

export function parseHandlerCreate(input: unknown, options: { allowHttpLoopback: boolean }): HandlerInput {
  const { webhookToken, ...config } = parseInput(handlerFieldsSchema(options), input);
  checkMoveTarget(config, { moveToFolderGiven: config.moveToFolder !== null });
  return { config, webhookToken: webhookToken ?? null };
}

export function parseHandlerPatch(
  input: unknown,
  current: HandlerConfig,
  options: { allowHttpLoopback: boolean },
): HandlerInput {
  const { webhookToken, moveToFolder, ...defined } = namedFields(
    parseInput(z.partial(handlerFieldsSchema(options)), input),
    input,
  );
  const merged: HandlerConfig = { ...current, ...defined };
  merged.moveToFolder =
    moveToFolder === undefined ? (merged.afterProcessing === "move" ? current.moveToFolder : null) : moveToFolder;
  checkMoveTarget(merged, { moveToFolderGiven: moveToFolder !== undefined && moveToFolder !== null });
  // A token meant for one receiver is never sent to another: a new origin without a new token drops it.
  const movedElsewhere = originOf(merged.webhookUrl) !== originOf(current.webhookUrl);
  return { config: merged, webhookToken: webhookToken === undefined && movedElsewhere ? null : webhookToken };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** Reads a stored configuration, filling in the defaults of settings added since it was written. */
export function readStoredConfig(json: string): HandlerConfig {
  return storedConfigSchema.parse(JSON.parse(json));
}

/** The configuration part of a handler view. */
export function configOf(view: HandlerConfig): HandlerConfig {
  return Object.fromEntries(HANDLER_CONFIG_KEYS.map((key) => [key, view[key]])) as HandlerConfig;
}

function checkMoveTarget(config: HandlerConfig, options: { moveToFolderGiven: boolean }): void {
  if (config.afterProcessing === "move" && config.moveToFolder === null) {
    throw new ValidationError([fieldIssue("moveToFolder", 'is required when afterProcessing is "move"')]);
  }
  if (config.afterProcessing !== "move" && options.moveToFolderGiven) {
    throw new ValidationError([fieldIssue("moveToFolder", 'is only used when afterProcessing is "move"')]);
  }
}

/** An https URL (loopback http where allowed) to a public host, stored normalised (`src/core/egress.ts`). */
export function webhookUrlSchema(options: { allowHttpLoopback: boolean }) {
  return z.pipe(
    z.string().check(z.trim(), z.minLength(1)),
    z.transform((value, payload) => {
      const problem = checkOutboundUrl(value, options);
      return problem === null ? normalizeUrl(value) : refuse(payload, problem);
    }),
  );
}

/** `attention`: runs succeed, but something they left (dead letters, mail not marked read) needs a person. */
export type HandlerStatus = "ok" | "idle" | "disabled" | "retrying" | "attention" | "error";

export interface HandlerCounts {
  delivered: number;
  skipped: number;
  pending: number;
  deadLettered: number;
}

export interface HandlerView extends HandlerConfig {
  id: string;
  webhookTokenSet: boolean;
  status: HandlerStatus;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  /** Where the administrator fixes `lastError`: an account (reconnect), a credential, the handler, Jira, Exchange or Azure. */
  lastErrorWhere: FixPlace | null;
  counts: HandlerCounts;
  pushStatus: PushStatus;
  createdAt: string;
  updatedAt: string;
}

/** What one run did; `pending` is what still waits for a retry afterwards. */
export interface RunCounts {
  fetched: number;
  delivered: number;
  skipped: number;
  failed: number;
  pending: number;
  deadLettered: number;
}

/** What happened to one message, for the handler's activity list. */
export interface ActivityItem {
  messageId: string;
  internetMessageId: string | null;
  subject: string;
  from: string | null;
  receivedAt: string;
  outcome: "delivered" | "skipped" | "pending" | "dead";
  /** Why it was skipped (the rule, or `duplicate`), or the last error of a pending or dead delivery. */
  reason: string | null;
  attempts: number;
  /** The webhook's HTTP status at the last attempt, 0 when it did not answer, null before any. */
  lastStatus: number | null;
  at: string;
}

export interface DeadLetter {
  messageId: string;
  internetMessageId: string | null;
  subject: string;
  from: string | null;
  receivedAt: string;
  attempts: number;
  lastError: string;
  lastAttemptAt: string;
}

export function emptyRunCounts(): RunCounts {
  return { fetched: 0, delivered: 0, skipped: 0, failed: 0, pending: 0, deadLettered: 0 };
}
