/**
 * The accounts page: every connected mailbox by name, its status and what Microsoft said when it
 * stopped working (in plain words, Microsoft's own text behind "Details"), the actions that fix it,
 * and its id with a Copy button for scripts.
 * @module
 */
import { explainCode } from "../../core/advice.ts";
import {
  AdminPage,
  CopyScript,
  CopyValue,
  Details,
  PostButton,
  StatusBadge,
  formatTime,
  mailboxName,
} from "./components.tsx";
import { ConfirmPage } from "./confirm-views.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { AdminFrame, Notice } from "./components.tsx";

export function AccountListPage(props: {
  frame: AdminFrame;
  accounts: AccountView[];
  credentials: CredentialView[];
  notice: Notice | null;
}): Child {
  const { frame } = props;
  const credentialName = (id: string): string =>
    props.credentials.find((credential) => credential.id === id)?.name ?? id;
  return (
    <AdminPage title="Accounts" frame={frame} notice={props.notice}>
      <p>
        Mailboxes authorized through a credential. To connect one, open a <a href="/credentials">credential</a> and
        press Authorize.
      </p>
      {props.accounts.length === 0 ? (
        <p>No mailbox is connected yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Mailbox</th>
              <th scope="col">Status</th>
              <th scope="col">Access token expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.accounts.map((account) => (
              <tr id={account.id}>
                <td data-label="Mailbox">
                  <strong>{account.displayName ?? mailboxName(account)}</strong>
                  <br />
                  <span class="mono">{mailboxName(account)}</span>
                  <div class="small">
                    through <a href={`/credentials/${account.credentialId}`}>{credentialName(account.credentialId)}</a>
                  </div>
                  <div class="small">
                    ID{" "}
                    <CopyValue id={`id-${account.id}`} value={account.id} label={`the id of ${mailboxName(account)}`} />
                  </div>
                </td>
                <td data-label="Status">
                  <StatusBadge status={account.status} />
                  <StatusDetails account={account} />
                </td>
                <td data-label="Access token expires">
                  {formatTime(account.accessTokenExpiresAt)}
                  <div class="small hint">last refresh {formatTime(account.lastRefreshAt)}</div>
                </td>
                <td data-label="Actions">
                  <div class="actions">
                    <PostButton
                      action={`/accounts/${account.id}/check`}
                      csrfToken={frame.csrfToken}
                      label="Test connection"
                    />
                    <PostButton
                      action={`/accounts/${account.id}/reconnect`}
                      csrfToken={frame.csrfToken}
                      label="Reconnect"
                    />
                    <a class="button" href={`/accounts/${account.id}/delete`}>
                      Disconnect
                    </a>
                    <a class="button" href={`/handlers/new?account=${encodeURIComponent(account.id)}`}>
                      New handler
                    </a>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>When a user removes consent</h2>
      <p>
        A user can withdraw edgepost's access at <a href="https://myapps.microsoft.com/">myapps.microsoft.com</a>. The
        access token already issued keeps working until it expires (about an hour); the next refresh is refused, and the
        account turns <StatusBadge status="reauth_required" /> with Microsoft's code. edgepost then stops using it.
        Reconnect signs the user in again and keeps the account and its handlers.
      </p>
      <CopyScript />
    </AdminPage>
  );
}

/** Why the account needs attention: our words first, Microsoft's code and text behind "Details". */
function StatusDetails(props: { account: AccountView }): Child {
  const reason = props.account.statusReason ?? props.account.lastRefreshError;
  if (reason === null) {
    return null;
  }
  const words =
    explainCode(reason.code) ??
    (props.account.status === "reauth_required"
      ? "Microsoft refused the sign-in. Reconnect the mailbox."
      : "Microsoft refused the last token refresh.");
  return (
    <div class="small">
      <p>{words}</p>
      <Details
        text={`${reason.code}: ${reason.message}`}
        summary={`Details (${reason.code}, since ${formatTime(reason.at)})`}
      />
    </div>
  );
}

export function AccountDisconnectPage(props: {
  frame: AdminFrame;
  account: AccountView;
  handlers: HandlerView[];
}): Child {
  const { account, handlers } = props;
  return (
    <ConfirmPage
      frame={props.frame}
      title={`Disconnect ${mailboxName(account)}?`}
      consequences={
        <p>
          edgepost erases the mailbox's tokens and stops using it. The user's consent in Microsoft stays until they
          remove it at myapps.microsoft.com; to use the mailbox again, authorize it again.
        </p>
      }
      action={`/accounts/${account.id}/delete`}
      confirmLabel="Disconnect"
      cancelHref={`/accounts#${account.id}`}
      blockedBy={
        handlers.length === 0 ? undefined : (
          <>
            <p>These handlers read this mailbox; delete them first:</p>
            <ul>
              {handlers.map((handler) => (
                <li>
                  <a href={`/handlers/${handler.id}`}>{handler.name}</a>
                </li>
              ))}
            </ul>
          </>
        )
      }
    />
  );
}
