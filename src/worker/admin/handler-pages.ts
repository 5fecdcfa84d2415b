/**
 * `/handlers`: the list, the form for a new or changed handler (the account's mailboxes and folder tree
 * to pick from, "did you mean" on a mistyped folder), a handler's page with Run now and the dead
 * letters, and Delete behind a confirmation page. Every action answers with a redirect to the page that
 * shows its result.
 * @module
 */
import { Hono } from "hono";
import { HandlerCheckPage } from "../views/check-views.tsx";
import { HandlerDeletePage, HandlerFormPage, HandlerListPage, HandlerPage } from "../views/handler-views.tsx";
import { apiBody, formValues, valuesOf } from "./form-spec.ts";
import { HANDLER_FORM, newHandlerValues } from "./handler-form.ts";
import { folderChoice, formErrors, mailboxSuggestions } from "./handler-pickers.ts";
import { callApi, fetchApi, saveRecord } from "./internal-api.ts";
import { keepSecrets, withKeptSecrets } from "./kept-secrets.ts";
import { noticeOf, resultUrl, runCounts } from "./notices.ts";
import {
  action,
  formProblemNotice,
  idParam,
  notFoundPage,
  page,
  render,
  seeOther,
  signInOrigins,
} from "./page-actions.ts";
import type { Context } from "hono";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { ActivityItem, DeadLetter, HandlerView, RunCounts } from "../../core/handlers/handler.ts";
import type { CheckReport } from "../../core/handlers/handler-checks.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { AppEnv } from "../http/context.ts";
import type { AdminFrame, Notice } from "../views/components.tsx";
import type { FormValues } from "./form-spec.ts";

export const handlerPages = new Hono<AppEnv>();

/** Messages the handler's page lists in its recent activity. */
const ACTIVITY_SHOWN = 50;

async function listAccounts(c: Context<AppEnv>): Promise<AccountView[]> {
  return (await fetchApi<{ items: AccountView[] }>(c, "/accounts"))?.items ?? [];
}

async function listHandlers(c: Context<AppEnv>): Promise<HandlerView[]> {
  return (await fetchApi<{ items: HandlerView[] }>(c, "/handlers"))?.items ?? [];
}

interface FormState {
  values: FormValues;
  issues: readonly FieldIssue[];
  kept: Readonly<Record<string, string>>;
  notice: Notice | null;
}

async function formPage(
  c: Context<AppEnv>,
  frame: AdminFrame,
  existing: HandlerView | null,
  state: FormState,
  status = 200,
): Promise<Response> {
  const [accounts, handlers] = await Promise.all([listAccounts(c), listHandlers(c)]);
  const chosen = accounts.find((account) => account.id === state.values["accountId"]);
  const mailbox = state.values["mailbox"];
  const choice = await folderChoice(c, chosen, typeof mailbox === "string" ? mailbox : "me");
  return render(
    status,
    HandlerFormPage({
      frame,
      values: state.values,
      accounts,
      mailboxes: mailboxSuggestions(chosen, handlers),
      picker: {
        folders: choice.folders.map((folder) => ({ value: folder.path })),
        note: choice.note,
      },
      errors: formErrors(state.issues, state.values, choice.folders),
      existing,
      kept: state.kept,
      notice: state.notice,
    }),
  );
}

/** A posted handler form: "Show the folders" comes back with the chosen mailbox's folders; anything else is saved. */
async function submitForm(
  c: Context<AppEnv>,
  frame: AdminFrame,
  posted: URLSearchParams,
  existing: HandlerView | null,
): Promise<Response> {
  const form = await withKeptSecrets(c, frame, HANDLER_FORM, posted);
  const kept = await keepSecrets(c, frame, HANDLER_FORM, form);
  const values = formValues(HANDLER_FORM, form);
  if (form.get("_action") === "folders") {
    return formPage(c, frame, existing, { values, issues: [], kept, notice: null });
  }
  const editing = existing !== null;
  const result = await saveRecord<HandlerView>(c, "/handlers", existing, apiBody(HANDLER_FORM, form, { editing }));
  if (result.ok) {
    return seeOther(resultUrl(`/handlers/${result.data.id}`, editing ? "handler-saved" : "handler-created"));
  }
  return formPage(
    c,
    frame,
    existing,
    { values, issues: result.problem.errors ?? [], kept, notice: formProblemNotice(result.problem) },
    result.status,
  );
}

handlerPages.get(
  "/",
  page("handlers", async (c, frame) => {
    const [handlers, accounts] = await Promise.all([listHandlers(c), listAccounts(c)]);
    return render(200, HandlerListPage({ frame, handlers, accounts, notice: noticeOf(c) }));
  }),
);

handlerPages.get(
  "/new",
  page("handlers", async (c, frame) => {
    const accounts = await listAccounts(c);
    const asked = c.req.query("account") ?? "";
    const account = accounts.find((candidate) => candidate.id === asked) ?? accounts[0];
    return formPage(c, frame, null, {
      values: newHandlerValues(account?.id ?? ""),
      issues: [],
      kept: {},
      notice: null,
    });
  }),
);

