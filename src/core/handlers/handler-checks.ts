/**
 * `POST /api/handlers/{id}/check`: everything a handler needs, tried in order, each answered with what
 * was found and, when it failed, what to change where (the words are `check-advice.ts`'s). A check that
 * cannot run because an earlier one failed says so; a check that does not apply to the handler (the
 * move target in `markRead` mode, push when `off`) is left out.
 *
 * Two rights cannot be read from Microsoft (docs/microsoft.md, "No read-only rights check"): write
 * access is proven by writing a message's read state back unchanged (the only harmless write Graph
 * offers; see docs/decisions.md), and Send As only by sending, which happens on explicit request.
 * @module
 */
import * as z from "../zod.ts";
import { mailAccessAdvice, sendAdvice, tokenFailureAdvice, webhookRefusalAdvice } from "../advice.ts";
import { CHECK_WORDS, failedCheck, writeAccessAdvice } from "./check-advice.ts";
import { FolderNotFoundError, mailboxPath, parseFolderReference, resolveFolder } from "../mail/folder-lookup.ts";
import { GraphError } from "../microsoft/graph-client.ts";
import type { FixPlace } from "../advice.ts";
import type { CheckWords } from "./check-advice.ts";
import type { AccessTokenResult } from "../accounts/token-broker.ts";
import type { DeliveryOutcome } from "../jira/webhook-client.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";
import type { PushStatus } from "../push/push-rules.ts";
import type { HandlerConfig } from "./handler.ts";

export type CheckName = "token" | "mailbox" | "folder" | "moveTarget" | "writeAccess" | "sendAs" | "push" | "webhook";

export interface HandlerCheck {
  name: CheckName;
  ok: boolean;
  detail: string;
  fix?: string;
  /** Where the fix is made. */
  where?: FixPlace;
  /** False when the check could not prove its point either way (`ok` is then true: nothing failed). */
  verified: boolean;
}

export interface CheckReport {
  ok: boolean;
  checks: HandlerCheck[];
  /** When the checks ran, ISO 8601. */
  at: string;
}

/** What the caller asked for beyond the checks that send nothing. */
export interface CheckRequest {
  /** Post a test payload (`data.test: true`) to the handler's webhook. */
  webhook: boolean;
  /** Send one short message as the shared mailbox to the account's own address. */
  sendAs: boolean;
}

export const checkRequestSchema = z.optional(
  z.strictObject({
    webhook: z._default(z.boolean(), false),
    sendAs: z._default(z.boolean(), false),
  }),
);

export interface CheckDeps {
  config: HandlerConfig;
  /** How the checks name the account, e.g. `account adele@contoso.com`. */
  account: string;
  /** The account's own address: where a test send goes. */
  ownAddress: string;
  /** The account's token, the broker's normal call (refreshed only when needed). */
  token: () => Promise<AccessTokenResult>;
  /** A Graph client for the handler's mailbox. */
  graph: GraphClient;
  pushStatus: PushStatus;
  /** Posts the test payload, when asked for. */
  postTestPayload: () => Promise<DeliveryOutcome>;
  now: () => number;
}

const messageProbeSchema = z.object({
  value: z.array(z.object({ id: z.string().check(z.minLength(1)), isRead: z.boolean() })),
});

export async function runHandlerChecks(deps: CheckDeps, request: CheckRequest): Promise<CheckReport> {
  const { config } = deps;
  const checks: HandlerCheck[] = [];
  const add = (name: CheckName, ok: boolean, words: CheckWords, options: { verified?: boolean } = {}): void => {
    checks.push({ name, ok, ...words, verified: options.verified ?? true });
  };
  const skipped = (name: CheckName, reason: string): void => add(name, false, CHECK_WORDS.notRun(reason));

  const token = await deps.token();
  if (token.ok) {
    add("token", true, CHECK_WORDS.tokenOk(deps.account, new Date(token.expiresAt).toISOString()));
  } else {
    add("token", false, failedCheck(tokenFailureAdvice(token, { account: deps.account })));
  }

  const base = mailboxPath(config.mailbox);
  const context = { mailbox: config.mailbox, account: deps.account };
  let folderId: string | null = null;
  if (!token.ok) {
    skipped("mailbox", "the account has no access token");
    skipped("folder", "the account has no access token");
  } else {
    try {
      const folder = await resolveFolder(deps.graph, base, parseFolderReference(config.folder));
      // The folder as Graph shows it, by id: what every run reads.
      await deps.graph.request({
        method: "GET",
        path: `${base}/mailFolders/${encodeURIComponent(folder.id)}?$select=id`,
      });
      folderId = folder.id;
      add("mailbox", true, CHECK_WORDS.mailboxOk(config.mailbox, deps.account));
      add("folder", true, CHECK_WORDS.folderOk(config.folder, folder.displayName));
    } catch (error) {
      if (error instanceof FolderNotFoundError) {
        add("mailbox", true, CHECK_WORDS.mailboxOk(config.mailbox, deps.account));
        add("folder", false, CHECK_WORDS.folderMissing("folder", `Folder "${config.folder}": ${error.message}`));
      } else if (error instanceof GraphError) {
        add("mailbox", false, failedCheck(mailAccessAdvice(error, context)));
        skipped("folder", "the mailbox cannot be opened");
      } else {
        throw error;
      }
    }
  }

  if (config.afterProcessing === "move" && config.moveToFolder !== null) {
    if (folderId === null) {
      skipped("moveTarget", "the folder cannot be read");
    } else {
      await checkMoveTarget(deps, { base, moveToFolder: config.moveToFolder, context }, add);
    }
  }

  if (config.afterProcessing !== "none") {
    const action = config.afterProcessing === "move" ? "moving mail" : "marking mail read";
    if (folderId === null) {
      skipped("writeAccess", "the folder cannot be read");
    } else {
      await checkWriteAccess(deps, { base, folderId, action, context }, add);
    }
  }

  if (config.mailbox !== "me") {
    if (!request.sendAs) {
      add("sendAs", true, CHECK_WORDS.sendAsUnverifiable(config.mailbox, deps.account), { verified: false });
    } else if (!token.ok) {
      skipped("sendAs", "the account has no access token");
    } else {
      await checkSendAs(deps, add);
    }
  }

  if (config.push !== "off") {
    checkPush(deps.pushStatus, add);
  }

  if (request.webhook) {
    const outcome = await deps.postTestPayload();
    if (outcome.kind === "delivered") {
      add("webhook", true, CHECK_WORDS.webhookOk(outcome.status));
    } else {
      const advice = webhookRefusalAdvice(outcome.status === 0 ? null : outcome.status);
      add("webhook", false, failedCheck({ ...advice, problem: `${advice.problem}: ${outcome.error}` }));
    }
  }

  return { ok: checks.every((check) => check.ok), checks, at: new Date(deps.now()).toISOString() };
}

