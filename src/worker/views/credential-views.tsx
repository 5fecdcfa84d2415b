/**
 * Credential pages: the list, the form (the seed's fields in the seed's order, the Redirect URI to copy
 * before saving, and a shortcut that fills the two endpoint URLs from a tenant id), and a credential's
 * page with the Redirect URI, Authorize, the mailboxes connected through it, Edit and Delete.
 * @module
 */
import { CREDENTIAL_FORM } from "../admin/credential-form.ts";
import {
  AdminPage,
  CopyScript,
  CopyValue,
  ErrorSummary,
  Field,
  SelectField,
  formatTime,
  mailboxName,
} from "./components.tsx";
import { ConfirmPage } from "./confirm-views.tsx";
import { FormFields } from "./form-fields.tsx";
import { adviceText, NEW_CLIENT_SECRET_STEPS } from "../../core/advice.ts";
import { secretExpiryAdvice } from "../../core/alerts/alert-advice.ts";
import { daysLeft, secretExpiryLevel } from "../../core/alerts/alert-rules.ts";
import { expiryDay, secretExpiryMs } from "../../core/credentials/secret-expiry.ts";
import { APP_REGISTRATIONS_URL } from "./what-to-fix.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { FormValues } from "../admin/form-spec.ts";
import type { AdminFrame, Notice } from "./components.tsx";

