/**
 * `/accounts`: the connected mailboxes, Test connection, Reconnect and Disconnect.
 * @module
 */
import { Hono } from "hono";
import { AccountListPage } from "../views/account-views.tsx";
import { callApi, fetchApi } from "./internal-api.ts";
import { noticeOf } from "./notices.ts";
import { action, idParam, page, problemNotice, render, seeOther, signInOrigins } from "./page-actions.ts";
import type { Context } from "hono";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { AppEnv } from "../http/context.ts";
import type { AdminFrame, Notice } from "../views/components.tsx";

export const accountPages = new Hono<AppEnv>();

async function accountsPage(
  c: Context<AppEnv>,
  frame: AdminFrame,
  options: { status: number; notice: Notice | null },
): Promise<Response> {
  const [accounts, credentials] = await Promise.all([
    fetchApi<{ items: AccountView[] }>(c, "/accounts"),
    fetchApi<{ items: CredentialView[] }>(c, "/credentials"),
  ]);
  return render(options.status, AccountListPage({ frame, accounts: accounts?.items ?? [], notice: options.notice }), {
    formActionOrigins: signInOrigins(credentials?.items ?? []),
  });
}

accountPages.get(
  "/",
  page("accounts", async (c, frame) => accountsPage(c, frame, { status: 200, notice: noticeOf(c) })),
);

accountPages.post(
  "/:id/check",
  action("accounts", async (c, frame) => {
    const result = await callApi(c, "POST", `/accounts/${idParam(c)}/token`, { forceRefresh: true });
    return result.ok
      ? seeOther("/accounts?notice=token-ok")
      : accountsPage(c, frame, { status: result.status, notice: problemNotice(result.problem) });
  }),
);

accountPages.post(
  "/:id/reconnect",
  action("accounts", async (c, frame) => {
    const result = await callApi<{ authorizeUrl: string }>(c, "POST", `/accounts/${idParam(c)}/reauthorize`);
    return result.ok
      ? seeOther(result.data.authorizeUrl)
      : accountsPage(c, frame, { status: result.status, notice: problemNotice(result.problem) });
  }),
);

accountPages.post(
  "/:id/delete",
  action("accounts", async (c, frame) => {
    const result = await callApi(c, "DELETE", `/accounts/${idParam(c)}`);
    return result.ok
      ? seeOther("/accounts?notice=account-deleted")
      : accountsPage(c, frame, { status: result.status, notice: problemNotice(result.problem) });
  }),
);
