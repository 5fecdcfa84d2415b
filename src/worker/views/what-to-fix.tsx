/**
 * "What to fix" on a handler's page: its problem in the administrator's words, with the action or link
 * that fixes it where it is fixed.
 * @module
 */
import { adviceText, explainCode, webhookRefusalAdvice } from "../../core/advice.ts";
import { webhookStatusOf } from "../../core/jira/webhook-client.ts";
import { Details, PostButton, mailboxName } from "./components.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { DeadLetter, HandlerView } from "../../core/handlers/handler.ts";

/** Where the Exchange admin center manages mailbox permissions (Full Access, Send As). */
export const EXCHANGE_ADMIN_URL = "https://admin.exchange.microsoft.com/#/mailboxes";
/** Where Microsoft Entra lists app registrations (API permissions, secrets). */
export const APP_REGISTRATIONS_URL =
  "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade";

/**
 * "What to fix": the handler's problem in the administrator's words, with the action or link that
 * fixes it where it is fixed; the stored error text (which may quote Microsoft or Jira) behind "Details".
 */
export function WhatToFix(props: {
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
  } else if (props.deadLetters.length > 0) {
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
