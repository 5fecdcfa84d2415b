/**
 * The admin pages at `/`: sign-in, then credentials, accounts and handlers. Every page needs a
 * session; every form post must come from these pages (same origin, the session's CSRF token). Pages
 * act through the API in process, so they show the API's own validation messages next to the fields.
 * @module
 */
import { Hono } from "hono";
import { constantTimeEqual } from "../../core/crypto/constant-time.ts";
import { AccountListPage } from "../views/account-views.tsx";
import { CredentialFormPage, CredentialListPage, CredentialPage, NEW_CREDENTIAL } from "../views/credential-views.tsx";
import { HandlerFormPage, HandlerListPage, HandlerPage, NEW_HANDLER } from "../views/handler-views.tsx";
import { NotFoundView, OverviewPage, SignInPage } from "../views/home-views.tsx";
import { pageResponse } from "../views/document.tsx";
import {
  credentialBody,
  credentialFormValues,
  credentialValuesOf,
  handlerBody,
  handlerFormValues,
  handlerValuesOf,
} from "./forms.ts";
import { currentSession, forbidden, fromOwnPages, readForm, validCsrf, wrongTokenAtSignIn } from "./guard.ts";
import { callApi, fetchApi } from "./internal-api.ts";
import { createSession, revokeSession, SESSION_LIFETIME_SECONDS, sessionCookie } from "./session.ts";
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { DeadLetter, HandlerView, RunCounts } from "../../core/handlers/handler.ts";
import type { AppEnv } from "../http/context.ts";
import type { Problem } from "../http/problem.ts";
import type { AdminFrame, Notice } from "../views/components.tsx";
import type { Session } from "./session.ts";

export const adminPages = new Hono<AppEnv>();

/** Messages shown after a redirect, chosen by a code so that no text travels in URLs. */
const NOTICES: Readonly<Record<string, Notice>> = {
  "credential-created": {
    kind: "ok",
    text: "Credentials saved. Copy the Redirect URI into Azure, then authorize a mailbox.",
  },
  "credential-saved": { kind: "ok", text: "Credentials saved." },
  "credential-deleted": { kind: "ok", text: "Credentials deleted." },
  "token-ok": { kind: "ok", text: "The account's token was refreshed: Microsoft still accepts it." },
  "account-deleted": { kind: "ok", text: "Account disconnected and its tokens erased." },
  "handler-created": { kind: "ok", text: "Handler created. It runs at the next minute, or press Run now." },
  "handler-saved": { kind: "ok", text: "Handler saved." },
  "handler-deleted": { kind: "ok", text: "Handler deleted." },
};

type PageHandler = (c: Context<AppEnv>, frame: AdminFrame) => Promise<Response>;
type ActionHandler = (
  c: Context<AppEnv>,
  frame: AdminFrame,
  form: URLSearchParams,
  session: Session,
) => Promise<Response>;

function page(section: AdminFrame["section"], handler: PageHandler): (c: Context<AppEnv>) => Promise<Response> {
  return async (c) => {
    const session = await currentSession(c);
    if (session === null) {
      return pageResponse(200, SignInPage({ next: c.req.path, notice: null }));
    }
    return handler(c, frameOf(session, section));
  };
}

function action(section: AdminFrame["section"], handler: ActionHandler): (c: Context<AppEnv>) => Promise<Response> {
  return async (c) => {
    if (!fromOwnPages(c)) {
      return forbidden("This form was not sent from edgepost's own pages.");
    }
    const session = await currentSession(c);
    if (session === null) {
      return seeOther("/");
    }
    const form = await readForm(c.req.raw);
    if (form === null || !(await validCsrf(session, form))) {
      return forbidden("The form's security token does not match your session; reload the page and try again.");
    }
    return handler(c, frameOf(session, section), form, session);
  };
}

function frameOf(session: Session, section: AdminFrame["section"]): AdminFrame {
  return { csrfToken: session.csrfToken, section };
}

function noticeOf(c: Context<AppEnv>): Notice | null {
  const code = c.req.query("notice") ?? "";
  return Object.hasOwn(NOTICES, code) ? (NOTICES[code] ?? null) : null;
}

function problemNotice(problem: Problem): Notice {
  return { kind: "error", text: problem.detail };
}

function seeOther(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", ...headers } });
}

function render(status: number, view: Child, options: { formActionOrigins?: readonly string[] } = {}): Response {
  return pageResponse(status, view, options);
}

