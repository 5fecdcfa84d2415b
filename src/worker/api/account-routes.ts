/**
 * `/api/accounts`: the authorized mailboxes, their token broker and re-authorization.
 * @module
 */
import { Hono } from "hono";
import { AccountTokenError } from "../../core/accounts/token-broker.ts";
import { mailboxSchema } from "../../core/handlers/handler.ts";
import { readFolderTree } from "../../core/mail/folder-tree.ts";
import { MailTooLargeError, parseOutgoingMail, sendMailBody } from "../../core/mail/outgoing.ts";
import { sentMarker } from "../../core/mail/sent-marker.ts";
import type { OutgoingMail } from "../../core/mail/outgoing.ts";
import { GraphError } from "../../core/microsoft/graph-client.ts";
import { adviceText, mailAccessAdvice, sendAdvice, tokenFailureAdvice } from "../../core/advice.ts";
import { parseInput } from "../../core/validation.ts";
import * as z from "../../core/zod.ts";
import { describePrincipal } from "../http/api-auth.ts";
import { notFound } from "../http/error-handler.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { problem, ProblemError } from "../http/problem.ts";
import { SEND_BODY_LIMIT_BYTES } from "../http/json-body.ts";
import { jsonBody } from "../http/request.ts";
import { accountGraphClient } from "../account-graph.ts";
import { CredentialStore } from "../stores/credential-store.ts";
import { countHandlersByAccount, listAccountsPage } from "../stores/directory-shards.ts";
import { parsePageQuery } from "../../core/pagination.ts";
import { answerAuthorizeUrl } from "./authorize-url.ts";
import type { Context } from "hono";
import { isId } from "../../core/ids.ts";
import type { AccountView } from "../../core/accounts/account.ts";
import type { AccessTokenFailure } from "../../core/accounts/token-broker.ts";
import type { AppEnv } from "../http/context.ts";

export const accountRoutes = new Hono<AppEnv>();

/** A day: longer than any access token Microsoft issues without CAE. */
const MAX_MIN_VALIDITY_SECONDS = 86_400;

const tokenBody = z.optional(
  z.strictObject({
    minValiditySeconds: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_MIN_VALIDITY_SECONDS))),
    forceRefresh: z.optional(z.boolean()),
  }),
);

const foldersQuery = z.strictObject({ mailbox: z._default(mailboxSchema, "me") });

accountRoutes.get("/", async (c) => c.json(await listAccountsPage(c.env, parsePageQuery(c.req.query()))));

accountRoutes.get("/:id", async (c) => c.json(await requireAccount(c)));

accountRoutes.delete("/:id", async (c) => {
  const account = await requireAccount(c);
  const handlers = await countHandlersByAccount(c.env, account.id);
  if (handlers > 0) {
    throw new ProblemError(
      problem(
        "conflict",
        `Account ${account.id} is used by ${handlers} handler${handlers === 1 ? "" : "s"}; delete ${handlers === 1 ? "it" : "them"} first`,
      ),
    );
  }
  await c.env.ACCOUNTS.getByName(account.id).remove();
  return c.body(null, 204);
});

accountRoutes.post("/:id/reauthorize", async (c) => {
  const account = await requireAccount(c);
  const credential = await new CredentialStore(c.env.CONFIG).get(account.credentialId);
  if (credential === null) {
    throw new ProblemError(
      problem("conflict", `Account ${account.id}'s credential ${account.credentialId} no longer exists`),
    );
  }
  return answerAuthorizeUrl(c, credential, { loginHint: account.username || null, reauthorizeAccountId: account.id });
});

/** The mailbox's folder tree, for pickers: `?mailbox=` is `me` (default) or a shared mailbox's address. */
accountRoutes.get("/:id/folders", async (c) => {
  const account = await requireAccount(c);
  const { mailbox } = parseInput(foldersQuery, c.req.query());
  const graph = accountGraphClient(c.env, c.get("settings"), account.id, { mailbox });
  try {
    return c.json(await readFolderTree(graph, mailbox));
  } catch (error) {
    if (error instanceof AccountTokenError) {
      throw tokenProblem(account.id, error.result);
    }
    if (error instanceof GraphError) {
      const advice = mailAccessAdvice(error, { mailbox, account: `account ${account.email ?? account.username}` });
      throw new ProblemError(problem("upstream", adviceText(advice), { members: { code: error.code } }));
    }
    throw error;
  }
});

accountRoutes.post("/:id/token", async (c) => {
  const id = accountIdParam(c);
  const body = parseInput(tokenBody, await jsonBody(c)) ?? {};
  const result = await c.env.ACCOUNTS.getByName(id).getAccessToken(body);
  if (!result.ok) {
    throw tokenProblem(id, result);
  }
  // Who took a token for which mailbox, never the token: an access token is the mailbox for an hour.
  CONSOLE_LOGGER.info("token.issued", {
    accountId: id,
    caller: describePrincipal(c.get("principal")),
    forced: body.forceRefresh === true,
    expiresAt: new Date(result.expiresAt).toISOString(),
  });
  c.header("cache-control", "no-store");
  return c.json({
    accessToken: result.accessToken,
    tokenType: "Bearer",
    expiresAt: new Date(result.expiresAt).toISOString(),
    scopes: result.scopes,
  });
});

