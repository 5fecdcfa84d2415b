/**
 * Credential pages: the list, the form (the seed's fields in the seed's order), and a credential's page
 * with the Redirect URI to copy into Azure and the Authorize button.
 * @module
 */
import { CREDENTIAL_FORM } from "../admin/credential-form.ts";
import { AdminPage, OtherErrors, PostButton, formatTime } from "./components.tsx";
import { FormFields } from "./form-fields.tsx";
import type { Child } from "hono/jsx";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { FormValues } from "../admin/form-spec.ts";
import type { AdminFrame, Notice } from "./components.tsx";

export function CredentialListPage(props: {
  frame: AdminFrame;
  credentials: CredentialView[];
  notice: Notice | null;
}): Child {
  return (
    <AdminPage title="Credentials" frame={props.frame} notice={props.notice}>
      <p>
        <a class="button primary" href="/credentials/new">
          New credentials
        </a>
      </p>
      {props.credentials.length === 0 ? (
        <p>No credentials yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Client ID</th>
              <th scope="col">Token endpoint</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {props.credentials.map((credential) => (
              <tr>
                <td>
                  <a href={`/credentials/${credential.id}`}>{credential.name}</a>
                </td>
                <td class="mono">{credential.clientId}</td>
                <td class="mono">{credential.tokenEndpoint}</td>
                <td>{formatTime(credential.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

export function CredentialFormPage(props: {
  frame: AdminFrame;
  values: FormValues;
  errors: readonly FieldIssue[];
  existing: CredentialView | null;
  notice: Notice | null;
}): Child {
  const { existing } = props;
  return (
    <AdminPage
      title={existing === null ? "New credentials" : `Edit ${existing.name}`}
      frame={props.frame}
      notice={props.notice}
    >
      <OtherErrors errors={props.errors} shown={Object.keys(CREDENTIAL_FORM)} />
      <form method="post" action={existing === null ? "/credentials" : `/credentials/${existing.id}`} novalidate>
        <input type="hidden" name="_csrf" value={props.frame.csrfToken} />
        <FormFields spec={CREDENTIAL_FORM} values={props.values} errors={props.errors} editing={existing !== null} />
        <button type="submit" class="primary">
          {existing === null ? "Create" : "Save"}
        </button>{" "}
        <a href={existing === null ? "/credentials" : `/credentials/${existing.id}`}>Cancel</a>
      </form>
    </AdminPage>
  );
}

export function CredentialPage(props: { frame: AdminFrame; credential: CredentialView; notice: Notice | null }): Child {
  const { credential, frame } = props;
  return (
    <AdminPage title={credential.name} frame={frame} notice={props.notice}>
      <h2>Redirect URI</h2>
      <p>Copy it into the Azure app registration (Authentication → Web → Redirect URIs):</p>
      <p class="copy-row">
        <code id="redirect-uri">{credential.redirectUri}</code>{" "}
        <button type="button" class="quiet" data-copy="redirect-uri" hidden>
          Copy
        </button>
      </p>
      <p id="redirect-uri-status" role="status" class="hint"></p>
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
      <h2>Details</h2>
      <dl class="facts">
        <dt>Client ID</dt>
        <dd class="mono">{credential.clientId}</dd>
        <dt>Client secret</dt>
        <dd>stored (encrypted, never shown)</dd>
        <dt>Auth endpoint</dt>
        <dd class="mono">{credential.authEndpoint}</dd>
        <dt>Token endpoint</dt>
        <dd class="mono">{credential.tokenEndpoint}</dd>
        <dt>Scopes</dt>
        <dd class="mono">{credential.scopes.join(" ")}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(credential.updatedAt)}</dd>
      </dl>
      <p>
        <a class="button" href={`/credentials/${credential.id}/edit`}>
          Edit
        </a>{" "}
        <PostButton
          action={`/credentials/${credential.id}/delete`}
          csrfToken={frame.csrfToken}
          label="Delete"
          kind="danger"
        />
      </p>
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
      <script src="/assets/copy.js" defer></script>
    </AdminPage>
  );
}
