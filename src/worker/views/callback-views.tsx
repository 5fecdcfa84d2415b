/**
 * The pages `/oauth/callback` answers: the mailbox connected, or what went wrong and what to do.
 * Every value is escaped by the JSX renderer.
 * @module
 */
import { Document } from "./document.tsx";
import type { Child } from "hono/jsx";

export function ConnectedPage(props: {
  accountId: string;
  mailbox: string;
  username: string;
  credentialName: string;
  note: string | null;
}): Child {
  return (
    <Document title="Mailbox connected">
      <main id="main">
        <h1>Mailbox connected</h1>
        <div class="notice ok" role="status">
          <p>
            <strong>{props.mailbox}</strong> is connected through the credential <strong>{props.credentialName}</strong>
            . edgepost keeps its tokens fresh from now on.
          </p>
        </div>
        <dl class="facts">
          <dt>Signed in as</dt>
          <dd>{props.username}</dd>
        </dl>
        {props.note === null ? null : <p class="notice warn">{props.note}</p>}
        <div class="actions">
          <a class="button primary" href={`/handlers/new?account=${encodeURIComponent(props.accountId)}`}>
            Create a handler for this mailbox
          </a>
          <a href="/accounts">See all mailboxes</a>
        </div>
      </main>
    </Document>
  );
}

export function FailurePage(props: {
  title: string;
  message: string;
  code: string | null;
  description: string | null;
  advice: string | null;
}): Child {
  return (
    <Document title={props.title}>
      <main id="main">
        <h1>{props.title}</h1>
        <div class="notice error" role="alert">
          <p>{props.message}</p>
          {props.code === null ? null : (
            <p>
              <strong>Microsoft's error:</strong> <code>{props.code}</code>
            </p>
          )}
          {props.description === null ? null : <p class="mono">{props.description}</p>}
        </div>
        {props.advice === null ? null : <p>{props.advice}</p>}
        <p>
          Start again from <a href="/">edgepost</a> with <em>Authorize</em> or <em>Reconnect</em>.
        </p>
      </main>
    </Document>
  );
}