handlerPages.post(
  "/",
  action("handlers", async (c, frame, form) => submitForm(c, frame, form, null)),
);

handlerPages.get(
  "/:id",
  page("handlers", async (c, frame) => {
    const path = `/handlers/${idParam(c)}`;
    const [handler, letters, activity, accounts, credentials] = await Promise.all([
      fetchApi<HandlerView>(c, path),
      fetchApi<{ items: DeadLetter[] }>(c, `${path}/dead-letters`),
      fetchApi<{ items: ActivityItem[] }>(c, `${path}/activity?limit=${ACTIVITY_SHOWN}`),
      listAccounts(c),
      fetchApi<{ items: CredentialView[] }>(c, "/credentials"),
    ]);
    if (handler === null) {
      return notFoundPage(c, frame);
    }
    const account = accounts.find((candidate) => candidate.id === handler.accountId) ?? null;
    return render(
      200,
      HandlerPage({
        frame,
        handler,
        account,
        deadLetters: letters?.items ?? [],
        activity: activity?.items ?? [],
        offerRetryAll: c.req.query("notice") === "handler-saved",
        notice: noticeOf(c),
      }),
      {
        formActionOrigins: signInOrigins(
          (credentials?.items ?? []).filter((credential) => credential.id === account?.credentialId),
        ),
      },
    );
  }),
);

handlerPages.get(
  "/:id/edit",
  page("handlers", async (c, frame) => {
    const handler = await fetchApi<HandlerView>(c, `/handlers/${idParam(c)}`);
    return handler === null
      ? notFoundPage(c, frame)
      : formPage(c, frame, handler, { values: valuesOf(HANDLER_FORM, handler), issues: [], kept: {}, notice: null });
  }),
);

handlerPages.post(
  "/:id",
  action("handlers", async (c, frame, form) => {
    const existing = await fetchApi<HandlerView>(c, `/handlers/${idParam(c)}`);
    return existing === null ? notFoundPage(c, frame) : submitForm(c, frame, form, existing);
  }),
);

handlerPages.get(
  "/:id/delete",
  page("handlers", async (c, frame) => {
    const handler = await fetchApi<HandlerView>(c, `/handlers/${idParam(c)}`);
    return handler === null ? notFoundPage(c, frame) : render(200, HandlerDeletePage({ frame, handler }));
  }),
);

handlerPages.post(
  "/:id/delete",
  action("handlers", async (c) => {
    const path = `/handlers/${idParam(c)}`;
    const result = await callApi(c, "DELETE", path);
    return seeOther(result.ok || result.status === 404 ? resultUrl("/handlers", "handler-deleted") : path);
  }),
);

handlerPages.post(
  "/:id/run",
  action("handlers", async (c) => {
    const path = `/handlers/${idParam(c)}`;
    const result = await callApi<RunCounts>(c, "POST", `${path}/run`);
    if (result.ok) {
      return seeOther(resultUrl(path, "ran", { counts: runCounts(result.data) }));
    }
    return seeOther(
      result.status === 404 ? "/handlers" : resultUrl(path, result.status === 409 ? "run-disabled" : "run-failed"),
    );
  }),
);

/** Runs the checks (a test to Jira or a test send only from their own buttons), then shows the report. */
handlerPages.post(
  "/:id/check",
  action("handlers", async (c, _frame, form) => {
    const path = `/handlers/${idParam(c)}`;
    const result = await callApi<CheckReport>(c, "POST", `${path}/check`, {
      webhook: form.get("webhook") === "true",
      sendAs: form.get("sendAs") === "true",
    });
    return seeOther(
      result.ok ? `${path}/check` : result.status === 404 ? "/handlers" : resultUrl(path, "check-failed"),
    );
  }),
);

/** The last check's report: reloading it checks nothing again. */
handlerPages.get(
  "/:id/check",
  page("handlers", async (c, frame) => {
    const path = `/handlers/${idParam(c)}`;
    const [handler, report] = await Promise.all([
      fetchApi<HandlerView>(c, path),
      fetchApi<CheckReport>(c, `${path}/check`),
    ]);
    return handler === null
      ? notFoundPage(c, frame)
      : render(200, HandlerCheckPage({ frame, handler, report, notice: noticeOf(c) }));
  }),
);

handlerPages.post(
  "/:id/dead-letters/retry",
  action("handlers", async (c, _frame, form) => {
    const path = `/handlers/${idParam(c)}`;
    const messageId = form.get("messageId") ?? "";
    const result = await callApi<{ delivered: boolean }>(
      c,
      "POST",
      `${path}/dead-letters/${encodeURIComponent(messageId)}/retry`,
    );
    const code = !result.ok ? "retry-gone" : result.data.delivered ? "retry-delivered" : "retry-failed";
    return seeOther(resultUrl(path, code));
  }),
);

handlerPages.post(
  "/:id/dead-letters/retry-all",
  action("handlers", async (c) => {
    const path = `/handlers/${idParam(c)}`;
    const result = await callApi<{ delivered: number; failed: number }>(c, "POST", `${path}/dead-letters/retry`);
    return seeOther(result.ok ? resultUrl(path, "retried", { counts: result.data }) : path);
  }),
);
