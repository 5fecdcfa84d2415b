/**
 * `GET /oauth/callback`, the redirect URI registered in Azure: finishes a sign-in and answers a page.
 * Nothing is stored unless every step succeeded. Logs carry ids and Microsoft's codes only, never the
 * authorization code or the state.
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
import { ConnectedPage, FailurePage } from "../views/callback-views.tsx";
import { pageResponse } from "../views/document.tsx";
import { takePendingAuthorization } from "../stores/pending-authorizations.ts";
import { identityConfigOf } from "../stores/credential-loader.ts";
import { CredentialStore } from "../stores/credential-store.ts";
import type { AppEnv } from "../http/context.ts";

export const oauthCallbackRoutes = new Hono<AppEnv>();

const STATE_PROBLEMS: Record<"missing" | "unknown" | "expired" | "used", string> = {
  missing: "The sign-in response carries no state, so edgepost cannot tell which sign-in it belongs to.",
  unknown: "This sign-in response does not belong to any sign-in edgepost started.",
  expired: "This sign-in took longer than 10 minutes and has expired.",
  used: "This sign-in response was already used; each sign-in link works once.",
};

oauthCallbackRoutes.get("/callback", async (c) => {
  const { keyRing, graphBaseUrl } = c.get("settings");
  const query = new URL(c.req.url).searchParams;
  const state = query.get("state");
  const lookup =
    state === null || state === ""
      ? ({ found: false, why: "missing" } as const)
      : await takePendingAuthorization(c.env, keyRing, state);

  const microsoftError = query.get("error");
  if (microsoftError !== null) {
    const description = query.get("error_description");
    const code = /^AADSTS\d+/.exec(description ?? "")?.[0] ?? null;
    CONSOLE_LOGGER.warn("oauth.callback", { outcome: "microsoft_error", error: microsoftError, code });
    return pageResponse(
      400,
      FailurePage({
        title: "Microsoft did not authorize the mailbox",
        message: "Microsoft sent the sign-in back with an error instead of an authorization.",
        code: microsoftError,
        description,
        advice: code === null ? null : explainCode(code),
      }),
    );
  }
  if (!lookup.found) {
    CONSOLE_LOGGER.warn("oauth.callback", { outcome: "bad_state", why: lookup.why });
    return pageResponse(
      400,
      FailurePage({
        title: "Sign-in link not valid",
        message: STATE_PROBLEMS[lookup.why],
        code: null,
        description: null,
        advice: null,
      }),
    );
  }
  const { pending } = lookup;
  const code = query.get("code");
  if (code === null || code === "") {
    return pageResponse(
      400,
      FailurePage({
        title: "Sign-in incomplete",
        message: "Microsoft's response carries no authorization code.",
        code: null,
        description: null,
        advice: null,
      }),
    );
  }
  const credentialRecord = await new CredentialStore(c.env.CONFIG).get(pending.credentialId);
  if (credentialRecord === null) {
    return pageResponse(
      400,
      FailurePage({
        title: "Credential gone",
        message: `The credential ${pending.credentialId} was deleted during the sign-in.`,
        code: null,
        description: null,
        advice: null,
      }),
    );
  }

  try {
    const signIn = await completeSignIn(
      { config: await identityConfigOf(credentialRecord, keyRing), pending, code },
      { http: (request) => fetch(request), clock: SYSTEM_CLOCK, sleep: (ms) => scheduler.wait(ms), graphBaseUrl },
    );
    const accountId = await accountIdFor({
      credentialId: pending.credentialId,
      tenantId: signIn.tenantId,
      userId: signIn.userId,
    });
    const view = await c.env.ACCOUNTS.getByName(accountId).recordSignIn({
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
    const otherAccount = pending.reauthorizeAccountId !== null && pending.reauthorizeAccountId !== accountId;
    CONSOLE_LOGGER.info("oauth.callback", {
      outcome: "connected",
      credentialId: pending.credentialId,
      accountId,
      reauthorized: pending.reauthorizeAccountId === accountId,
    });
    return pageResponse(
      200,
      ConnectedPage({
        accountId: view.id,
        mailbox: view.email ?? view.username,
        username: view.username,
        credentialName: credentialRecord.name,
        note: otherAccount
          ? `You signed in as a different user than the account being reconnected (${pending.reauthorizeAccountId}); that account still needs reconnecting.`
          : null,
      }),
    );
  } catch (error) {
    return failedSignIn(error, pending.credentialId);
  }
});

function failedSignIn(error: unknown, credentialId: string): Response {
  if (error instanceof IdentityError) {
    CONSOLE_LOGGER.warn("oauth.callback", {
      outcome: "token_exchange_failed",
      credentialId,
      code: error.code,
      kind: error.kind,
    });
    return pageResponse(
      502,
      FailurePage({
        title: "Microsoft refused to issue tokens",
        message: "The authorization code could not be exchanged for tokens. Nothing was stored.",
        code: error.code,
        description: error.description,
        advice: explainAadsts(error.aadsts),
      }),
    );
  }
  if (error instanceof IdTokenError || error instanceof SignInError) {
    CONSOLE_LOGGER.warn("oauth.callback", { outcome: "unusable_tokens", credentialId, problem: error.message });
    return pageResponse(
      502,
      FailurePage({
        title: "Sign-in not usable",
        message: `${error.message}. Nothing was stored.`,
        code: null,
        description: null,
        advice: null,
      }),
    );
  }
  if (error instanceof GraphError) {
    CONSOLE_LOGGER.warn("oauth.callback", {
      outcome: "graph_failed",
      credentialId,
      code: error.code,
      status: error.status,
    });
    return pageResponse(
      502,
      FailurePage({
        title: "Microsoft Graph did not answer",
        message:
          "The mailbox signed in, but Graph /me failed, so edgepost could not tell which mailbox it is. Nothing was stored.",
        code: error.code,
        description: error.message,
        advice:
          error.status === 403
            ? "Check that the credential's scopes include User.Read and that the user consented to it."
            : null,
      }),
    );
  }
  throw error;
}
