/**
 * `GET /oauth/callback`, the redirect URI registered in Azure: finishes a sign-in, keeps its outcome
 * for a moment and answers 303 to `/oauth/result/{id}`, which shows it once. So the authorization
 * code and the state never stay in the browser's history, a Referer or request traces, and a reload
 * of the result page cannot replay the sign-in. Nothing is stored unless every step succeeded, and
 * nothing through a credential deleted meanwhile. Microsoft's error text is shown only for a state
 * edgepost issued, so a crafted link cannot put words on edgepost's page. Logs carry ids and
 * Microsoft's codes only, never the authorization code or the state.
 * @module
 */
import { Hono } from "hono";
import { accountIdFor } from "../../core/ids.ts";
import { completeSignIn, SignInError } from "../../core/accounts/sign-in.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { GraphError } from "../../core/microsoft/graph-client.ts";
import { IdTokenError } from "../../core/microsoft/id-token.ts";
import { explainAadsts, explainCode } from "../../core/advice.ts";
import { IdentityError } from "../../core/microsoft/identity-errors.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { outboundFetch } from "../outbound-fetch.ts";
import { ConnectedPage, FailurePage } from "../views/callback-views.tsx";
import { pageResponse } from "../views/document.tsx";
import { takePendingAuthorization } from "../stores/pending-authorizations.ts";
import { identityConfigOf } from "../stores/credential-loader.ts";
import { isCredentialDeleted } from "../stores/credential-deletions.ts";
import { CredentialStore } from "../stores/credential-store.ts";
import { keepSignInResult, takeSignInResult } from "../stores/sign-in-results.ts";
import type { Context } from "hono";
import type { AppEnv } from "../http/context.ts";
import type { FailureOutcome, SignInOutcome } from "../stores/sign-in-results.ts";

export const oauthCallbackRoutes = new Hono<AppEnv>();

const STATE_PROBLEMS: Record<"missing" | "unknown" | "expired" | "used", string> = {
  missing: "The sign-in response carries no state, so edgepost cannot tell which sign-in it belongs to.",
  unknown: "This sign-in response does not belong to any sign-in edgepost started.",
  expired: "This sign-in took longer than 10 minutes and has expired.",
  used: "This sign-in response was already used; each sign-in link works once.",
};