type Add = (name: CheckName, ok: boolean, words: CheckWords, options?: { verified?: boolean }) => void;
type Context = { mailbox: string; account: string };

async function checkMoveTarget(
  deps: CheckDeps,
  target: { base: string; moveToFolder: string; context: Context },
  add: Add,
): Promise<void> {
  try {
    const folder = await resolveFolder(deps.graph, target.base, parseFolderReference(target.moveToFolder));
    add("moveTarget", true, CHECK_WORDS.folderOk(target.moveToFolder, folder.displayName));
  } catch (error) {
    if (error instanceof FolderNotFoundError) {
      add(
        "moveTarget",
        false,
        CHECK_WORDS.folderMissing("moveToFolder", `Folder "${target.moveToFolder}": ${error.message}`),
      );
    } else if (error instanceof GraphError) {
      add("moveTarget", false, failedCheck(mailAccessAdvice(error, target.context)));
    } else {
      throw error;
    }
  }
}

/**
 * Writes the newest message's read state back as it is: Graph answers 403 without the right to change
 * mail, and has no read-only way to tell. (A person toggling that very message in the same instant
 * could see the toggle undone; the window is one request long.)
 */
async function checkWriteAccess(
  deps: CheckDeps,
  target: { base: string; folderId: string; action: string; context: Context },
  add: Add,
): Promise<void> {
  const list = `${target.base}/mailFolders/${encodeURIComponent(target.folderId)}/messages?$top=1&$select=id,isRead`;
  try {
    const message = (await deps.graph.getParsed(list, messageProbeSchema, "a message list")).value[0] ?? null;
    if (message === null) {
      add("writeAccess", true, CHECK_WORDS.writeUnproven(target.action), { verified: false });
      return;
    }
    await deps.graph.request({
      method: "PATCH",
      path: `${target.base}/messages/${encodeURIComponent(message.id)}`,
      body: { isRead: message.isRead },
    });
    add("writeAccess", true, CHECK_WORDS.writeOk(target.context.mailbox, target.context.account, target.action));
  } catch (error) {
    if (!(error instanceof GraphError)) {
      throw error;
    }
    add("writeAccess", false, failedCheck(writeAccessAdvice(error, target.context)));
  }
}

/** Sends one short message as the shared mailbox to the account's own address, through `/me/sendMail`. */
async function checkSendAs(deps: CheckDeps, add: Add): Promise<void> {
  const mailbox = deps.config.mailbox;
  try {
    await deps.graph.request({
      method: "POST",
      path: "/me/sendMail",
      repeatable: false,
      retriedStatuses: [429],
      body: {
        message: {
          subject: `edgepost check: sending as ${mailbox}`,
          body: {
            contentType: "Text",
            content: `edgepost sent this message to check that this account may send as ${mailbox}. Nothing needs doing.`,
          },
          from: { emailAddress: { address: mailbox } },
          toRecipients: [{ emailAddress: { address: deps.ownAddress } }],
        },
        saveToSentItems: false,
      },
    });
    add("sendAs", true, CHECK_WORDS.sendAsOk(mailbox, deps.ownAddress));
  } catch (error) {
    if (!(error instanceof GraphError)) {
      throw error;
    }
    add("sendAs", false, failedCheck(sendAdvice(error, { account: `The ${deps.account}`, from: mailbox })));
  }
}

function checkPush(status: PushStatus, add: Add): void {
  switch (status.state) {
    case "active":
      add("push", true, CHECK_WORDS.pushActive(status.expiresAt));
      return;
    case "pending":
      add("push", true, CHECK_WORDS.pushPending(), { verified: false });
      return;
    case "failed":
      add("push", false, CHECK_WORDS.pushFailed(status.reason));
      return;
    default:
      add("push", true, CHECK_WORDS.pushUnavailable(status.reason), { verified: false });
  }
}
