/**
 * The overview at `/`, signing in with ADMIN_TOKEN and signing out.
 * @module
 */
import { Hono } from "hono";
import { constantTimeEqual } from "../../core/crypto/constant-time.ts";
import { OverviewPage, SignInPage } from "../views/home-views.tsx";
import { currentSession, forbidden, fromOwnPages, readForm, wrongTokenAtSignIn } from "./guard.ts";
import { attentionLines, heldConditions } from "./attention.ts";
import { fetchApi } from "./internal-api.ts";
import { action, frameOf, render, seeOther } from "./page-actions.ts";
import { createSession, revokeSession, SESSION_LIFETIME_SECONDS, sessionCookie } from "./session.ts";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { AppEnv } from "../http/context.ts";

export const homePages = new Hono<AppEnv>();

homePages.get("/", async (c) => {
  const session = await currentSession(c);
  if (session === null) {
    return render(200, SignInPage({ next: "/", notice: null }));
  }
  const [credentials, accounts, handlers, held] = await Promise.all([
    fetchApi<{ items: CredentialView[] }>(c, "/credentials"),
    fetchApi<{ items: AccountView[] }>(c, "/accounts"),
    fetchApi<{ items: HandlerView[] }>(c, "/handlers"),
    heldConditions(c),
  ]);
  return render(
    200,
    OverviewPage({
      frame: frameOf(session, "overview", attentionLines(held)),
      credentials: credentials?.items ?? [],
      accounts: accounts?.items ?? [],
      handlers: handlers?.items ?? [],
    }),
  );
});

homePages.post("/login", async (c) => {
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

homePages.post(
  "/logout",
  action("overview", async (c, _frame, _form, session) => {
    await revokeSession(c.env, session);
    return seeOther("/", { "set-cookie": sessionCookie("", { maxAgeSeconds: 0 }) });
  }),
);
