/**
 * `/api/handlers`: mailbox folders watched for mail that goes to a Jira Automation webhook.
 * @module
 */
import { Hono } from "hono";
import { AccountTokenError } from "../../core/accounts/token-broker.ts";
import { isGraphItemId, isId, newId } from "../../core/ids.ts";
import { HandlerFolderError, resolveHandlerFolders } from "../../core/handlers/handler-folders.ts";
import { configOf, parseHandlerCreate, parseHandlerPatch } from "../../core/handlers/handler.ts";
import { checkRequestSchema, runHandlerChecks } from "../../core/handlers/handler-checks.ts";
import { IMMUTABLE_IDS } from "../../core/handlers/delta-reader.ts";
import { GraphError } from "../../core/microsoft/graph-client.ts";
import { adviceText, mailAccessAdvice } from "../../core/advice.ts";
import { fieldIssue, parseInput, ValidationError } from "../../core/validation.ts";
import * as z from "../../core/zod.ts";
import { accountGraphClient } from "../account-graph.ts";
import { notFound } from "../http/error-handler.ts";
import { problem, ProblemError } from "../http/problem.ts";
import { jsonBody } from "../http/request.ts";
import { countHandlersByAccount, listHandlersPage } from "../stores/directory-shards.ts";
import { parsePageQuery } from "../../core/pagination.ts";
import type { Context } from "hono";
import type { AccountView } from "../../core/accounts/account.ts";
import type { HandlerConfig } from "../../core/handlers/handler.ts";
import type { ResolvedFolders } from "../../core/handlers/store.ts";
import type { AppEnv } from "../http/context.ts";
import type { HandlerSetup } from "../objects/handler-object.ts";

export const handlerRoutes = new Hono<AppEnv>();

handlerRoutes.post("/", async (c) => {
  const { config, webhookToken } = parseHandlerCreate(await jsonBody(c), {
    allowHttpLoopback: c.get("settings").endpointPolicy.allowHttpLoopback,
  });
  const account = await requireAccountField(c, config.accountId);
  await requireRoomForHandler(c, account.id);
  const id = newId("handler");
  const view = await c.env.HANDLERS.getByName(id).create({
    id,
    config,
    webhookToken,
    ...accountFields(config, account),
    resolvedFolders: await resolveWhereAble(c, config, account),
    resetCursor: false,
  });
  c.header("location", `/api/handlers/${id}`);
  return c.json(view, 201);
});

handlerRoutes.get("/", async (c) => c.json(await listHandlersPage(c.env, parsePageQuery(c.req.query()))));

handlerRoutes.get("/:id", async (c) => {
  const id = handlerIdParam(c);
  const view = await c.env.HANDLERS.getByName(id).view();
  if (view === null) {
    throw notFound("handler", id);
  }
  return c.json(view);
});

handlerRoutes.patch("/:id", async (c) => {
  const id = handlerIdParam(c);
  const stub = c.env.HANDLERS.getByName(id);
  const current = await stub.view();
  if (current === null) {
    throw notFound("handler", id);
  }
  const { config, webhookToken } = parseHandlerPatch(await jsonBody(c), configOf(current), {
    allowHttpLoopback: c.get("settings").endpointPolicy.allowHttpLoopback,
  });
  const account = await requireAccountField(c, config.accountId);
  if (config.accountId !== current.accountId) {
    await requireRoomForHandler(c, account.id);
  }
  const source = (view: HandlerConfig): string => JSON.stringify([view.accountId, view.mailbox, view.folder]);
  const moved = source(config) !== source(current);
  const foldersChanged =
    moved || config.afterProcessing !== current.afterProcessing || config.moveToFolder !== current.moveToFolder;
  const setup: HandlerSetup = {
    id,
    config,
    webhookToken,
    ...accountFields(config, account),
    resolvedFolders: foldersChanged ? await resolveWhereAble(c, config, account) : undefined,
    resetCursor: moved,
  };
  const view = await stub.update(setup);
  if (view === null) {
    throw notFound("handler", id);
  }
  return c.json(view);
});

handlerRoutes.delete("/:id", async (c) => {
  const id = handlerIdParam(c);
  if (!(await c.env.HANDLERS.getByName(id).remove())) {
    throw notFound("handler", id);
  }
  return c.body(null, 204);
});

handlerRoutes.post("/:id/run", async (c) => {
  const id = handlerIdParam(c);
  const report = await c.env.HANDLERS.getByName(id).run();
  if (!report.found) {
    throw notFound("handler", id);
  }
  if (!report.ran) {
    throw new ProblemError(
      problem("conflict", `Handler ${id} is disabled; enable it (PATCH {"enabled": true}) to run it`),
    );
  }
  return c.json({ ...report.counts, status: report.status, lastError: report.lastError });
});

/** How many activity items one request may ask for. */
const ACTIVITY_LIMIT_MAX = 200;
const activityQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(ACTIVITY_LIMIT_MAX)), 50),
});

handlerRoutes.get("/:id/activity", async (c) => {
  const id = handlerIdParam(c);
  const { limit } = parseInput(activityQuery, c.req.query());
  const items = await c.env.HANDLERS.getByName(id).activity(limit);
  if (items === null) {
    throw notFound("handler", id);
  }
  return c.json({ items });
});

handlerRoutes.get("/:id/dead-letters", async (c) => {
  const id = handlerIdParam(c);
  const items = await c.env.HANDLERS.getByName(id).deadLetters();
  if (items === null) {
    throw notFound("handler", id);
  }
  return c.json({ items });
});

handlerRoutes.post("/:id/dead-letters/retry", async (c) => {
  const id = handlerIdParam(c);
  const result = await c.env.HANDLERS.getByName(id).retryDeadLetters();
  if (!result.found) {
    throw notFound("handler", id);
  }
  return c.json({ delivered: result.delivered, failed: result.failed });
});