/** The sign-in origins of these credentials: Authorize and Reconnect forms lead there. */
function signInOrigins(credentials: readonly CredentialView[]): string[] {
  return credentials.map((credential) => new URL(credential.authEndpoint).origin);
}

// Sign-in and overview

adminPages.get("/", async (c) => {
  const session = await currentSession(c);
  if (session === null) {
    return render(200, SignInPage({ next: "/", notice: null }));
  }
  const [credentials, accounts, handlers] = await Promise.all([
    fetchApi<{ items: CredentialView[] }>(c, "/credentials"),
    fetchApi<{ items: AccountView[] }>(c, "/accounts"),
    fetchApi<{ items: HandlerView[] }>(c, "/handlers"),
  ]);
  return render(
    200,
    OverviewPage({
      frame: frameOf(session, "overview"),
      credentials: credentials?.items ?? [],
      accounts: accounts?.items ?? [],
      handlers: handlers?.items ?? [],
    }),
  );
});

adminPages.post("/login", async (c) => {
  if (!fromOwnPages(c)) {
    return forbidden("This form was not sent from edgepost's own pages.");
  }
  const form = await readForm(c.req.raw);
  const token = form?.get("token");
  const next = form?.get("next");
  const target = typeof next === "string" && /^\/(?!\/)[A-Za-z0-9/_-]*$/.test(next) ? next : "/";
  const { adminToken } = c.get("settings");
  if (typeof token !== "string" || !(await constantTimeEqual(token, adminToken))) {
    return wrongTokenAtSignIn(c, (text) => SignInPage({ next: target, notice: { kind: "error", text } }));
  }
  const { cookie } = await createSession(c.env, adminToken);
  return seeOther(target, { "set-cookie": sessionCookie(cookie, { maxAgeSeconds: SESSION_LIFETIME_SECONDS }) });
});

adminPages.post(
  "/logout",
  action("overview", async (c, _frame, _form, session) => {
    await revokeSession(c.env, session);
    return seeOther("/", { "set-cookie": sessionCookie("", { maxAgeSeconds: 0 }) });
  }),
);

// Credentials

adminPages.get(
  "/credentials",
  page("credentials", async (c, frame) => {
    const list = await fetchApi<{ items: CredentialView[] }>(c, "/credentials");
    return render(200, CredentialListPage({ frame, credentials: list?.items ?? [], notice: noticeOf(c) }));
  }),
);

adminPages.get(
  "/credentials/new",
  page("credentials", async (_c, frame) =>
    render(200, CredentialFormPage({ frame, values: NEW_CREDENTIAL, errors: [], existing: null, notice: null })),
  ),
);

adminPages.post(
  "/credentials",
  action("credentials", async (c, frame, form) => {
    const result = await callApi<CredentialView>(c, "POST", "/credentials", credentialBody(form, { editing: false }));
    if (result.ok) {
      return seeOther(`/credentials/${result.data.id}?notice=credential-created`);
    }
    return render(
      result.status,
      CredentialFormPage({
        frame,
        values: credentialFormValues(form),
        errors: result.problem.errors ?? [],
        existing: null,
        notice: problemNotice(result.problem),
      }),
    );
  }),
);

adminPages.get(
  "/credentials/:id",
  page("credentials", async (c, frame) => {
    const credential = await fetchApi<CredentialView>(c, `/credentials/${encodeURIComponent(c.req.param("id") ?? "")}`);
    return credential === null
      ? notFoundPage(c, frame)
      : render(200, CredentialPage({ frame, credential, notice: noticeOf(c) }), {
          formActionOrigins: signInOrigins([credential]),
        });
  }),
);

adminPages.get(
  "/credentials/:id/edit",
  page("credentials", async (c, frame) => {
    const credential = await fetchApi<CredentialView>(c, `/credentials/${encodeURIComponent(c.req.param("id") ?? "")}`);
    return credential === null
      ? notFoundPage(c, frame)
      : render(
          200,
          CredentialFormPage({
            frame,
            values: credentialValuesOf(credential),
            errors: [],
            existing: credential,
            notice: null,
          }),
        );
  }),
);

