/**
 * Handler pages: the list, the form, and a handler's page with its status, counts, last error, push
 * (change notifications) with what to fix, Run now and the dead letters with Retry.
 * @module
 */
import { DEFAULT_MAX_ATTACHMENT_BYTES } from "../../core/handlers/handler.ts";
import {
  AdminPage,
  CheckboxField,
  Field,
  OtherErrors,
  PostButton,
  SelectField,
  StatusBadge,
  formatTime,
} from "./components.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { DeadLetter, HandlerView } from "../../core/handlers/handler.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { AdminFrame, Notice } from "./components.tsx";

export interface HandlerFormValues {
  name: string;
  accountId: string;
  mailbox: string;
  folder: string;
  onlyUnread: boolean;
  afterProcessing: string;
  moveToFolder: string;
  webhookUrl: string;
  pollIntervalMinutes: string;
  includeAttachments: boolean;
  maxAttachmentBytes: string;
  skipAutoReplies: boolean;
  enabled: boolean;
  push: string;
}

export const NEW_HANDLER: HandlerFormValues = {
  name: "",
  accountId: "",
  mailbox: "me",
  folder: "inbox",
  onlyUnread: true,
  afterProcessing: "markRead",
  moveToFolder: "",
  webhookUrl: "",
  pollIntervalMinutes: "1",
  includeAttachments: true,
  maxAttachmentBytes: String(DEFAULT_MAX_ATTACHMENT_BYTES),
  skipAutoReplies: true,
  enabled: true,
  push: "auto",
};

const FORM_FIELDS = [
  "name",
  "accountId",
  "mailbox",
  "folder",
  "afterProcessing",
  "moveToFolder",
  "webhookUrl",
  "webhookToken",
  "pollIntervalMinutes",
  "maxAttachmentBytes",
  "push",
];

