/**
 * Building blocks of the admin pages. Plain HTML: labelled fields, messages tied to their fields with
 * `aria-describedby`, an error summary that takes the focus and links to each field, buttons inside
 * forms so everything works without JavaScript, and one button style for every action.
 * @module
 */
import { Document } from "./document.tsx";
import type { Child } from "hono/jsx";
import type { FieldIssue } from "../../core/validation.ts";

export interface AdminFrame {
  /** The signed-in session's CSRF token, put into every form. */
  csrfToken: string;
  /** The section to highlight in the navigation. */
  section: "overview" | "credentials" | "accounts" | "handlers" | "alerts";
  /** What needs a person now, for the banner (empty: no banner). */
  attention: readonly AttentionLine[];
}

/** A line of the banner: what needs a person, linking to the page where it is fixed. */
export interface AttentionLine {
  /** The condition (`credential.secret_rejected`, …) and the id of the record it is about. */
  condition: string;
  subjectId: string;
  href: string;
  name: string;
  detail: string;
  kind: "warn" | "error";
}

/** Lines the banner shows; the rest are on the Alerts page. */
const ATTENTION_SHOWN = 5;

/** The banner on every page while something needs a person. */
function AttentionBanner(props: { lines: readonly AttentionLine[] }): Child {
  const { lines } = props;
  const more = lines.length - ATTENTION_SHOWN;
  const kind = lines.some((line) => line.kind === "error") ? "error" : "warn";
  return (
    <aside class={`notice ${kind} attention`} aria-labelledby="attention-title">
      <p id="attention-title">
        <strong>Needs attention</strong>
      </p>
      <ul>
        {lines.slice(0, ATTENTION_SHOWN).map((line) => (
          <li>
            <a href={line.href}>{line.name}</a>: {line.detail}
          </li>
        ))}
      </ul>
      {more > 0 ? (
        <p>
          <a href="/alerts">{`and ${more} more on the Alerts page`}</a>
        </p>
      ) : null}
    </aside>
  );
}

