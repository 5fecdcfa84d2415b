/**
 * Building blocks of the admin pages. Plain HTML: labelled fields, messages tied to their fields with
 * `aria-describedby`, buttons inside forms so everything works without JavaScript.
 * @module
 */
import { Document } from "./document.tsx";
import type { Child } from "hono/jsx";
import type { FieldIssue } from "../../core/validation.ts";

export interface AdminFrame {
  /** The signed-in session's CSRF token, put into every form. */
  csrfToken: string;
  /** The section to highlight in the navigation. */
  section: "overview" | "credentials" | "accounts" | "handlers";
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
      <header class="bar">
        <a class="brand" href="/">
          edgepost
        </a>
        <nav aria-label="Sections">
          <ul>
            {link("/credentials", "Credentials", "credentials")}
            {link("/accounts", "Accounts", "accounts")}
            {link("/handlers", "Handlers", "handlers")}
          </ul>
        </nav>
        <PostButton action="/logout" csrfToken={props.frame.csrfToken} label="Sign out" kind="quiet" />
      </header>
      <main id="main">
        <h1>{props.title}</h1>
        {props.notice === undefined || props.notice === null ? null : <NoticeBox notice={props.notice} />}
        {props.children}
      </main>
    </Document>
  );
}

export interface Notice {
  kind: "ok" | "error" | "warn";
  text: string;
}

export function NoticeBox(props: { notice: Notice }): Child {
  return (
    <div class={`notice ${props.notice.kind}`} role={props.notice.kind === "error" ? "alert" : "status"}>
      <p>{props.notice.text}</p>
    </div>
  );
}

/** A form with one button, for actions (POST with the CSRF token). */
export function PostButton(props: {
  action: string;
  csrfToken: string;
  label: string;
  kind?: "primary" | "danger" | "quiet";
  hidden?: Record<string, string>;
}): Child {
  return (
    <form method="post" action={props.action} class="inline">
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind ?? "primary"}>
        {props.label}
      </button>
    </form>
  );
}

export interface FieldProps {
  name: string;
  label: string;
  value?: string;
  type?: "text" | "password" | "url" | "number" | "email";
  hint?: string;
  required?: boolean;
  errors: readonly FieldIssue[];
  autocomplete?: string;
}

/** A labelled input with its hint and the API's message for this field, if any. */
export function Field(props: FieldProps): Child {
  const issue = props.errors.find((candidate) => candidate.path === props.name);
  const described = [
    props.hint === undefined ? null : `${props.name}-hint`,
    issue === undefined ? null : `${props.name}-error`,
  ]
    .filter((id) => id !== null)
    .join(" ");
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
        aria-invalid={issue === undefined ? undefined : "true"}
        aria-describedby={described === "" ? undefined : described}
      />
      {props.hint === undefined ? null : (
        <p class="hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      )}
      {issue === undefined ? null : (
        <p class="error" id={`${props.name}-error`}>
          {issue.message}
        </p>
      )}
    </div>
  );
}

export function SelectField(props: {
  name: string;
  label: string;
  value: string;
  options: readonly [string, string][];
  errors: readonly FieldIssue[];
  hint?: string;
}): Child {
  const issue = props.errors.find((candidate) => candidate.path === props.name);
  return (
    <div class={issue === undefined ? "field" : "field invalid"}>
      <label for={props.name}>{props.label}</label>
      <select
        id={props.name}
        name={props.name}
        aria-describedby={issue === undefined ? undefined : `${props.name}-error`}
      >
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === props.value}>
            {label}
          </option>
        ))}
      </select>
      {props.hint === undefined ? null : <p class="hint">{props.hint}</p>}
      {issue === undefined ? null : (
        <p class="error" id={`${props.name}-error`}>
          {issue.message}
        </p>
      )}
    </div>
  );
}

export function CheckboxField(props: { name: string; label: string; checked: boolean; hint?: string }): Child {
  return (
    <div class="field checkbox">
      <input id={props.name} name={props.name} type="checkbox" value="on" checked={props.checked} />
      <label for={props.name}>{props.label}</label>
      {props.hint === undefined ? null : <p class="hint">{props.hint}</p>}
    </div>
  );
}

/** Problems the API reported for fields this form does not show (or for the body): listed on top. */
export function OtherErrors(props: { errors: readonly FieldIssue[]; shown: readonly string[] }): Child {
  const others = props.errors.filter((issue) => !props.shown.includes(issue.path));
  return others.length === 0 ? null : (
    <div class="notice error" role="alert">
      <ul>
        {others.map((issue) => (
          <li>{issue.message}</li>
        ))}
      </ul>
    </div>
  );
}

export function StatusBadge(props: { status: string }): Child {
  const tone: Record<string, string> = {
    connected: "ok",
    ok: "ok",
    reauth_required: "bad",
    error: "bad",
    retrying: "warn",
    idle: "muted",
    disabled: "muted",
    active: "ok",
    pending: "warn",
    failed: "bad",
  };
  return <span class={`badge ${tone[props.status] ?? "muted"}`}>{props.status.replace("_", " ")}</span>;
}

export function formatTime(value: string | null): string {
  return value === null ? "—" : `${value.replace("T", " ").slice(0, 19)} UTC`;
}
