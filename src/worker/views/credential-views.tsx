/**
 * Credential pages: the list, the form (the seed's fields in the seed's order), and a credential's page
 * with the Redirect URI to copy into Azure and the Authorize button.
 * @module
 */
import { DEFAULT_SCOPES } from "../../core/credentials/scopes.ts";
import { AdminPage, Field, OtherErrors, PostButton, SelectField, formatTime } from "./components.tsx";
import type { Child } from "hono/jsx";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { AdminFrame, Notice } from "./components.tsx";

export interface CredentialFormValues {
  name: string;
  provider: string;
  grantType: string;
  clientId: string;
  authEndpoint: string;
  tokenEndpoint: string;
  scopes: string;
}

export const NEW_CREDENTIAL: CredentialFormValues = {
  name: "",
  provider: "microsoft",
  grantType: "authorization_code",
  clientId: "",
  authEndpoint: "",
  tokenEndpoint: "",
  scopes: DEFAULT_SCOPES.join(" "),
};

const FORM_FIELDS = [
  "name",
  "provider",
  "grantType",
  "clientId",
  "clientSecret",
  "authEndpoint",
  "tokenEndpoint",
  "scopes",
];

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
  values: CredentialFormValues;
  errors: readonly FieldIssue[];
  existing: CredentialView | null;
  notice: Notice | null;
}): Child {
  const editing = props.existing !== null;
  return (
    <AdminPage
      title={editing ? `Edit ${props.existing?.name ?? ""}` : "New credentials"}
      frame={props.frame}
      notice={props.notice}
    >
      <OtherErrors errors={props.errors} shown={FORM_FIELDS} />
      <form method="post" action={editing ? `/credentials/${props.existing?.id ?? ""}` : "/credentials"} novalidate>
        <input type="hidden" name="_csrf" value={props.frame.csrfToken} />
        <Field
          name="name"
          label="Name"
          value={props.values.name}
          required
          errors={props.errors}
          hint="A name you will recognise, e.g. the Azure app's name."
        />
        <SelectField
          name="provider"
          label="OAuth2 Service Provider"
          value={props.values.provider}
          options={[["microsoft", "Microsoft 365"]]}
          errors={props.errors}
        />
        <SelectField
          name="grantType"
          label="Grant type"
          value={props.values.grantType}
          options={[["authorization_code", "Auth code (delegated)"]]}
          errors={props.errors}
        />
        <Field
          name="clientId"
          label="Client ID"
          value={props.values.clientId}
          required
          errors={props.errors}
          hint="The Application (client) ID on the app's Overview in Azure."
        />
        <Field
          name="clientSecret"
          label="Client Secret"
          type="password"
          required={!editing}
          errors={props.errors}
          autocomplete="new-password"
          hint={
            editing
              ? "Leave empty to keep the stored secret. edgepost never shows it."
              : "The secret's Value (not its Secret ID) from Certificates & secrets."
          }
        />
        <Field
          name="authEndpoint"
          label="Auth Endpoint URL"
          type="url"
          value={props.values.authEndpoint}
          required
          errors={props.errors}
          hint="Endpoints → OAuth 2.0 authorization endpoint (v2)."
        />
        <Field
          name="tokenEndpoint"
          label="Token Endpoint URL"
          type="url"
          value={props.values.tokenEndpoint}
          required
          errors={props.errors}
          hint="Endpoints → OAuth 2.0 token endpoint (v2)."
        />
        <Field
          name="scopes"
          label="Scopes"
          value={props.values.scopes}
          errors={props.errors}
          hint="Space-separated; must include offline_access."
        />
        <button type="submit" class="primary">
          {editing ? "Save" : "Create"}
        </button>{" "}
        <a href={editing ? `/credentials/${props.existing?.id ?? ""}` : "/credentials"}>Cancel</a>
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
