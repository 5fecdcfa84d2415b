/**
 * `/handlers`: the list, the form for a new or changed handler, a handler's page with Run now, Delete
 * and its dead letters with Retry.
 * @module
 */
import { Hono } from "hono";
import { HandlerFormPage, HandlerListPage, HandlerPage } from "../views/handler-views.tsx";
import { apiBody, formValues, valuesOf } from "./form-spec.ts";
import { HANDLER_FORM, newHandlerValues } from "./handler-form.ts";
import { callApi, fetchApi } from "./internal-api.ts";
import { noticeOf } from "./notices.ts";
import { action, idParam, notFoundPage, page, problemNotice, render, seeOther } from "./page-actions.ts";
import type { Context } from "hono";
import type { AccountView } from "../../core/accounts/account.ts";
import type { DeadLetter, HandlerView, RunCounts } from "../../core/handlers/handler.ts";
import type { AppEnv } from "../http/context.ts";
import type { AdminFrame, Notice } from "../views/components.tsx";

export const handlerPages = new Hono<AppEnv>();

async function accountsForForm(c: Context<AppEnv>): Promise<AccountView[]> {
  return (await fetchApi<{ items: AccountView[] }>(c, "/accounts"))?.items ?? [];
}

async function handlerPage(
  c: Context<AppEnv>,
  frame: AdminFrame,
  options: { status: number; notice: Notice | null },
): Promise<Response> {
  const path = `/handlers/${idParam(c)}`;
  const [handler, letters] = await Promise.all([
    fetchApi<HandlerView>(c, path),
    fetchApi<{ items: DeadLetter[] }>(c, `${path}/dead-letters`),
  ]);
  return handler === null
    ? notFoundPage(c, frame)
    : render(
        options.status,
        HandlerPage({ frame, handler, deadLetters: letters?.items ?? [], notice: options.notice }),
      );
}

handlerPages.get(
  "/",
  page("handlers", async (c, frame) => {
    const list = await fetchApi<{ items: HandlerView[] }>(c, "/handlers");
    return render(200, HandlerListPage({ frame, handlers: list?.items ?? [], notice: noticeOf(c) }));
  }),
);

handlerPages.get(
  "/new",
  page("handlers", async (c, frame) => {
    const accounts = await accountsForForm(c);
    const values = newHandlerValues(accounts[0]?.id ?? "");
    return render(200, HandlerFormPage({ frame, values, accounts, errors: [], existing: null, notice: null }));
  }),
);

handlerPages.post(
  "/",
  action("handlers", async (c, frame, form) => {
    const result = await callApi<HandlerView>(c, "POST", "/handlers", apiBody(HANDLER_FORM, form, { editing: false }));
    if (result.ok) {
      return seeOther(`/handlers/${result.data.id}?notice=handler-created`);
    }
    const accounts = await accountsForForm(c);
    return render(
      result.status,
      HandlerFormPage({
        frame,
        values: formValues(HANDLER_FORM, form),
        accounts,
        errors: result.problem.errors ?? [],
        existing: null,
        notice: problemNotice(result.problem),
      }),
    );
  }),
);

handlerPages.get(
  "/:id",
  page("handlers", async (c, frame) => handlerPage(c, frame, { status: 200, notice: noticeOf(c) })),
);

handlerPages.get(
  "/:id/edit",
  page("handlers", async (c, frame) => {
    const handler = await fetchApi<HandlerView>(c, `/handlers/${idParam(c)}`);
    if (handler === null) {
      return notFoundPage(c, frame);
    }
    return render(
      200,
      HandlerFormPage({
        frame,
        values: valuesOf(HANDLER_FORM, handler),
        accounts: await accountsForForm(c),
        errors: [],
        existing: handler,
        notice: null,
      }),
    );
  }),
);

handlerPages.post(
  "/:id",
  action("handlers", async (c, frame, form) => {
    const path = `/handlers/${idParam(c)}`;
    const existing = await fetchApi<HandlerView>(c, path);
    if (existing === null) {
      return notFoundPage(c, frame);
    }
    const result = await callApi<HandlerView>(c, "PATCH", path, apiBody(HANDLER_FORM, form, { editing: true }));
    if (result.ok) {
      return seeOther(`${path}?notice=handler-saved`);
    }
    const accounts = await accountsForForm(c);
    return render(
      result.status,
      HandlerFormPage({
        frame,
        values: formValues(HANDLER_FORM, form),
        accounts,
        errors: result.problem.errors ?? [],
        existing,
        notice: problemNotice(result.problem),
      }),
    );
  }),
);

handlerPages.post(
  "/:id/delete",
  action("handlers", async (c, frame) => {
    const result = await callApi(c, "DELETE", `/handlers/${idParam(c)}`);
    return result.ok
      ? seeOther("/handlers?notice=handler-deleted")
      : handlerPage(c, frame, { status: result.status, notice: problemNotice(result.problem) });
  }),
);

handlerPages.post(
  "/:id/run",
  action("handlers", async (c, frame) => {
    const result = await callApi<RunCounts>(c, "POST", `/handlers/${idParam(c)}/run`);
    const notice: Notice = result.ok
      ? {
          kind: "ok",
          text: `Run finished: ${result.data.fetched} new, ${result.data.delivered} delivered, ${result.data.skipped} skipped, ${result.data.pending} waiting for a retry, ${result.data.deadLettered} to the dead letters.`,
        }
      : problemNotice(result.problem);
    return handlerPage(c, frame, { status: result.ok ? 200 : result.status, notice });
  }),
);

handlerPages.post(
  "/:id/dead-letters/retry",
  action("handlers", async (c, frame, form) => {
    const messageId = form.get("messageId");
    const path = `/handlers/${idParam(c)}/dead-letters/${encodeURIComponent(typeof messageId === "string" ? messageId : "")}/retry`;
    const result = await callApi<{ delivered: boolean; error?: string }>(c, "POST", path);
    const notice: Notice = !result.ok
      ? problemNotice(result.problem)
      : result.data.delivered
        ? { kind: "ok", text: "Delivered; the message left the dead letters." }
        : { kind: "error", text: `Still failing: ${result.data.error ?? "unknown error"}` };
    return handlerPage(c, frame, { status: 200, notice });
  }),
);