handlerRoutes.post("/:id/dead-letters/:messageId/retry", async (c) => {
  const id = handlerIdParam(c);
  const messageId = c.req.param("messageId");
  const result = isGraphItemId(messageId) ? await c.env.HANDLERS.getByName(id).retryDeadLetter(messageId) : null;
  if (result === null || !result.found) {
    throw new ProblemError(problem("notFound", `Handler ${id} has no dead letter with message id ${messageId}`));
  }
  return c.json(result.delivered ? { delivered: true } : { delivered: false, error: result.error });
});

/**
 * Runs every check that applies to the handler (`core/handlers/handler-checks.ts`) and keeps the report
 * for the handler's page. Jira gets a test payload only with `{ "webhook": true }`; a test message is
 * sent as a shared mailbox only with `{ "sendAs": true }`.
 */
handlerRoutes.post("/:id/check", async (c) => {
  const id = handlerIdParam(c);
  const stub = c.env.HANDLERS.getByName(id);
  const view = await stub.view();
  if (view === null) {
    throw notFound("handler", id);
  }
  const request = parseInput(checkRequestSchema, await jsonBody(c)) ?? { webhook: false, sendAs: false };
  const accountStub = c.env.ACCOUNTS.getByName(view.accountId);
  const account = isId("account", view.accountId) ? await accountStub.view() : null;
  const own = account === null ? "" : (account.email ?? account.username);
  const report = await runHandlerChecks(
    {
      config: configOf(view),
      account: account === null ? `account ${view.accountId}` : `account ${own}`,
      ownAddress: own,
      token: async () => (account === null ? { ok: false, reason: "not_found" } : accountStub.getAccessToken()),
      graph: accountGraphClient(c.env, c.get("settings"), view.accountId, {
        mailbox: view.mailbox,
        headers: { prefer: IMMUTABLE_IDS },
      }),
      pushStatus: view.pushStatus,
      postTestPayload: async () =>
        (await stub.postTestPayload()) ?? { kind: "reject", status: 0, error: "the handler was deleted" },
      now: () => Date.now(),
    },
    request,
  );
  await stub.saveCheck(report);
  return c.json(report);
});

/** The last check's report, as `POST …/check` answered it. */
handlerRoutes.get("/:id/check", async (c) => {
  const id = handlerIdParam(c);
  const report = await c.env.HANDLERS.getByName(id).lastCheck();
  if (report === null) {
    throw new ProblemError(problem("notFound", `Handler ${id} does not exist or was never checked`));
  }
  return c.json(report);
});

function handlerIdParam(c: Context<AppEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!isId("handler", id)) {
    throw notFound("handler", id);
  }
  return id;
}

async function requireAccountField(c: Context<AppEnv>, accountId: string): Promise<AccountView> {
  const account = isId("account", accountId) ? await c.env.ACCOUNTS.getByName(accountId).view() : null;
  if (account === null) {
    throw new ValidationError([fieldIssue("accountId", `names no account (${accountId})`)]);
  }
  return account;
}

/**
 * Handlers of one account share its mailbox's Outlook budget (four concurrent requests per app and
 * mailbox); past a few dozen they would only throttle each other.
 */
export const HANDLERS_PER_ACCOUNT_MAX = 50;

async function requireRoomForHandler(c: Context<AppEnv>, accountId: string): Promise<void> {
  if ((await countHandlersByAccount(c.env, accountId)) >= HANDLERS_PER_ACCOUNT_MAX) {
    const issue = fieldIssue(
      "accountId",
      `names account ${accountId}, which already has ${HANDLERS_PER_ACCOUNT_MAX} handlers, the most one account may have; delete one or use another account`,
    );
    throw new ProblemError(problem("conflict", issue.message, { errors: [issue] }));
  }
}

function accountFields(
  config: HandlerConfig,
  account: AccountView,
): Pick<HandlerSetup, "mailboxAddress" | "accountLabel"> {
  const own = account.email ?? account.username;
  return { mailboxAddress: config.mailbox === "me" ? own : config.mailbox, accountLabel: own };
}

/**
 * Resolves the folders now when the account can be asked, so a wrong path or a mailbox without rights
 * is a 400 at once; when the account cannot be asked (re-authorization needed, Microsoft down) the
 * first run resolves them and reports any problem as the handler's error.
 */
async function resolveWhereAble(
  c: Context<AppEnv>,
  config: HandlerConfig,
  account: AccountView,
): Promise<ResolvedFolders | null> {
  if (account.status !== "connected") {
    return null;
  }
  const graph = accountGraphClient(c.env, c.get("settings"), account.id, {
    mailbox: config.mailbox,
    headers: { prefer: IMMUTABLE_IDS },
  });
  try {
    return await resolveHandlerFolders(graph, config);
  } catch (error) {
    if (error instanceof HandlerFolderError) {
      const where = config.mailbox === "me" ? "the account's mailbox" : config.mailbox;
      const detail = error.cause instanceof Error ? error.cause.message : error.message;
      throw new ValidationError([fieldIssue(error.field, `was not found in ${where}: ${detail}`)], { cause: error });
    }
    if (error instanceof GraphError && config.mailbox !== "me" && (error.status === 403 || error.status === 404)) {
      const advice = mailAccessAdvice(error, {
        mailbox: config.mailbox,
        account: `account ${account.email ?? account.username}`,
      });
      throw new ValidationError([fieldIssue("mailbox", `cannot be used: ${adviceText(advice)}`)], { cause: error });
    }
    if (error instanceof GraphError || error instanceof AccountTokenError) {
      return null;
    }
    throw error;
  }
}
