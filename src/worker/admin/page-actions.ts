/**
 * What every admin route shares: `page()` wraps a GET that needs a session (else the sign-in form),
 * `action()` wraps a form post that must come from edgepost's own pages (origin and CSRF token), and
 * the responses they answer with.
 * @module
 */
import { NotFoundView, SignInPage } from "../views/home-views.tsx";
import { pageResponse } from "../views/document.tsx";
import { attentionLines, heldConditions } from "./attention.ts";
import { currentSession, forbidden, fromOwnPages, readForm, validCsrf } from "./guard.ts";
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { AppEnv } from "../http/context.ts";
import type { Problem } from "../http/problem.ts";
import type { AdminFrame, Notice } from "../views/components.tsx";
import type { Session } from "./session.ts";

type PageHandler = (c: Context<AppEnv>, frame: AdminFrame) => Promise<Response>;
type ActionHandler = (
  c: Context<AppEnv>,
  frame: AdminFrame,
  form: URLSearchParams,
  session: Session,
) => Promise<Response>;

/** A page that needs a session; without one it answers the sign-in form, which comes back here. */
export function page(section: AdminFrame["section"], handler: PageHandler): (c: Context<AppEnv>) => Promise<Response> {
  return async (c) => {
    const session = await currentSession(c);
    if (session === null) {
      return pageResponse(200, SignInPage({ next: c.req.path, notice: null }));
    }
    return handler(c, frameOf(session, section, attentionLines(await heldConditions(c))));
  };
}

/** A form post from edgepost's own pages, with the session's CSRF token. */
export function action(
  section: AdminFrame["section"],
  handler: ActionHandler,
): (c: Context<AppEnv>) => Promise<Response> {
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
    // A form shown again (a refused field, a 404) keeps the banner of every other page.
    return handler(c, frameOf(session, section, attentionLines(await heldConditions(c))), form, session);
  };
}

export function frameOf(
  session: Session,
  section: AdminFrame["section"],
  attention: AdminFrame["attention"] = [],
): AdminFrame {
  return { csrfToken: session.csrfToken, section, attention };
}

/**
 * What a form says when the API refused it for something other than its fields (those are listed in
 * the error summary). The API's `detail` speaks of API calls, so the page uses its own words.
 */
export function formProblemNotice(problem: Problem): Notice | null {
  if ((problem.errors ?? []).length > 0) {
    return null;
  }
  return problem.status >= 500
    ? { kind: "error", text: "Microsoft or edgepost failed while saving; nothing was saved. Try again in a moment." }
    : { kind: "error", text: `Nothing was saved: ${problem.title.toLowerCase()}.` };
}

export function seeOther(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", ...headers } });
}

export function render(status: number, view: Child, options: { formActionOrigins?: readonly string[] } = {}): Response {
  return pageResponse(status, view, options);
}

/** The sign-in origins of these credentials: Authorize and Reconnect forms lead there. */
export function signInOrigins(credentials: readonly CredentialView[]): string[] {
  return credentials.map((credential) => new URL(credential.authEndpoint).origin);
}

export function notFoundPage(c: Context<AppEnv>, frame: AdminFrame): Response {
  return render(404, NotFoundView({ frame, path: c.req.path }));
}

/** The `:id` of the route, encoded for an API path. */
export function idParam(c: Context<AppEnv>): string {
  return encodeURIComponent(c.req.param("id") ?? "");
}
