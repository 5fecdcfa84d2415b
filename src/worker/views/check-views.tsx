/**
 * A handler's checks (`POST /api/handlers/{id}/check`): the buttons that run them (the plain check sends
 * nothing; a test to Jira and a test send happen only on their own buttons), and the page that shows the
 * last report, each failed check with its fix and a link to where it is made.
 * @module
 */
import { AdminPage, PostButton, formatTime } from "./components.tsx";
import { APP_REGISTRATIONS_URL, EXCHANGE_ADMIN_URL } from "./what-to-fix.tsx";
import type { Child } from "hono/jsx";
import type { FixPlace } from "../../core/advice.ts";
import type { CheckName, CheckReport, HandlerCheck } from "../../core/handlers/handler-checks.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { AdminFrame, Notice } from "./components.tsx";

const CHECK_LABELS: Readonly<Record<CheckName, string>> = {
  token: "Access token",
  mailbox: "Mailbox",
  folder: "Folder",
  moveTarget: "Move to folder",
  writeAccess: "Right to mark read or move",
  sendAs: "Send As",
  push: "Change notifications",
  webhook: "Jira webhook",
};

export function CheckButtons(props: { handler: HandlerView; csrfToken: string }): Child {
  const action = `/handlers/${props.handler.id}/check`;
  return (
    <>
      <PostButton action={action} csrfToken={props.csrfToken} label="Check" />
      <PostButton
        action={action}
        csrfToken={props.csrfToken}
        label="Check and post a test to Jira"
        hidden={{ webhook: "true" }}
      />
      {props.handler.mailbox === "me" ? null : (
        <PostButton
          action={action}
          csrfToken={props.csrfToken}
          label="Check with a test send"
          hidden={{ sendAs: "true" }}
        />
      )}
    </>
  );
}

export function HandlerCheckPage(props: {
  frame: AdminFrame;
  handler: HandlerView;
  report: CheckReport | null;
  notice: Notice | null;
}): Child {
  const { handler, report } = props;
  return (
    <AdminPage title={`Check: ${handler.name}`} frame={props.frame} notice={props.notice}>
      {report === null ? (
        <p>This handler was not checked yet.</p>
      ) : (
        <>
          <p>
            {report.ok ? "Every check passed" : "Some checks failed"} ({formatTime(report.at)}).
          </p>
          <ul class="checks">
            {report.checks.map((check) => (
              <CheckItem check={check} handler={handler} />
            ))}
          </ul>
        </>
      )}
      <div class="actions">
        <CheckButtons handler={handler} csrfToken={props.frame.csrfToken} />
        <a class="button" href={`/handlers/${handler.id}`}>
          Back to the handler
        </a>
      </div>
    </AdminPage>
  );
}

function CheckItem(props: { check: HandlerCheck; handler: HandlerView }): Child {
  const { check } = props;
  const verdict = !check.ok ? "Failed" : check.verified ? "Passed" : "Not proven";
  return (
    <li id={`check-${check.name}`} class={check.ok ? "check-ok" : "check-failed"}>
      <p>
        <strong>{CHECK_LABELS[check.name]}</strong>:{" "}
        <span class={`badge ${!check.ok ? "bad" : check.verified ? "ok" : "muted"}`}>{verdict}</span>
      </p>
      <p>{check.detail}</p>
      {check.fix === undefined ? null : (
        <p>
          <strong>What to do:</strong> {check.fix} <FixLink where={check.where} handler={props.handler} />
        </p>
      )}
    </li>
  );
}

function FixLink(props: { where: FixPlace | undefined; handler: HandlerView }): Child {
  switch (props.where) {
    case "exchange":
      return <a href={EXCHANGE_ADMIN_URL}>Open the Exchange admin center</a>;
    case "azure":
      return <a href={APP_REGISTRATIONS_URL}>Open App registrations</a>;
    case "account":
      return <a href={`/accounts#${props.handler.accountId}`}>Go to the account</a>;
    case "handler":
      return <a href={`/handlers/${props.handler.id}/edit`}>Edit the handler</a>;
    default:
      return null;
  }
}