export function AdminPage(props: { title: string; frame: AdminFrame; notice?: Notice | null; children: Child }): Child {
  const link = (href: string, label: string, section: AdminFrame["section"]): Child => (
    <li>
      <a href={href} aria-current={props.frame.section === section ? "page" : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <Document title={props.title}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="bar">
        <a class="brand" href="/">
          edgepost
        </a>
        <nav aria-label="Sections">
          <ul>
            {link("/credentials", "Credentials", "credentials")}
            {link("/accounts", "Accounts", "accounts")}
            {link("/handlers", "Handlers", "handlers")}
            {link("/alerts", "Alerts", "alerts")}
          </ul>
        </nav>
        <PostButton action="/logout" csrfToken={props.frame.csrfToken} label="Sign out" />
      </header>
      <main id="main" tabindex={-1}>
        {props.frame.attention.length === 0 ? null : <AttentionBanner lines={props.frame.attention} />}
        <h1>{props.title}</h1>
        {props.notice === undefined || props.notice === null ? null : <NoticeBox notice={props.notice} />}
        {props.children}
      </main>
    </Document>
  );
}

/** A link the notice offers: where to go to fix or follow up what it says. */
export interface NoticeLink {
  href: string;
  label: string;
}

export interface Notice {
  kind: "ok" | "error" | "warn";
  text: string;
  link?: NoticeLink;
}

export function NoticeBox(props: { notice: Notice; children?: Child }): Child {
  const { notice } = props;
  return (
    <div class={`notice ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
      <p>
        {notice.text}
        {notice.link === undefined ? null : (
          <>
            {" "}
            <a href={notice.link.href}>{notice.link.label}</a>
          </>
        )}
      </p>
      {props.children}
    </div>
  );
}

/** Raw text from Microsoft or Jira, folded away behind "Details". */
export function Details(props: { text: string; summary?: string }): Child {
  return (
    <details>
      <summary>{props.summary ?? "Details"}</summary>
      <p class="mono">{props.text}</p>
    </details>
  );
}

/** A form with one button, for actions (POST with the CSRF token). */
export function PostButton(props: {
  action: string;
  csrfToken: string;
  label: string;
  kind?: "primary" | "danger";
  hidden?: Record<string, string>;
}): Child {
  return (
    <form method="post" action={props.action} class="inline">
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind}>
        {props.label}
      </button>
    </form>
  );
}

/** A value a script needs (an id, a URL), with a Copy button that the page's script shows. */
export function CopyValue(props: { id: string; value: string; label: string }): Child {
  return (
    <span class="copy-row">
      <code id={props.id}>{props.value}</code>{" "}
      <button type="button" data-copy={props.id} aria-label={`Copy ${props.label}`} hidden>
        Copy
      </button>
      <span id={`${props.id}-status`} role="status" class="hint"></span>
    </span>
  );
}

/** Loads the script behind the Copy buttons; pages with a `CopyValue` include it once. */
export function CopyScript(): Child {
  return <script src="/assets/copy.js" defer></script>;
}

export interface FieldProps {
  name: string;
  label: string;
  value?: string;
  type?: "text" | "password" | "url" | "number" | "email";
  hint?: string | undefined;
  required?: boolean | undefined;
  errors: readonly FieldIssue[];
  autocomplete?: string | undefined;
  /** The id of a `<datalist>` offering values (the input stays free text). */
  list?: string | undefined;
}

/** The ids an input is described by: its hint and its error, when present. */
function describedBy(name: string, options: { hint: boolean; issue: boolean }): string | undefined {
  const ids = [options.hint ? `${name}-hint` : null, options.issue ? `${name}-error` : null].filter(
    (id) => id !== null,
  );
  return ids.length === 0 ? undefined : ids.join(" ");
}

function FieldHelp(props: { name: string; hint: string | undefined; issue: FieldIssue | undefined }): Child {
  return (
    <>
      {props.hint === undefined ? null : (
        <p class="hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      )}
      {props.issue === undefined ? null : (
        <p class="error" id={`${props.name}-error`}>
          {props.issue.message}
        </p>
      )}
    </>
  );
}

/** A labelled input with its hint and the message for this field, if any. */
export function Field(props: FieldProps): Child {
  const issue = props.errors.find((candidate) => candidate.path === props.name);
  return (
    <div class={issue === undefined ? "field" : "field invalid"}>
      <label for={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value ?? ""}
        required={props.required}
        autocomplete={props.autocomplete ?? "off"}
        list={props.list}
        aria-invalid={issue === undefined ? undefined : "true"}
        aria-describedby={describedBy(props.name, { hint: props.hint !== undefined, issue: issue !== undefined })}
      />
      <FieldHelp name={props.name} hint={props.hint} issue={issue} />
    </div>
  );
}

export function SelectField(props: {
  name: string;
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  errors: readonly FieldIssue[];
  hint?: string | undefined;
}): Child {
  const issue = props.errors.find((candidate) => candidate.path === props.name);
  return (
    <div class={issue === undefined ? "field" : "field invalid"}>
      <label for={props.name}>{props.label}</label>
      <select
        id={props.name}
        name={props.name}
        aria-invalid={issue === undefined ? undefined : "true"}
        aria-describedby={describedBy(props.name, { hint: props.hint !== undefined, issue: issue !== undefined })}
      >
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === props.value}>
            {label}
          </option>
        ))}
      </select>
      <FieldHelp name={props.name} hint={props.hint} issue={issue} />
    </div>
  );
}

export function CheckboxField(props: {
  name: string;
  label: string;
  checked: boolean;
  hint?: string | undefined;
}): Child {
  return (
    <div class="field checkbox">
      <input
        id={props.name}
        name={props.name}
        type="checkbox"
        value="on"
        checked={props.checked}
        aria-describedby={props.hint === undefined ? undefined : `${props.name}-hint`}
      />
      <label for={props.name}>{props.label}</label>
      {props.hint === undefined ? null : (
        <p class="hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** A set of checkboxes sharing one name: the form posts each ticked value. */
export function CheckboxGroup(props: {
  name: string;
  label: string;
  options: readonly (readonly [string, string])[];
  checked: readonly string[];
  errors: readonly FieldIssue[];
  hint?: string | undefined;
}): Child {
  const issue = props.errors.find((candidate) => candidate.path === props.name);
  return (
    <fieldset
      id={props.name}
      tabindex={-1}
      class={issue === undefined ? undefined : "invalid"}
      aria-describedby={describedBy(props.name, { hint: props.hint !== undefined, issue: issue !== undefined })}
    >
      <legend>{props.label}</legend>
      {props.options.map(([value, label]) => (
        <div class="field checkbox">
          <input
            id={`${props.name}-${value}`}
            name={props.name}
            type="checkbox"
            value={value}
            checked={props.checked.includes(value)}
          />
          <label for={`${props.name}-${value}`}>{label}</label>
        </div>
      ))}
      <FieldHelp name={props.name} hint={props.hint} issue={issue} />
    </fieldset>
  );
}

/**
 * Every problem with a posted form, on top, taking the focus when the page loads: each item links to
 * its field; problems with fields the form does not show (or with the whole body) are listed as text.
 */
export function ErrorSummary(props: { errors: readonly FieldIssue[]; fields: readonly string[] }): Child {
  if (props.errors.length === 0) {
    return null;
  }
  return (
    <div class="error-summary" role="alert" tabindex={-1} autofocus aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">
        {props.errors.length === 1 ? "There is a problem" : `There are ${props.errors.length} problems`}
      </h2>
      <ul>
        {props.errors.map((issue) => (
          <li>{props.fields.includes(issue.path) ? <a href={`#${issue.path}`}>{issue.message}</a> : issue.message}</li>
        ))}
      </ul>
    </div>
  );
}

/** Statuses in the administrator's words; each tone is a colour that keeps its contrast in both schemes. */
const STATUS_LOOK: Readonly<Record<string, { tone: string; label: string }>> = {
  connected: { tone: "ok", label: "connected" },
  reauth_required: { tone: "bad", label: "reconnect needed" },
  ok: { tone: "ok", label: "ok" },
  error: { tone: "bad", label: "error" },
  attention: { tone: "warn", label: "needs attention" },
  retrying: { tone: "info", label: "retrying" },
  idle: { tone: "muted", label: "not run yet" },
  disabled: { tone: "muted", label: "disabled" },
  // Push (change notifications), as `pushStatus.state` names them.
  active: { tone: "ok", label: "active" },
  pending: { tone: "info", label: "pending" },
  failed: { tone: "bad", label: "failed" },
  unavailable: { tone: "muted", label: "unavailable" },
  off: { tone: "muted", label: "off" },
};

export function StatusBadge(props: { status: string }): Child {
  const look = STATUS_LOOK[props.status] ?? { tone: "muted", label: props.status };
  return <span class={`badge ${look.tone}`}>{look.label}</span>;
}

export function formatTime(value: string | null): string {
  return value === null ? "—" : `${value.replace("T", " ").slice(0, 19)} UTC`;
}

/** How a page names an account: its mailbox address, else its sign-in name. */
export function mailboxName(account: { email: string | null; username: string }): string {
  return account.email ?? account.username;
}