export function HandlerListPage(props: { frame: AdminFrame; handlers: HandlerView[]; notice: Notice | null }): Child {
  return (
    <AdminPage title="Handlers" frame={props.frame} notice={props.notice}>
      <p>
        <a class="button primary" href="/handlers/new">
          New handler
        </a>
      </p>
      {props.handlers.length === 0 ? (
        <p>No handlers yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Mailbox and folder</th>
              <th scope="col">Status</th>
              <th scope="col">Push</th>
              <th scope="col">Delivered</th>
              <th scope="col">Pending</th>
              <th scope="col">Dead letters</th>
              <th scope="col">Last run</th>
            </tr>
          </thead>
          <tbody>
            {props.handlers.map((handler) => (
              <tr>
                <td>
                  <a href={`/handlers/${handler.id}`}>{handler.name}</a>
                </td>
                <td class="mono">
                  {handler.mailbox} / {handler.folder}
                </td>
                <td>
                  <StatusBadge status={handler.status} />
                </td>
                <td>
                  <StatusBadge status={handler.pushStatus.state} />
                </td>
                <td>{handler.counts.delivered}</td>
                <td>{handler.counts.pending}</td>
                <td>{handler.counts.deadLettered}</td>
                <td>{formatTime(handler.lastRunAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

export function HandlerFormPage(props: {
  frame: AdminFrame;
  values: HandlerFormValues;
  accounts: AccountView[];
  errors: readonly FieldIssue[];
  existing: HandlerView | null;
  notice: Notice | null;
}): Child {
  const { values, errors, existing } = props;
  const editing = existing !== null;
  return (
    <AdminPage
      title={editing ? `Edit ${existing?.name ?? ""}` : "New handler"}
      frame={props.frame}
      notice={props.notice}
    >
      <OtherErrors errors={errors} shown={FORM_FIELDS} />
      <form method="post" action={editing ? `/handlers/${existing?.id ?? ""}` : "/handlers"} novalidate>
        <input type="hidden" name="_csrf" value={props.frame.csrfToken} />
        <Field name="name" label="Name" value={values.name} required errors={errors} />
        <SelectField
          name="accountId"
          label="Account"
          value={values.accountId}
          options={[
            ["", "Choose an account"],
            ...props.accounts.map((account): [string, string] => [
              account.id,
              `${account.email ?? account.username} (${account.status})`,
            ]),
          ]}
          errors={errors}
        />
        <Field
          name="mailbox"
          label="Mailbox"
          value={values.mailbox}
          errors={errors}
          hint={'"me" for the account\'s own mailbox, or a shared mailbox address.'}
        />
        <Field
          name="folder"
          label="Folder"
          value={values.folder}
          errors={errors}
          hint="A well-known name (inbox), a folder id, or a path such as Inbox/Support."
        />
        <CheckboxField name="onlyUnread" label="Only unread mail" checked={values.onlyUnread} />
        <SelectField
          name="afterProcessing"
          label="After delivery"
          value={values.afterProcessing}
          options={[
            ["markRead", "Mark read"],
            ["move", "Move to a folder"],
            ["none", "Leave as is"],
          ]}
          errors={errors}
        />
        <Field
          name="moveToFolder"
          label="Move to folder"
          value={values.moveToFolder}
          errors={errors}
          hint='Only with "Move to a folder".'
        />
        <Field
          name="webhookUrl"
          label="Jira Automation webhook URL"
          type="url"
          value={values.webhookUrl}
          required
          errors={errors}
        />
        <Field
          name="webhookToken"
          label="Webhook secret"
          type="password"
          errors={errors}
          autocomplete="new-password"
          hint={
            editing
              ? existing?.webhookTokenSet === true
                ? "Stored. Leave empty to keep it."
                : "None stored."
              : "Sent as X-Automation-Webhook-Token."
          }
        />
        {editing && existing?.webhookTokenSet === true ? (
          <CheckboxField name="removeWebhookToken" label="Remove the stored secret" checked={false} />
        ) : null}
        <Field
          name="pollIntervalMinutes"
          label="Poll every (minutes)"
          type="number"
          value={values.pollIntervalMinutes}
          errors={errors}
        />
        <CheckboxField name="includeAttachments" label="Include attachments" checked={values.includeAttachments} />
        <Field
          name="maxAttachmentBytes"
          label="Attachment bytes per message"
          type="number"
          value={values.maxAttachmentBytes}
          errors={errors}
        />
        <CheckboxField
          name="skipAutoReplies"
          label="Skip automatic replies, delivery reports and bulk mail"
          checked={values.skipAutoReplies}
        />
        <SelectField
          name="push"
          label="Change notifications"
          value={values.push}
          options={[
            ["auto", "Push: Microsoft tells edgepost about new mail at once (polling stays on)"],
            ["off", "Off: poll only"],
          ]}
          errors={errors}
          hint="Needs PUBLIC_URL set to the Worker's https address; not offered for shared mailboxes."
        />
        <CheckboxField name="enabled" label="Enabled" checked={values.enabled} />
        <button type="submit" class="primary">
          {editing ? "Save" : "Create"}
        </button>{" "}
        <a href={editing ? `/handlers/${existing?.id ?? ""}` : "/handlers"}>Cancel</a>
      </form>
    </AdminPage>
  );
}

export function HandlerPage(props: {
  frame: AdminFrame;
  handler: HandlerView;
  deadLetters: DeadLetter[];
  notice: Notice | null;
}): Child {
  const { handler, frame } = props;
  return (
    <AdminPage title={handler.name} frame={frame} notice={props.notice}>
      <p>
        <StatusBadge status={handler.status} /> last run {formatTime(handler.lastRunAt)}, last success{" "}
        {formatTime(handler.lastSuccessAt)}
      </p>
      {handler.lastError === null ? null : (
        <div class="notice error" role="alert">
          <p>
            <strong>What to fix:</strong> {handler.lastError}
          </p>
        </div>
      )}
      <p>
        <PostButton action={`/handlers/${handler.id}/run`} csrfToken={frame.csrfToken} label="Run now" />{" "}
        <a class="button" href={`/handlers/${handler.id}/edit`}>
          Edit
        </a>{" "}
        <PostButton
          action={`/handlers/${handler.id}/delete`}
          csrfToken={frame.csrfToken}
          label="Delete"
          kind="danger"
        />
      </p>
      <h2>Counts</h2>
      <dl class="facts">
        <dt>Delivered</dt>
        <dd>{handler.counts.delivered}</dd>
        <dt>Skipped (auto-replies, bulk)</dt>
        <dd>{handler.counts.skipped}</dd>
        <dt>Waiting for a retry</dt>
        <dd>{handler.counts.pending}</dd>
        <dt>Dead letters</dt>
        <dd>{handler.counts.deadLettered}</dd>
      </dl>
      <PushSection handler={handler} />
      <h2>Settings</h2>
      <dl class="facts">
        <dt>Account</dt>
        <dd class="mono">{handler.accountId}</dd>
        <dt>Mailbox / folder</dt>
        <dd class="mono">
          {handler.mailbox} / {handler.folder}
        </dd>
        <dt>After delivery</dt>
        <dd>
          {handler.afterProcessing === "move" ? `move to ${handler.moveToFolder ?? ""}` : handler.afterProcessing}
        </dd>
        <dt>Webhook</dt>
        <dd class="mono">{handler.webhookUrl}</dd>
        <dt>Webhook secret</dt>
        <dd>{handler.webhookTokenSet ? "stored (encrypted, never shown)" : "none"}</dd>
        <dt>Polls every</dt>
        <dd>{handler.pollIntervalMinutes} min</dd>
      </dl>
      <h2>Dead letters</h2>
      {props.deadLetters.length === 0 ? (
        <p>None.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">From</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {props.deadLetters.map((letter) => (
              <tr>
                <td>{letter.subject}</td>
                <td class="mono">{letter.from ?? "—"}</td>
                <td>{letter.attempts}</td>
                <td>
                  {letter.lastError}
                  <br />
                  <span class="hint">{formatTime(letter.lastAttemptAt)}</span>
                </td>
                <td>
                  <PostButton
                    action={`/handlers/${handler.id}/dead-letters/retry`}
                    csrfToken={frame.csrfToken}
                    label="Retry"
                    hidden={{ messageId: letter.messageId }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

/** The handler's push: its state, the subscription's expiry, the last notification, and what to fix. */
function PushSection(props: { handler: HandlerView }): Child {
  const { pushStatus } = props.handler;
  return (
    <section aria-labelledby="push-heading">
      <h2 id="push-heading">Change notifications</h2>
      <dl class="facts">
        <dt>Push</dt>
        <dd>
          <StatusBadge status={pushStatus.state} />
          {props.handler.push === "off" ? " turned off for this handler: it polls" : null}
        </dd>
        <dt>Subscription expires</dt>
        <dd>{formatTime(pushStatus.expiresAt)}</dd>
        <dt>Last notification</dt>
        <dd>{formatTime(pushStatus.lastNotificationAt)}</dd>
      </dl>
      {pushStatus.reason === null ? null : pushStatus.state === "failed" ? (
        <div class="notice error" role="alert">
          <p>
            <strong>What to fix:</strong> {pushStatus.reason}
          </p>
        </div>
      ) : (
        <p class="hint">{pushStatus.reason}</p>
      )}
    </section>
  );
}