export function CredentialListPage(props: {
  frame: AdminFrame;
  credentials: CredentialView[];
  accounts: AccountView[];
  notice: Notice | null;
}): Child {
  return (
    <AdminPage title="Credentials" frame={props.frame} notice={props.notice}>
      <p>The Azure app registrations edgepost signs mailboxes in with.</p>
      <div class="actions">
        <a class="button primary" href="/credentials/new">
          New credentials
        </a>
      </div>
      {props.credentials.length === 0 ? (
        <p>No credentials yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Client ID</th>
              <th scope="col">Mailboxes</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {props.credentials.map((credential) => (
              <tr>
                <td data-label="Name">
                  <a href={`/credentials/${credential.id}`}>{credential.name}</a>
                </td>
                <td data-label="Client ID" class="mono">
                  {credential.clientId}
                </td>
                <td data-label="Mailboxes">
                  {props.accounts.filter((account) => account.credentialId === credential.id).length}
                </td>
                <td data-label="Updated">{formatTime(credential.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

/** What the tenant shortcut shows: the tenant typed, the sign-in hosts to choose from. */
export interface TenantShortcut {
  tenant: string;
  host: string;
  hosts: readonly string[];
}

export function CredentialFormPage(props: {
  frame: AdminFrame;
  values: FormValues;
  errors: readonly FieldIssue[];
  existing: CredentialView | null;
  redirectUri: string;
  shortcut: TenantShortcut;
  kept: Readonly<Record<string, string>>;
  notice: Notice | null;
}): Child {
  const { existing, shortcut } = props;
  return (
    <AdminPage
      title={existing === null ? "New credentials" : `Edit ${existing.name}`}
      frame={props.frame}
      notice={props.notice}
    >
      <ErrorSummary errors={props.errors} fields={[...Object.keys(CREDENTIAL_FORM), "tenant"]} />
      {existing === null ? (
        <>
          <h2>First, the Redirect URI</h2>
          <p>In Azure, add it to the app registration under Authentication → Add a platform → Web → Redirect URIs:</p>
          <p>
            <CopyValue id="redirect-uri" value={props.redirectUri} label="the Redirect URI" />
          </p>
          <h2>Then the app's credentials</h2>
        </>
      ) : null}
      <form method="post" action={existing === null ? "/credentials" : `/credentials/${existing.id}`} novalidate>
        <input type="hidden" name="_csrf" value={props.frame.csrfToken} />
        <FormFields
          spec={CREDENTIAL_FORM}
          values={props.values}
          errors={props.errors}
          editing={existing !== null}
          kept={props.kept}
        />
        <fieldset>
          <legend>Shortcut: fill in both endpoint URLs</legend>
          <Field
            name="tenant"
            label="Directory (tenant) ID"
            value={shortcut.tenant}
            errors={props.errors}
            hint="On the app's Overview in Azure; a domain such as contoso.onmicrosoft.com works too. The URLs stay editable."
          />
          {shortcut.hosts.length > 1 ? (
            <SelectField
              name="tenantHost"
              label="Microsoft cloud"
              value={shortcut.host}
              options={shortcut.hosts.map((host) => [host, host])}
              errors={props.errors}
            />
          ) : (
            <input type="hidden" name="tenantHost" value={shortcut.host} />
          )}
          <button type="submit" name="_action" value="fill-endpoints" formnovalidate>
            Fill in the endpoints
          </button>
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary">
            {existing === null ? "Create" : "Save"}
          </button>
          <a href={existing === null ? "/credentials" : `/credentials/${existing.id}`}>Cancel</a>
        </div>
      </form>
      {existing === null ? <CopyScript /> : null}
    </AdminPage>
  );
}

export function CredentialPage(props: {
  frame: AdminFrame;
  credential: CredentialView;
  accounts: AccountView[];
  notice: Notice | null;
}): Child {
  const { credential, frame } = props;
  return (
    <AdminPage title={credential.name} frame={frame} notice={props.notice}>
      <SecretNotice credential={credential} frame={frame} />
      <h2>Redirect URI</h2>
      <p>Copy it into the Azure app registration (Authentication → Web → Redirect URIs):</p>
      <p>
        <CopyValue id="redirect-uri" value={credential.redirectUri} label="the Redirect URI" />
      </p>
      <h2>Authorize a mailbox</h2>
      <form method="post" action={`/credentials/${credential.id}/authorize`}>
        <input type="hidden" name="_csrf" value={frame.csrfToken} />
        <div class="field">
          <label for="loginHint">Mailbox user (optional)</label>
          <input id="loginHint" name="loginHint" type="email" autocomplete="off" aria-describedby="loginHint-hint" />
          <p class="hint" id="loginHint-hint">
            Pre-fills Microsoft's sign-in with this user.
          </p>
        </div>
        <button type="submit" class="primary">
          Authorize
        </button>
      </form>
      <h2>Mailboxes connected through these credentials</h2>
      {props.accounts.length === 0 ? (
        <p>None yet: press Authorize and sign in as the mailbox's user.</p>
      ) : (
        <ul>
          {props.accounts.map((account) => (
            <li>
              <a href={`/accounts#${account.id}`}>{mailboxName(account)}</a>
            </li>
          ))}
        </ul>
      )}
      <h2>Details</h2>
      <dl class="facts">
        <dt>Client ID</dt>
        <dd class="mono">{credential.clientId}</dd>
        <dt>Client secret</dt>
        <dd>stored (encrypted, never shown)</dd>
        <dt>Client secret expires</dt>
        <dd>{secretExpiryText(credential.clientSecretExpiresAt)}</dd>
        <dt>Auth endpoint</dt>
        <dd class="mono">{credential.authEndpoint}</dd>
        <dt>Token endpoint</dt>
        <dd class="mono">{credential.tokenEndpoint}</dd>
        <dt>Scopes</dt>
        <dd class="mono">{credential.scopes.join(" ")}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(credential.updatedAt)}</dd>
        <dt>ID (for scripts)</dt>
        <dd>
          <CopyValue id="credential-id" value={credential.id} label="the credential's id" />
        </dd>
      </dl>
      <div class="actions">
        <a class="button" href={`/credentials/${credential.id}/edit`}>
          Edit
        </a>
        <a class="button" href={`/credentials/${credential.id}/delete`}>
          Delete
        </a>
      </div>
      <h2>In Azure, in short</h2>
      <ol>
        <li>App registrations → New registration; platform Web, the Redirect URI above.</li>
        <li>
          API permissions → Microsoft Graph → Delegated: offline_access, openid, User.Read, Mail.ReadWrite,
          Mail.ReadWrite.Shared, Mail.Send, Mail.Send.Shared.
        </li>
        <li>Certificates & secrets → New client secret; paste its Value here (note when it expires).</li>
        <li>Endpoints → copy the two v2.0 URLs here.</li>
      </ol>
      <CopyScript />
    </AdminPage>
  );
}

export function CredentialDeletePage(props: {
  frame: AdminFrame;
  credential: CredentialView;
  accounts: AccountView[];
}): Child {
  const { credential, accounts } = props;
  return (
    <ConfirmPage
      frame={props.frame}
      title={`Delete ${credential.name}?`}
      consequences={
        <p>
          The client ID, secret and endpoints are erased from edgepost. The app registration in Azure stays as it is.
        </p>
      }
      action={`/credentials/${credential.id}/delete`}
      confirmLabel="Delete the credentials"
      cancelHref={`/credentials/${credential.id}`}
      blockedBy={
        accounts.length === 0 ? undefined : (
          <p>
            {accounts.length} mailbox{accounts.length === 1 ? " is" : "es are"} still connected through these
            credentials: <a href="/accounts">disconnect {accounts.length === 1 ? "it" : "them"}</a> first.
          </p>
        )
      }
    />
  );
}

/** The expiry date and the days left, or how to be warned when no date was entered. */
function secretExpiryText(expiresAt: string | null): string {
  const ms = expiresAt === null ? null : secretExpiryMs(expiresAt);
  if (expiresAt === null || ms === null) {
    return "not entered: add the secret's Expires date (Edit) to be warned 30, 7 and 1 days before";
  }
  const days = daysLeft(ms, Date.now());
  const left = days < 0 ? "expired" : days === 0 ? "expires today" : `${days} day${days === 1 ? "" : "s"} left`;
  return `${expiryDay(expiresAt)} (${left})`;
}

/**
 * A refused secret (Microsoft said so when a mailbox refreshed its token), or one within 30 days of its
 * expiry: what is wrong, the steps to a new secret in the Azure portal, and the way to paste it here.
 */
function SecretNotice(props: { credential: CredentialView; frame: AdminFrame }): Child {
  const { credential } = props;
  const refused = props.frame.attention.find(
    (line) => line.subjectId === credential.id && line.condition === "credential.secret_rejected",
  );
  const ms = credential.clientSecretExpiresAt === null ? null : secretExpiryMs(credential.clientSecretExpiresAt);
  const now = Date.now();
  const days = ms === null ? null : daysLeft(ms, now);
  const advice =
    refused !== undefined
      ? { problem: refused.detail, kind: "error" as const }
      : ms !== null && days !== null && secretExpiryLevel(ms, now) !== null && credential.clientSecretExpiresAt !== null
        ? {
            problem: secretExpiryAdvice({
              credential: credential.name,
              expiresOn: expiryDay(credential.clientSecretExpiresAt),
              daysLeft: days,
            }).problem,
            kind: days <= 1 ? ("error" as const) : ("warn" as const),
          }
        : null;
  if (advice === null) {
    return null;
  }
  return (
    <div class={`notice ${advice.kind}`} role={advice.kind === "error" ? "alert" : "status"} id="secret-notice">
      <p>{adviceText({ problem: advice.problem, fix: null, where: null, transient: false })}</p>
      <p>{NEW_CLIENT_SECRET_STEPS}</p>
      <p>
        <a class="button" href={APP_REGISTRATIONS_URL}>
          Open App registrations
        </a>{" "}
        <a class="button primary" href={`/credentials/${credential.id}/edit`}>
          Paste the new secret
        </a>
      </p>
    </div>
  );
}
