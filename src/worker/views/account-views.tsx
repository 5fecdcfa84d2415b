/**
 * The accounts page: every connected mailbox with its status, what Microsoft said when it stopped
 * working (in plain words), and the actions that fix it.
 * @module
 */
import { explainCode } from "../../core/advice.ts";
import { AdminPage, PostButton, StatusBadge, formatTime } from "./components.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { AdminFrame, Notice } from "./components.tsx";

export function AccountListPage(props: { frame: AdminFrame; accounts: AccountView[]; notice: Notice | null }): Child {
  const { frame } = props;
  return (
    <AdminPage title="Accounts" frame={frame} notice={props.notice}>
      <p>
        Mailboxes authorized through a credential. To connect one, open a <a href="/credentials">credential</a> and
        press Authorize.
      </p>
      {props.accounts.length === 0 ? (
        <p>No accounts yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Mailbox</th>
              <th scope="col">Status</th>
              <th scope="col">Access token expires</th>
              <th scope="col">Last refresh</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.accounts.map((account) => (
              <tr id={account.id}>
                <td>
                  <strong>{account.displayName ?? account.username}</strong>
                  <br />
                  <span class="mono">{account.email ?? account.username}</span>
                </td>
                <td>
                  <StatusBadge status={account.status} />
                  <StatusDetails account={account} />
                </td>
                <td>{formatTime(account.accessTokenExpiresAt)}</td>
                <td>{formatTime(account.lastRefreshAt)}</td>
                <td class="actions">
                  <PostButton
                    action={`/accounts/${account.id}/check`}
                    csrfToken={frame.csrfToken}
                    label="Test connection"
                    kind="quiet"
                  />
                  <PostButton
                    action={`/accounts/${account.id}/reconnect`}
                    csrfToken={frame.csrfToken}
                    label="Reconnect"
                    kind={account.status === "connected" ? "quiet" : "primary"}
                  />
                  <PostButton
                    action={`/accounts/${account.id}/delete`}
                    csrfToken={frame.csrfToken}
                    label="Disconnect"
                    kind="danger"
                  />
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
    </AdminPage>
  );
}

function StatusDetails(props: { account: AccountView }): Child {
  const reason = props.account.statusReason ?? props.account.lastRefreshError;
  if (reason === null) {
    return null;
  }
  return (
    <div class="small">
      <code>{reason.code}</code> {explainCode(reason.code) ?? reason.message}
      <br />
      <span class="hint">since {formatTime(reason.at)}</span>
    </div>
  );
}
