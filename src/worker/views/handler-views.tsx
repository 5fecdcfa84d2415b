/**
 * Handler pages: the list, the form (with the account's mailboxes and folder tree to pick from), and a
 * handler's page: its status, what to fix and where, Run now, counts, push (change notifications) with
 * what to fix, settings and the dead letters with Retry and Retry all.
 * @module
 */
import { HANDLER_FORM } from "../admin/handler-form.ts";
import {
  AdminPage,
  CopyScript,
  CopyValue,
  ErrorSummary,
  PostButton,
  StatusBadge,
  formatTime,
  mailboxName,
} from "./components.tsx";
import { ConfirmPage } from "./confirm-views.tsx";
import { FormFields } from "./form-fields.tsx";
import { Activity } from "./handler-activity.tsx";
import { JiraRecipe } from "./jira-recipe.tsx";
import { CheckButtons } from "./check-views.tsx";
import { WhatToFix } from "./what-to-fix.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { ActivityItem, DeadLetter, HandlerView } from "../../core/handlers/handler.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { Choice, FormValues } from "../admin/form-spec.ts";
import type { AdminFrame, Notice } from "./components.tsx";
import type { Suggestion } from "./form-fields.tsx";

/** How a page names the mailbox a handler reads. */
function handlerMailbox(handler: HandlerView, accounts: readonly AccountView[]): string {
  if (handler.mailbox !== "me") {
    return handler.mailbox;
  }
  const account = accounts.find((candidate) => candidate.id === handler.accountId);
  return account === undefined ? "the account's mailbox" : mailboxName(account);
}