adminPages.post(
  "/credentials/:id",
  action("credentials", async (c, frame, form) => {
    const path = `/credentials/${encodeURIComponent(c.req.param("id") ?? "")}`;
    const existing = await fetchApi<CredentialView>(c, path);
    if (existing === null) {
      return notFoundPage(c, frame);
    }
    const result = await callApi<CredentialView>(c, "PATCH", path, credentialBody(form, { editing: true }));
    if (result.ok) {
      return seeOther(`${path}?notice=credential-saved`);
    }
    return render(
      result.status,
      CredentialFormPage({
        frame,
        values: credentialFormValues(form),
        errors: result.problem.errors ?? [],
        existing,
        notice: problemNotice(result.problem),
      }),
    );
  }),
);

adminPages.post(
  "/credentials/:id/delete",
  action("credentials", async (c, frame) => {
    const path = `/credentials/${encodeURIComponent(c.req.param("id") ?? "")}`;
    const result = await callApi(c, "DELETE", path);
    if (result.ok) {
      return seeOther("/credentials?notice=credential-deleted");
    }
    const credential = await fetchApi<CredentialView>(c, path);
    return credential === null
      ? notFoundPage(c, frame)
      : render(result.status, CredentialPage({ frame, credential, notice: problemNotice(result.problem) }), {
          formActionOrigins: signInOrigins([credential]),
        });
  }),
);

adminPages.post(
  "/credentials/:id/authorize",
  action("credentials", async (c, frame, form) => {
    const path = `/credentials/${encodeURIComponent(c.req.param("id") ?? "")}`;
    const hint = form.get("loginHint");
    const result = await callApi<{ authorizeUrl: string }>(
      c,
      "POST",
      `${path}/authorize`,
      typeof hint === "string" && hint.trim() !== "" ? { loginHint: hint.trim() } : undefined,
    );
    if (result.ok) {
      return seeOther(result.data.authorizeUrl);
    }
    const credential = await fetchApi<CredentialView>(c, path);
    return credential === null
      ? notFoundPage(c, frame)
      : render(result.status, CredentialPage({ frame, credential, notice: problemNotice(result.problem) }), {
          formActionOrigins: signInOrigins([credential]),
        });
  }),
);

// Accounts

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

adminPages.get(
  "/accounts",
  page("accounts", async (c, frame) => accountsPage(c, frame, { status: 200, notice: noticeOf(c) })),
);

adminPages.post(
  "/accounts/:id/check",
  action("accounts", async (c, frame) => {
    const result = await callApi(c, "POST", `/accounts/${encodeURIComponent(c.req.param("id") ?? "")}/token`, {
      forceRefresh: true,
    });
    return result.ok
      ? seeOther("/accounts?notice=token-ok")
      : accountsPage(c, frame, { status: result.status, notice: problemNotice(result.problem) });
  }),
);

adminPages.post(
  "/accounts/:id/reconnect",
  action("accounts", async (c, frame) => {
    const result = await callApi<{ authorizeUrl: string }>(
      c,
      "POST",
      `/accounts/${encodeURIComponent(c.req.param("id") ?? "")}/reauthorize`,
    );
    return result.ok
      ? seeOther(result.data.authorizeUrl)
      : accountsPage(c, frame, { status: result.status, notice: problemNotice(result.problem) });
  }),
);

adminPages.post(
  "/accounts/:id/delete",
  action("accounts", async (c, frame) => {
    const result = await callApi(c, "DELETE", `/accounts/${encodeURIComponent(c.req.param("id") ?? "")}`);
    return result.ok
      ? seeOther("/accounts?notice=account-deleted")
      : accountsPage(c, frame, { status: result.status, notice: problemNotice(result.problem) });
  }),
);

// Handlers

async function accountsForForm(c: Context<AppEnv>): Promise<AccountView[]> {
  return (await fetchApi<{ items: AccountView[] }>(c, "/accounts"))?.items ?? [];
}