/**
 * Sends through `/me/sendMail`, with `from` for a shared mailbox: that needs only Send As or Send on
 * Behalf on the shared mailbox (the copy lands in the account's own Sent Items), where
 * `/users/{shared}/sendMail` would also need Full Access.
 */
accountRoutes.post("/:id/send", async (c) => {
  const id = accountIdParam(c);
  const mail = parseMailOrTooLarge(await jsonBody(c, { maxBytes: SEND_BODY_LIMIT_BYTES }));
  const account = await requireAccount(c);
  const { keyRing } = c.get("settings");
  const marker = await sentMarker(
    keyRing.markerKeys,
    { from: mail.from ?? account.email ?? account.username, subject: mail.subject },
    { now: Date.now() },
  );
  const body = tooLargeAs413(() => sendMailBody(mail, { marker }));
  // sendMail counts against the signed-in user's own mailbox, whatever `from` says.
  const graph = accountGraphClient(c.env, c.get("settings"), id, { mailbox: "me" });
  try {
    // Only a 429 says Graph did nothing; after a 503, a 504 or no answer the mail may have gone out.
    await graph.request({ method: "POST", path: "/me/sendMail", body, retriedStatuses: [429], repeatable: false });
  } catch (error) {
    if (error instanceof AccountTokenError) {
      throw tokenProblem(id, error.result);
    }
    if (error instanceof GraphError) {
      throw sendProblem(error, { account, from: mail.from ?? null });
    }
    throw error;
  }
  return c.json({ status: "accepted" }, 202);
});

/** Mail Graph would refuse for its size is a 413 naming the field and the limit. */
function parseMailOrTooLarge(input: unknown): OutgoingMail {
  return tooLargeAs413(() => parseOutgoingMail(input));
}

function tooLargeAs413<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof MailTooLargeError) {
      throw new ProblemError(problem("payloadTooLarge", error.message, { errors: error.issues }), { cause: error });
    }
    throw error;
  }
}

/** What a refused `sendMail` means for the caller. */
function sendProblem(error: GraphError, context: { account: AccountView; from: string | null }): ProblemError {
  const members = { members: { code: error.code, maybeSent: false } };
  if (error.status === 429) {
    const wait = Math.ceil(error.retryAfterSeconds ?? 30);
    return new ProblemError(
      problem("upstream", `Graph is throttling (${error.code}); nothing was sent, try again after ${wait} s`, members),
      { headers: { "retry-after": String(wait) } },
    );
  }
  if (error.status === 0 || error.status === 503 || error.status === 504) {
    return new ProblemError(
      problem(
        "upstream",
        `Graph did not confirm the message (${error.status === 0 ? error.code : `HTTP ${error.status}`}): it may have been sent. Check the Sent Items before sending it again`,
        { members: { code: error.code, maybeSent: true } },
      ),
    );
  }
  const account = `Account ${context.account.id} (${context.account.username})`;
  return new ProblemError(problem("upstream", adviceText(sendAdvice(error, { account, from: context.from })), members));
}

/** The problem a failed token request answers: the advice, and the API call that fixes it. */
function tokenProblem(accountId: string, result: AccessTokenFailure): ProblemError {
  if (result.reason === "not_found") {
    return notFound("account", accountId);
  }
  const advice = adviceText(tokenFailureAdvice(result, { account: `account ${accountId}` }));
  switch (result.reason) {
    case "reauth_required":
      return new ProblemError(
        problem("reauthRequired", `${advice} Use POST /api/accounts/${accountId}/reauthorize.`, {
          members: { accountId, statusReason: result.statusReason },
        }),
      );
    case "credential_rejected":
      return new ProblemError(
        problem(
          "credentialRejected",
          `${advice} Change it with PATCH /api/credentials/${result.credentialId}; the account itself is fine.`,
          { members: { credentialId: result.credentialId, code: result.code } },
        ),
        { headers: { "retry-after": String(result.retryAfterSeconds) } },
      );
    case "credential_missing":
      return new ProblemError(problem("conflict", advice));
    case "upstream_unavailable":
      return new ProblemError(problem("upstream", advice, { members: { code: result.code } }), {
        headers: { "retry-after": String(result.retryAfterSeconds) },
      });
    case "refresh_limited":
      return new ProblemError(problem("tooManyRequests", advice), {
        headers: { "retry-after": String(result.retryAfterSeconds) },
      });
  }
}

function accountIdParam(c: Context<AppEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!isId("account", id)) {
    throw notFound("account", id);
  }
  return id;
}

async function requireAccount(c: Context<AppEnv>): Promise<AccountView> {
  const id = accountIdParam(c);
  const view = await c.env.ACCOUNTS.getByName(id).view();
  if (view === null) {
    throw notFound("account", id);
  }
  return view;
}
