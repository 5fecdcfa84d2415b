/**
 * The sign-in page and the overview.
 * @module
 */
import { AdminPage, NoticeBox, StatusBadge } from "./components.tsx";
import { Document } from "./document.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { AdminFrame, Notice } from "./components.tsx";

export function SignInPage(props: { next: string; notice: Notice | null }): Child {
  return (
    <Document title="Sign in">
      <main id="main" class="narrow">
        <h1>Sign in to edgepost</h1>
        {props.notice === null ? null : <NoticeBox notice={props.notice} />}
        <form method="post" action="/login">
          <input type="hidden" name="next" value={props.next} />
          <div class="field">
            <label for="token">Admin token</label>
            <input
              id="token"
              name="token"
              type="password"
              required
              autocomplete="current-password"
              aria-describedby="token-hint"
            />
            <p class="hint" id="token-hint">
              The <code>ADMIN_TOKEN</code> this Worker was deployed with.
            </p>
          </div>
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </main>
    </Document>
  );
}

export function OverviewPage(props: {
  frame: AdminFrame;
  credentials: CredentialView[];
  accounts: AccountView[];
  handlers: HandlerView[];
}): Child {
  const attention = [
    ...props.accounts
      .filter((account) => account.status !== "connected")
      .map((account) => ({
        href: "/accounts",
        label: `Account ${account.email ?? account.username}`,
        status: account.status,
      })),
    ...props.handlers
      .filter((handler) => handler.status === "error")
      .map((handler) => ({
        href: `/handlers/${handler.id}`,
        label: `Handler ${handler.name}`,
        status: handler.status,
      })),
  ];
  return (
    <AdminPage title="Overview" frame={props.frame}>
      <ul class="cards">
        <li>
          <a href="/credentials">
            <strong>{props.credentials.length}</strong> credentials
          </a>
        </li>
        <li>
          <a href="/accounts">
            <strong>{props.accounts.length}</strong> accounts
          </a>
        </li>
        <li>
          <a href="/handlers">
            <strong>{props.handlers.length}</strong> handlers
          </a>
        </li>
      </ul>
      <h2>Needs attention</h2>
      {attention.length === 0 ? (
        <p>Nothing: every account is connected and no handler reports an error.</p>
      ) : (
        <ul>
          {attention.map((item) => (
            <li>
              <a href={item.href}>{item.label}</a> <StatusBadge status={item.status} />
            </li>
          ))}
        </ul>
      )}
      {props.credentials.length === 0 ? (
        <p>
          Start by <a href="/credentials/new">entering the credentials of your Azure app</a>.
        </p>
      ) : null}
    </AdminPage>
  );
}

export function NotFoundView(props: { frame: AdminFrame; path: string }): Child {
  return (
    <AdminPage title="Not found" frame={props.frame}>
      <p>
        Nothing is at <code>{props.path}</code>; it may have been deleted. Go back to the <a href="/">overview</a>.
      </p>
    </AdminPage>
  );
}
