/**
 * `/accounts`: the connected mailboxes, Test connection, Reconnect, and Disconnect behind a
 * confirmation page. Each action answers with a redirect to the list, which shows its result.
 * @module
 */
import { Hono } from "hono";
import { isId } from "../../core/ids.ts";
import { AccountDisconnectPage, AccountListPage } from "../views/account-views.tsx";
import { mailboxName } from "../views/components.tsx";
import { callApi, fetchApi } from "./internal-api.ts";
import { noticeOf, resultUrl } from "./notices.ts";
import { action, idParam, notFoundPage, page, render, seeOther, signInOrigins } from "./page-actions.ts";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { AppEnv } from "../http/context.ts";
import type { Problem } from "../http/problem.ts";
import type { NoticeCode } from "./notices.ts";

export const accountPages = new Hono<AppEnv>();

/** What a failed Test connection means, by the problem's type (never by its text). */
function tokenFailureCode(problem: Problem): NoticeCode {
  switch (problem.type) {
    case "urn:edgepost:problem:reauth-required":
      return "token-reauth";
    case "urn:edgepost:problem:credential-rejected":
      return "token-credential";
    case "urn:edgepost:problem:upstream":
      return "token-unavailable";
    default:
      return "token-failed";
  }
}

accountPages.get(
  "/",
  page("accounts", async (c, frame) => {
    const [accounts, credentials] = await Promise.all([
      fetchApi<{ items: AccountView[] }>(c, "/accounts"),
      fetchApi<{ items: CredentialView[] }>(c, "/credentials"),
    ]);
    const items = accounts?.items ?? [];
    const notice = noticeOf(c, (id) => {
      const account = items.find((candidate) => candidate.id === id);
      return account === undefined ? null : mailboxName(account);
    });
    return render(200, AccountListPage({ frame, accounts: items, credentials: credentials?.items ?? [], notice }), {
      formActionOrigins: signInOrigins(credentials?.items ?? []),
    });
  }),
);

accountPages.post(
  "/:id/check",
  action("accounts", async (c) => {
    const id = c.req.param("id") ?? "";
    const result = await callApi(c, "POST", `/accounts/${idParam(c)}/token`, { forceRefresh: true });
    const about = isId("account", id) ? { about: id } : {};
    return seeOther(resultUrl("/accounts", result.ok ? "token-ok" : tokenFailureCode(result.problem), about));
  }),
);

accountPages.post(
  "/:id/reconnect",
  action("accounts", async (c) => {
    const id = c.req.param("id") ?? "";
    const result = await callApi<{ authorizeUrl: string }>(c, "POST", `/accounts/${idParam(c)}/reauthorize`);
    return seeOther(
      result.ok
        ? result.data.authorizeUrl
        : resultUrl("/accounts", "reconnect-failed", isId("account", id) ? { about: id } : {}),
    );
  }),
);

accountPages.get(
  "/:id/delete",
  page("accounts", async (c, frame) => {
    const [account, handlers] = await Promise.all([
      fetchApi<AccountView>(c, `/accounts/${idParam(c)}`),
      fetchApi<{ items: HandlerView[] }>(c, "/handlers"),
    ]);
    if (account === null) {
      return notFoundPage(c, frame);
    }
    const using = (handlers?.items ?? []).filter((handler) => handler.accountId === account.id);
    return render(200, AccountDisconnectPage({ frame, account, handlers: using }));
  }),
);

accountPages.post(
  "/:id/delete",
  action("accounts", async (c) => {
    const id = c.req.param("id") ?? "";
    const result = await callApi(c, "DELETE", `/accounts/${idParam(c)}`);
    if (result.ok) {
      return seeOther(resultUrl("/accounts", "account-deleted"));
    }
    return seeOther(
      result.status === 409 && isId("account", id)
        ? resultUrl("/accounts", "account-in-use", { about: id })
        : "/accounts",
    );
  }),
);
