/**
 * The sign-in page and the overview: the first hour's four steps with where the administrator is,
 * and everything that needs a person, each with a link to where it is fixed.
 * @module
 */
import { isClientSecretProblem } from "../../core/advice.ts";
import { AdminPage, NoticeBox, StatusBadge, mailboxName } from "./components.tsx";
import { Document } from "./document.tsx";
import type { Child } from "hono/jsx";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { AdminFrame, Notice } from "./components.tsx";

export function SignInPage(props: { next: string; notice: Notice | null }): Child {
  return (
    <Document title="Sign in">
      <main id="main" class="narrow">
        <h1>Sign in to edgepost</h1>
        {props.notice === null ? null : <NoticeBox notice={props.notice} />}
        <form method="post" action="/login">
          <input type="hidden" name="next" value={props.next} />
          <div class="field">
            <label for="token">Admin token</label>
            <input
              id="token"
              name="token"
              type="password"
              required
              autocomplete="current-password"
              aria-describedby="token-hint"
            />
            <p class="hint" id="token-hint">
              The <code>ADMIN_TOKEN</code> this Worker was deployed with.
            </p>
          </div>
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </main>
    </Document>
  );
}

interface OverviewData {
  credentials: CredentialView[];
  accounts: AccountView[];
  handlers: HandlerView[];
}

export function OverviewPage(props: OverviewData & { frame: AdminFrame }): Child {
  const steps = setupSteps(props);
  const attention = needsAttention(props);
  const recovering = props.handlers.filter((handler) => handler.status === "retrying");
  return (
    <AdminPage title="Overview" frame={props.frame}>
      {steps.every((step) => step.done) ? null : <SetupSteps steps={steps} />}
      <h2>Needs attention</h2>
      {attention.length === 0 ? (
        <p>Nothing: every mailbox is connected, and no handler has an error or dead letters.</p>
      ) : (
        <ul>
          {attention.map((item) => (
            <li>
              <StatusBadge status={item.status} /> {item.text} <a href={item.href}>{item.action}</a>
            </li>
          ))}
        </ul>
      )}
      {recovering.length === 0 ? null : (
        <>
          <h2>Recovering by itself</h2>
          <ul>
            {recovering.map((handler) => (
              <li>
                <a href={`/handlers/${handler.id}`}>{handler.name}</a>: {handler.counts.pending} deliveries wait for a
                retry; edgepost retries them on its own.
              </li>
            ))}
          </ul>
        </>
      )}
      <ul class="cards">
        <li>
          <a href="/credentials">
            <strong>{props.credentials.length}</strong> credentials
          </a>
        </li>
        <li>
          <a href="/accounts">
            <strong>{props.accounts.length}</strong> mailboxes
          </a>
        </li>
        <li>
          <a href="/handlers">
            <strong>{props.handlers.length}</strong> handlers
          </a>
        </li>
      </ul>
    </AdminPage>
  );
}

interface SetupStep {
  text: string;
  href: string;
  action: string;
  done: boolean;
}

/** Credential → Azure → authorize → handler; a sign-in only works once the Redirect URI is in Azure. */
function setupSteps(data: OverviewData): SetupStep[] {
  const credential = data.credentials[0];
  const credentialPage = credential === undefined ? "/credentials/new" : `/credentials/${credential.id}`;
  const connected = data.accounts.length > 0;
  return [
    {
      text: "Enter the Azure app's credentials (client ID, secret, endpoints).",
      href: "/credentials/new",
      action: "New credentials",
      done: credential !== undefined,
    },
    {
      text: "Copy the Redirect URI into the Azure app registration.",
      href: credentialPage,
      action: "Show the Redirect URI",
      done: connected,
    },
    {
      text: "Authorize a mailbox: sign in as its user.",
      href: credentialPage,
      action: "Authorize",
      done: connected,
    },
    {
      text: "Create a handler that sends the mailbox's mail to a Jira Automation webhook.",
      href: "/handlers/new",
      action: "New handler",
      done: data.handlers.length > 0,
    },
  ];
}

function SetupSteps(props: { steps: SetupStep[] }): Child {
  const current = props.steps.findIndex((step) => !step.done);
  return (
    <>
      <h2>Getting started</h2>
      <ol class="steps">
        {props.steps.map((step, index) => (
          <li class={step.done ? "done" : undefined} aria-current={index === current ? "step" : undefined}>
            {step.done ? "Done: " : index === current ? "Next: " : ""}
            {step.text} {step.done ? null : <a href={step.href}>{step.action}</a>}
          </li>
        ))}
      </ol>
    </>
  );
}

interface AttentionItem {
  status: string;
  text: string;
  href: string;
  action: string;
}

/** Everything that waits for a person, in the order a person would fix it: sign-ins, secrets, handlers. */
function needsAttention(data: OverviewData): AttentionItem[] {
  const credentialName = (id: string): string =>
    data.credentials.find((credential) => credential.id === id)?.name ?? id;
  const signIns = data.accounts
    .filter((account) => account.status === "reauth_required")
    .map((account) => ({
      status: account.status,
      text: `${mailboxName(account)} must sign in to Microsoft again.`,
      href: `/accounts#${account.id}`,
      action: "Reconnect",
    }));
  const secrets = [
    ...new Set(
      data.accounts
        .filter(
          (account) => account.status === "connected" && isClientSecretProblem(account.lastRefreshError?.code ?? ""),
        )
        .map((account) => account.credentialId),
    ),
  ].map((credentialId) => ({
    status: "error",
    text: `Microsoft refused the client secret of the credentials ${credentialName(credentialId)}.`,
    href: `/credentials/${credentialId}/edit`,
    action: "Put a new secret on them",
  }));
  const handlers = data.handlers
    .filter((handler) => handler.status === "error" || handler.status === "attention")
    .map((handler) => ({
      status: handler.status,
      text:
        handler.status === "attention"
          ? `Handler ${handler.name}: ${handler.counts.deadLettered} message${handler.counts.deadLettered === 1 ? " waits" : "s wait"} in the dead letters.`
          : `Handler ${handler.name} stopped working.`,
      href: `/handlers/${handler.id}`,
      action: "What to fix",
    }));
  return [...signIns, ...secrets, ...handlers];
}

export function NotFoundView(props: { frame: AdminFrame; path: string }): Child {
  return (
    <AdminPage title="Not found" frame={props.frame}>
      <p>
        Nothing is at <code>{props.path}</code>; it may have been deleted. Go back to the <a href="/">overview</a>.
      </p>
    </AdminPage>
  );
}
