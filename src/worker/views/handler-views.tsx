/**
 * Handler pages: the list, the form, and a handler's page with its status, counts, last error, Run now
 * and the dead letters with Retry.
 * @module
 */
import { HANDLER_FORM } from "../admin/handler-form.ts";
import { AdminPage, OtherErrors, PostButton, StatusBadge, formatTime } from "./components.tsx";
import { FormFields } from "./form-fields.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { DeadLetter, HandlerView } from "../../core/handlers/handler.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { Choice, FormValues } from "../admin/form-spec.ts";
import type { AdminFrame, Notice } from "./components.tsx";

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
  values: FormValues;
  accounts: AccountView[];
  errors: readonly FieldIssue[];
  existing: HandlerView | null;
  notice: Notice | null;
}): Child {
  const { errors, existing } = props;
  return (
    <AdminPage
      title={existing === null ? "New handler" : `Edit ${existing.name}`}
      frame={props.frame}
      notice={props.notice}
    >
      <OtherErrors errors={errors} shown={Object.keys(HANDLER_FORM)} />
      <form method="post" action={existing === null ? "/handlers" : `/handlers/${existing.id}`} novalidate>
        <input type="hidden" name="_csrf" value={props.frame.csrfToken} />
        <FormFields
          spec={HANDLER_FORM}
          values={props.values}
          errors={errors}
          editing={existing !== null}
          choices={{
            accountId: [
              ["", "Choose an account"],
              ...props.accounts.map(
                (account): Choice => [account.id, `${account.email ?? account.username} (${account.status})`],
              ),
            ],
          }}
          stored={new Set(existing?.webhookTokenSet === true ? ["webhookToken"] : [])}
        />
        <button type="submit" class="primary">
          {existing === null ? "Create" : "Save"}
        </button>{" "}
        <a href={existing === null ? "/handlers" : `/handlers/${existing.id}`}>Cancel</a>
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