export function HandlerListPage(props: {
  frame: AdminFrame;
  handlers: HandlerView[];
  accounts: AccountView[];
  notice: Notice | null;
}): Child {
  return (
    <AdminPage title="Handlers" frame={props.frame} notice={props.notice}>
      <p>Each handler brings the new mail of one mailbox folder to a Jira Automation webhook.</p>
      <div class="actions">
        <a class="button primary" href="/handlers/new">
          New handler
        </a>
      </div>
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
              <th scope="col">Waiting for a retry</th>
              <th scope="col">Dead letters</th>
              <th scope="col">Last run</th>
            </tr>
          </thead>
          <tbody>
            {props.handlers.map((handler) => (
              <tr>
                <td data-label="Name">
                  <a href={`/handlers/${handler.id}`}>{handler.name}</a>
                </td>
                <td data-label="Mailbox and folder" class="mono">
                  {handlerMailbox(handler, props.accounts)} / {handler.folder}
                </td>
                <td data-label="Status">
                  <StatusBadge status={handler.status} />
                </td>
                <td data-label="Push">
                  <StatusBadge status={handler.pushStatus.state} />
                </td>
                <td data-label="Delivered">{handler.counts.delivered}</td>
                <td data-label="Waiting for a retry">{handler.counts.pending}</td>
                <td data-label="Dead letters">{handler.counts.deadLettered}</td>
                <td data-label="Last run">{formatTime(handler.lastRunAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}

/** What the folder fields offer: the chosen mailbox's folders, or why they could not be read. */
export interface FolderPicker {
  folders: readonly Suggestion[];
  /** Shown under the folder field: which mailbox the list is of, or why there is none. */
  note: string;
}

export function HandlerFormPage(props: {
  frame: AdminFrame;
  values: FormValues;
  accounts: AccountView[];
  mailboxes: readonly Suggestion[];
  picker: FolderPicker;
  errors: readonly FieldIssue[];
  existing: HandlerView | null;
  kept: Readonly<Record<string, string>>;
  notice: Notice | null;
}): Child {
  const { errors, existing } = props;
  const title = existing === null ? "New handler" : `Edit ${existing.name}`;
  if (props.accounts.length === 0) {
    return (
      <AdminPage title={title} frame={props.frame} notice={props.notice}>
        <div class="notice warn" role="status">
          <p>
            Connect a mailbox first: a handler reads the mail of a connected mailbox.{" "}
            <a href="/credentials">Open your credentials and press Authorize</a>.
          </p>
        </div>
      </AdminPage>
    );
  }
  return (
    <AdminPage title={title} frame={props.frame} notice={props.notice}>
      <ErrorSummary errors={errors} fields={Object.keys(HANDLER_FORM)} />
      <form method="post" action={existing === null ? "/handlers" : `/handlers/${existing.id}`} novalidate>
        <input type="hidden" name="_csrf" value={props.frame.csrfToken} />
        <FormFields
          spec={HANDLER_FORM}
          values={props.values}
          errors={errors}
          editing={existing !== null}
          choices={{
            accountId: props.accounts.map(
              (account): Choice => [
                account.id,
                `${mailboxName(account)}${account.status === "connected" ? "" : " (reconnect needed)"}`,
              ],
            ),
          }}
          suggestions={{ mailbox: props.mailboxes, folder: props.picker.folders, moveToFolder: props.picker.folders }}
          hints={{ folder: props.picker.note }}
          stored={new Set(existing?.webhookTokenSet === true ? ["webhookToken"] : [])}
          kept={props.kept}
          after={{
            folder: (
              <p>
                <button type="submit" name="_action" value="folders" formnovalidate>
                  Show this mailbox's folders
                </button>
              </p>
            ),
          }}
        />
        <div class="actions">
          <button type="submit" class="primary">
            {existing === null ? "Create" : "Save"}
          </button>
          <a href={existing === null ? "/handlers" : `/handlers/${existing.id}`}>Cancel</a>
        </div>
      </form>
    </AdminPage>
  );
}

export function HandlerPage(props: {
  frame: AdminFrame;
  handler: HandlerView;
  account: AccountView | null;
  deadLetters: DeadLetter[];
  /** What happened to the latest messages, newest first (`GET /api/handlers/{id}/activity`). */
  activity: ActivityItem[];
  /** After a change of settings: offer to retry the dead letters with the new ones. */
  offerRetryAll: boolean;
  notice: Notice | null;
}): Child {
  const { handler, frame } = props;
  const accounts = props.account === null ? [] : [props.account];
  return (
    <AdminPage title={handler.name} frame={frame} notice={props.notice}>
      {props.offerRetryAll && props.deadLetters.length > 0 ? (
        <div class="notice warn" role="status">
          <p>
            {props.deadLetters.length} message{props.deadLetters.length === 1 ? "" : "s"} failed with the settings
            before this change. Retry {props.deadLetters.length === 1 ? "it" : "them"} with the new ones?
          </p>
          <PostButton
            action={`/handlers/${handler.id}/dead-letters/retry-all`}
            csrfToken={frame.csrfToken}
            label="Retry all"
          />
        </div>
      ) : null}
      <p>
        <StatusBadge status={handler.status} /> last run {formatTime(handler.lastRunAt)}, last success{" "}
        {formatTime(handler.lastSuccessAt)}
      </p>
      <WhatToFix
        handler={handler}
        account={props.account}
        deadLetters={props.deadLetters}
        csrfToken={frame.csrfToken}
      />
      <div class="actions">
        <PostButton action={`/handlers/${handler.id}/run`} csrfToken={frame.csrfToken} label="Run now" />
        <CheckButtons handler={handler} csrfToken={frame.csrfToken} />
        <a class="button" href={`/handlers/${handler.id}/edit`}>
          Edit
        </a>
        <a class="button" href={`/handlers/${handler.id}/delete`}>
          Delete
        </a>
      </div>
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
      <h2>Dead letters</h2>
      <DeadLetters handler={handler} letters={props.deadLetters} csrfToken={frame.csrfToken} />
      <h2>Recent activity</h2>
      <Activity items={props.activity} />
      <h2>Settings</h2>
      <dl class="facts">
        <dt>Account</dt>
        <dd>
          {props.account === null ? (
            "no longer connected"
          ) : (
            <a href={`/accounts#${props.account.id}`}>{mailboxName(props.account)}</a>
          )}
        </dd>
        <dt>Mailbox / folder</dt>
        <dd class="mono">
          {handlerMailbox(handler, accounts)} / {handler.folder}
        </dd>
        <dt>After delivery</dt>
        <dd>
          {handler.afterProcessing === "move"
            ? `move to ${handler.moveToFolder ?? ""}`
            : handler.afterProcessing === "markRead"
              ? "mark read"
              : "leave as is"}
        </dd>
        <dt>Webhook</dt>
        <dd class="mono">{handler.webhookUrl}</dd>
        <dt>Webhook secret</dt>
        <dd>{handler.webhookTokenSet ? "stored (encrypted, never shown)" : "none"}</dd>
        <dt>Polls every</dt>
        <dd>{handler.pollIntervalMinutes} min</dd>
        <dt>ID (for scripts)</dt>
        <dd>
          <CopyValue id="handler-id" value={handler.id} label="the handler's id" />
        </dd>
      </dl>
      <JiraRecipe />
      <CopyScript />
    </AdminPage>
  );
}

function DeadLetters(props: { handler: HandlerView; letters: DeadLetter[]; csrfToken: string }): Child {
  const { handler, letters, csrfToken } = props;
  if (letters.length === 0) {
    return <p>None.</p>;
  }
  return (
    <>
      <div class="actions">
        <PostButton action={`/handlers/${handler.id}/dead-letters/retry-all`} csrfToken={csrfToken} label="Retry all" />
      </div>
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
          {letters.map((letter) => (
            <tr>
              <td data-label="Subject">{letter.subject}</td>
              <td data-label="From" class="mono">
                {letter.from ?? "—"}
              </td>
              <td data-label="Attempts">{letter.attempts}</td>
              <td data-label="Last error">
                {letter.lastError}
                <br />
                <span class="hint">{formatTime(letter.lastAttemptAt)}</span>
              </td>
              <td data-label="Action">
                <PostButton
                  action={`/handlers/${handler.id}/dead-letters/retry`}
                  csrfToken={csrfToken}
                  label="Retry"
                  hidden={{ messageId: letter.messageId }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function HandlerDeletePage(props: { frame: AdminFrame; handler: HandlerView }): Child {
  const { handler } = props;
  return (
    <ConfirmPage
      frame={props.frame}
      title={`Delete ${handler.name}?`}
      consequences={
        <p>
          edgepost stops reading {handler.mailbox === "me" ? "the mailbox" : handler.mailbox} / {handler.folder} for
          this handler and forgets its deliveries, its {handler.counts.pending} waiting retries and its{" "}
          {handler.counts.deadLettered} dead letters. The mail stays in the mailbox.
        </p>
      }
      action={`/handlers/${handler.id}/delete`}
      confirmLabel="Delete the handler"
      cancelHref={`/handlers/${handler.id}`}
    />
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