async function handlerPage(
  c: Context<AppEnv>,
  frame: AdminFrame,
  options: { status: number; notice: Notice | null },
): Promise<Response> {
  const path = `/handlers/${encodeURIComponent(c.req.param("id") ?? "")}`;
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

adminPages.get(
  "/handlers",
  page("handlers", async (c, frame) => {
    const list = await fetchApi<{ items: HandlerView[] }>(c, "/handlers");
    return render(200, HandlerListPage({ frame, handlers: list?.items ?? [], notice: noticeOf(c) }));
  }),
);

adminPages.get(
  "/handlers/new",
  page("handlers", async (c, frame) => {
    const accounts = await accountsForForm(c);
    const values = { ...NEW_HANDLER, accountId: accounts[0]?.id ?? "" };
    return render(200, HandlerFormPage({ frame, values, accounts, errors: [], existing: null, notice: null }));
  }),
);

adminPages.post(
  "/handlers",
  action("handlers", async (c, frame, form) => {
    const result = await callApi<HandlerView>(c, "POST", "/handlers", handlerBody(form, { editing: false }));
    if (result.ok) {
      return seeOther(`/handlers/${result.data.id}?notice=handler-created`);
    }
    const accounts = await accountsForForm(c);
    return render(
      result.status,
      HandlerFormPage({
        frame,
        values: handlerFormValues(form),
        accounts,
        errors: result.problem.errors ?? [],
        existing: null,
        notice: problemNotice(result.problem),
      }),
    );
  }),
);

adminPages.get(
  "/handlers/:id",
  page("handlers", async (c, frame) => handlerPage(c, frame, { status: 200, notice: noticeOf(c) })),
);

adminPages.get(
  "/handlers/:id/edit",
  page("handlers", async (c, frame) => {
    const handler = await fetchApi<HandlerView>(c, `/handlers/${encodeURIComponent(c.req.param("id") ?? "")}`);
    if (handler === null) {
      return notFoundPage(c, frame);
    }
    return render(
      200,
      HandlerFormPage({
        frame,
        values: handlerValuesOf(handler),
        accounts: await accountsForForm(c),
        errors: [],
        existing: handler,
        notice: null,
      }),
    );
  }),
);

adminPages.post(
  "/handlers/:id",
  action("handlers", async (c, frame, form) => {
    const path = `/handlers/${encodeURIComponent(c.req.param("id") ?? "")}`;
    const existing = await fetchApi<HandlerView>(c, path);
    if (existing === null) {
      return notFoundPage(c, frame);
    }
    const result = await callApi<HandlerView>(c, "PATCH", path, handlerBody(form, { editing: true }));
    if (result.ok) {
      return seeOther(`${path}?notice=handler-saved`);
    }
    const accounts = await accountsForForm(c);
    return render(
      result.status,
      HandlerFormPage({
        frame,
        values: handlerFormValues(form),
        accounts,
        errors: result.problem.errors ?? [],
        existing,
        notice: problemNotice(result.problem),
      }),
    );
  }),
);

adminPages.post(
  "/handlers/:id/delete",
  action("handlers", async (c, frame) => {
    const result = await callApi(c, "DELETE", `/handlers/${encodeURIComponent(c.req.param("id") ?? "")}`);
    return result.ok
      ? seeOther("/handlers?notice=handler-deleted")
      : handlerPage(c, frame, { status: result.status, notice: problemNotice(result.problem) });
  }),
);

adminPages.post(
  "/handlers/:id/run",
  action("handlers", async (c, frame) => {
    const result = await callApi<RunCounts>(c, "POST", `/handlers/${encodeURIComponent(c.req.param("id") ?? "")}/run`);
    const notice: Notice = result.ok
      ? {
          kind: "ok",
          text: `Run finished: ${result.data.fetched} new, ${result.data.delivered} delivered, ${result.data.skipped} skipped, ${result.data.pending} waiting for a retry, ${result.data.deadLettered} to the dead letters.`,
        }
      : problemNotice(result.problem);
    return handlerPage(c, frame, { status: result.ok ? 200 : result.status, notice });
  }),
);

adminPages.post(
  "/handlers/:id/dead-letters/retry",
  action("handlers", async (c, frame, form) => {
    const messageId = form.get("messageId");
    const path = `/handlers/${encodeURIComponent(c.req.param("id") ?? "")}/dead-letters/${encodeURIComponent(typeof messageId === "string" ? messageId : "")}/retry`;
    const result = await callApi<{ delivered: boolean; error?: string }>(c, "POST", path);
    const notice: Notice = !result.ok
      ? problemNotice(result.problem)
      : result.data.delivered
        ? { kind: "ok", text: "Delivered; the message left the dead letters." }
        : { kind: "error", text: `Still failing: ${result.data.error ?? "unknown error"}` };
    return handlerPage(c, frame, { status: 200, notice });
  }),
);

function notFoundPage(c: Context<AppEnv>, frame: AdminFrame): Response {
  return render(404, NotFoundView({ frame, path: c.req.path }));
}