oauthCallbackRoutes.get("/callback", async (c) => {
  const id = await keepSignInResult(c.env, await finishSignIn(c));
  return new Response(null, {
    status: 303,
    headers: { location: `/oauth/result/${id}`, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
});

oauthCallbackRoutes.get("/result/:id", async (c) => {
  const outcome = await takeSignInResult(c.env, c.req.param("id"));
  if (outcome === null) {
    return pageResponse(
      404,
      FailurePage({
        title: "Sign-in result not available",
        message:
          "A sign-in's result is shown once, within 10 minutes. The mailbox's status is on the Accounts page of edgepost.",
        code: null,
        description: null,
        advice: null,
      }),
    );
  }
  const { page } = outcome;
  return pageResponse(outcome.status, page.kind === "connected" ? ConnectedPage(page) : FailurePage(page));
});

async function finishSignIn(c: Context<AppEnv>): Promise<SignInOutcome> {
  const settings = c.get("settings");
  const query = new URL(c.req.url).searchParams;
  const state = query.get("state");
  const lookup =
    state === null || state === ""
      ? ({ found: false, why: "missing" } as const)
      : await takePendingAuthorization(c.env, settings.keyRing, state);
  const microsoftError = query.get("error");
  if (!lookup.found) {
    CONSOLE_LOGGER.warn("oauth.callback", {
      outcome: "bad_state",
      why: lookup.why,
      microsoftError: microsoftError !== null,
    });
    return failure(400, { title: "Sign-in link not valid", message: STATE_PROBLEMS[lookup.why] });
  }
  const { pending } = lookup;
  if (microsoftError !== null) {
    const description = query.get("error_description");
    const code = /^AADSTS\d+/.exec(description ?? "")?.[0] ?? null;
    CONSOLE_LOGGER.warn("oauth.callback", { outcome: "microsoft_error", error: microsoftError, code });
    return failure(400, {
      title: "Microsoft did not authorize the mailbox",
      message: "Microsoft sent the sign-in back with an error instead of an authorization.",
      code: microsoftError,
      description,
      advice: code === null ? null : explainCode(code),
    });
  }
  const code = query.get("code");
  if (code === null || code === "") {
    return failure(400, {
      title: "Sign-in incomplete",
      message: "Microsoft's response carries no authorization code.",
    });
  }
  const credentialGone = failure(400, {
    title: "Credential gone",
    message: `The credential ${pending.credentialId} was deleted during the sign-in. Nothing was stored.`,
  });
  const credentialRecord = await new CredentialStore(c.env.CONFIG).get(pending.credentialId);
  if (credentialRecord === null || (await isCredentialDeleted(c.env, pending.credentialId))) {
    return credentialGone;
  }
  try {
    const signIn = await completeSignIn(
      {
        config: await identityConfigOf(credentialRecord, settings),
        pending,
        code,
        allowedTenants: credentialRecord.allowedTenants,
      },
      {
        http: outboundFetch(settings),
        clock: SYSTEM_CLOCK,
        sleep: (ms) => scheduler.wait(ms),
        graphBaseUrl: settings.graphBaseUrl,
      },
    );
    const accountId = await accountIdFor({
      credentialId: pending.credentialId,
      tenantId: signIn.tenantId,
      userId: signIn.userId,
    });
    const account = c.env.ACCOUNTS.getByName(accountId);
    const view = await account.recordSignIn({
      accountId,
      credentialId: pending.credentialId,
      tenantId: signIn.tenantId,
      userId: signIn.userId,
      username: signIn.username,
      displayName: signIn.displayName,
      email: signIn.email,
      accessToken: signIn.tokens.accessToken,
      accessTokenExpiresAt: signIn.tokens.accessTokenExpiresAt,
      refreshToken: signIn.tokens.refreshToken,
      requestedScopes: pending.scopes,
      grantedScopes: signIn.tokens.scopes,
    });
    // Deleted while Microsoft was answering: the delete did not count this account, so it must not stay.
    if (await isCredentialDeleted(c.env, pending.credentialId)) {
      await account.remove();
      CONSOLE_LOGGER.warn("oauth.callback", { outcome: "credential_deleted", credentialId: pending.credentialId });
      return credentialGone;
    }
    const otherAccount = pending.reauthorizeAccountId !== null && pending.reauthorizeAccountId !== accountId;
    CONSOLE_LOGGER.info("oauth.callback", {
      outcome: "connected",
      credentialId: pending.credentialId,
      accountId,
      reauthorized: pending.reauthorizeAccountId === accountId,
    });
    return {
      status: 200,
      page: {
        kind: "connected",
        accountId: view.id,
        mailbox: view.email ?? view.username,
        username: view.username,
        credentialName: credentialRecord.name,
        note: otherAccount
          ? `You signed in as a different user than the account being reconnected (${pending.reauthorizeAccountId}); that account still needs reconnecting.`
          : null,
      },
    };
  } catch (error) {
    return failedSignIn(error, pending.credentialId);
  }
}

function failure(
  status: number,
  page: Pick<FailureOutcome, "title" | "message"> & Partial<Omit<FailureOutcome, "kind">>,
): SignInOutcome {
  return {
    status,
    page: { kind: "failure", code: null, description: null, advice: null, ...page },
  };
}

function failedSignIn(error: unknown, credentialId: string): SignInOutcome {
  if (error instanceof IdentityError) {
    CONSOLE_LOGGER.warn("oauth.callback", {
      outcome: "token_exchange_failed",
      credentialId,
      code: error.code,
      kind: error.kind,
    });
    return failure(502, {
      title: "Microsoft refused to issue tokens",
      message: "The authorization code could not be exchanged for tokens. Nothing was stored.",
      code: error.code,
      description: error.description,
      advice: explainAadsts(error.aadsts),
    });
  }
  if (error instanceof IdTokenError || error instanceof SignInError) {
    CONSOLE_LOGGER.warn("oauth.callback", { outcome: "unusable_tokens", credentialId, problem: error.message });
    return failure(502, { title: "Sign-in not usable", message: `${error.message}. Nothing was stored.` });
  }
  if (error instanceof GraphError) {
    CONSOLE_LOGGER.warn("oauth.callback", {
      outcome: "graph_failed",
      credentialId,
      code: error.code,
      status: error.status,
    });
    return failure(502, {
      title: "Microsoft Graph did not answer",
      message:
        "The mailbox signed in, but Graph /me failed, so edgepost could not tell which mailbox it is. Nothing was stored.",
      code: error.code,
      description: error.message,
      advice:
        error.status === 403
          ? "Check that the credential's scopes include User.Read and that the user consented to it."
          : null,
    });
  }
  throw error;
}
