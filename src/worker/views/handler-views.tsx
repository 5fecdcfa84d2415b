/**
 * Handler pages: the list, the form (with the account's mailboxes and folder tree to pick from), and a
 * handler's page: its status, what to fix and where, Run now, counts, settings and the dead letters
 * with Retry and Retry all.
 * @module
 */
import { adviceText, explainCode, webhookRefusalAdvice } from "../../core/advice.ts";
import { webhookStatusOf } from "../../core/jira/webhook-client.ts";
import { HANDLER_FORM } from "../admin/handler-form.ts";
import {
  AdminPage,
  CopyScript,
  CopyValue,
  Details,
  ErrorSummary,
  PostButton,
  StatusBadge,
  formatTime,
  mailboxName,
} from "./components.tsx";
import { ConfirmPage } from "./confirm-views.tsx";
import { FormFields } from "./form-fields.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { ActivityItem, DeadLetter, HandlerView } from "../../core/handlers/handler.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { Choice, FormValues } from "../admin/form-spec.ts";
import type { AdminFrame, Notice } from "./components.tsx";
import type { Suggestion } from "./form-fields.tsx";

/** Where the Exchange admin center manages mailbox permissions (Full Access, Send As). */
const EXCHANGE_ADMIN_URL = "https://admin.exchange.microsoft.com/#/mailboxes";
/** Where Microsoft Entra lists app registrations (API permissions, secrets). */
const APP_REGISTRATIONS_URL = "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade";

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

/** How each outcome reads, and its badge. */
const OUTCOME_LOOK: Readonly<Record<ActivityItem["outcome"], { label: string; tone: string }>> = {
  delivered: { label: "delivered", tone: "ok" },
  skipped: { label: "skipped", tone: "muted" },
  pending: { label: "waiting for a retry", tone: "info" },
  dead: { label: "dead letter", tone: "bad" },
};

/** Why a message was skipped, in words: the handler's skip rules (`skipRules`) and duplicates. */
const SKIP_WORDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(HANDLER_FORM.skipRules.options),
  duplicate: "The same mail arrived twice; the first was delivered",
};

function Activity(props: { items: ActivityItem[] }): Child {
  if (props.items.length === 0) {
    return <p>Nothing yet: no mail has reached this handler.</p>;
  }
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Message</th>
          <th scope="col">Received</th>
          <th scope="col">Outcome</th>
          <th scope="col">Jira's answer</th>
          <th scope="col">When</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => {
          const look = OUTCOME_LOOK[item.outcome] ?? { label: item.outcome, tone: "muted" };
          return (
            <tr>
              <td data-label="Message">
                {item.subject}
                <div class="small mono">{item.from ?? "—"}</div>
              </td>
              <td data-label="Received">{formatTime(item.receivedAt)}</td>
              <td data-label="Outcome">
                <span class={`badge ${look.tone}`}>{look.label}</span>
                {item.reason === null ? null : <div class="small">{SKIP_WORDS[item.reason] ?? item.reason}</div>}
              </td>
              <td data-label="Jira's answer">
                {item.lastStatus === null ? "—" : item.lastStatus === 0 ? "no answer" : `HTTP ${item.lastStatus}`}
                {item.attempts > 1 ? <div class="small hint">{item.attempts} attempts</div> : null}
              </td>
              <td data-label="When">{formatTime(item.at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * A ready Jira Automation rule for this handler's webhook: the trigger, and the smart values that read
 * the payload edgepost posts (see "The webhook request" in docs/api.md).
 */
function JiraRecipe(): Child {
  return (
    <>
      <h2>The Jira side: an Automation rule</h2>
      <ol>
        <li>
          In Jira open <strong>Project settings → Automation → Create rule</strong> and choose the trigger{" "}
          <strong>Incoming webhook</strong>. Copy its URL and secret into this handler (Edit: Jira Automation webhook
          URL, Webhook secret).
        </li>
        <li>
          <strong>New mail becomes a work item:</strong> in the trigger, choose "No work items from the webhook"; add
          the condition <code>{"{{webhookData.issues.isEmpty}}"}</code> equals <code>true</code>, then the action{" "}
          <strong>Create work item</strong> with
          <pre>{`Summary:     {{webhookData.data.message.subject}}
Description: From {{webhookData.data.message.from.name}} <{{webhookData.data.message.from.address}}>

{{webhookData.data.message.bodyText}}`}</pre>
        </li>
        <li>
          <strong>Replies go to the work item named in the subject</strong> (a second rule): in the trigger, choose
          "Work items provided in the webhook HTTP POST body", so the rule runs on{" "}
          <code>{"{{webhookData.issues}}"}</code> (the keys edgepost found in the subject, e.g. ABC-123); add the action{" "}
          <strong>Comment on work item</strong> with <code>{"{{webhookData.data.message.bodyText}}"}</code>.
        </li>
        <li>
          To avoid duplicates, label what the rule creates with <code>{"{{webhookData.data.dedupeKey}}"}</code>: the
          same mail always carries the same key.
        </li>
      </ol>
    </>
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

/**
 * "What to fix": the handler's problem in the administrator's words, with the action or link that
 * fixes it where it is fixed; the stored error text (which may quote Microsoft or Jira) behind "Details".
 */
function WhatToFix(props: {
  handler: HandlerView;
  account: AccountView | null;
  deadLetters: DeadLetter[];
  csrfToken: string;
}): Child {
  const { handler, account } = props;
  if (handler.lastError === null && handler.status !== "attention") {
    return null;
  }
  const webhookStatus = webhookStatusOf(props.deadLetters[0]?.lastError ?? "");
  const edit = (
    <a class="button" href={`/handlers/${handler.id}/edit`}>
      Edit the handler
    </a>
  );
  let text: string;
  let action: Child = null;
  if (account === null) {
    text = "The mailbox this handler read is no longer connected: choose another account.";
    action = edit;
  } else if (account.status === "reauth_required") {
    const code = account.statusReason?.code ?? "";
    text = `${mailboxName(account)} must sign in to Microsoft again. ${explainCode(code) ?? ""}`.trim();
    action = <PostButton action={`/accounts/${account.id}/reconnect`} csrfToken={props.csrfToken} label="Reconnect" />;
  } else if (handler.lastErrorWhere === "credential") {
    text = `Microsoft refused the credentials ${mailboxName(account)} signs in with.`;
    action = (
      <a class="button" href={`/credentials/${account.credentialId}/edit`}>
        Edit the credentials
      </a>
    );
  } else if (handler.status === "attention" || webhookStatus !== null) {
    text = adviceText(webhookRefusalAdvice(webhookStatus));
    action = (
      <>
        {edit}
        <PostButton
          action={`/handlers/${handler.id}/dead-letters/retry-all`}
          csrfToken={props.csrfToken}
          label="Retry all"
        />
      </>
    );
  } else {
    text = handler.lastError ?? "";
    action =
      handler.lastErrorWhere === "exchange" ? (
        <a class="button" href={EXCHANGE_ADMIN_URL}>
          Open the Exchange admin center
        </a>
      ) : handler.lastErrorWhere === "azure" ? (
        <a class="button" href={APP_REGISTRATIONS_URL}>
          Open App registrations
        </a>
      ) : handler.lastErrorWhere === "handler" ? (
        edit
      ) : null;
  }
  return (
    <div class={`notice ${handler.status === "retrying" ? "warn" : "error"}`} role="alert">
      <p>
        <strong>What to fix:</strong> {text}
      </p>
      {action === null ? null : <div class="actions">{action}</div>}
      {handler.lastError === null || handler.lastError === text ? null : <Details text={handler.lastError} />}
    </div>
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
