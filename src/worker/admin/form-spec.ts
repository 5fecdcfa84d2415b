/**
 * A form described once, as a list of field descriptors (name, label, kind, hint, choices), from which
 * everything else is derived: the values of a posted form, the API body it becomes, the values an API
 * view fills the form with, and error messages in the form's own labels. A new setting is one entry in
 * its zod schema (in `src/core`) plus one descriptor here; the type checks that none is missing.
 * @module
 */
import type { FieldIssue } from "../../core/validation.ts";
export type FieldKind = "text" | "number" | "checkbox" | "checkboxes" | "select" | "url" | "password" | "email";

/** A select's option: the value sent and the label shown. */
export type Choice = readonly [value: string, label: string];

export interface FieldSpec {
  label: string;
  kind: FieldKind;
  hint?: string;
  /** On a form that edits a stored record, the hint shown instead (a password field: "leave empty to keep it"). */
  editHint?: string;
  /**
   * The fixed choices of a select, or the boxes of a `checkboxes` field (a list: the ticked values);
   * choices that depend on data are handed to the view when it draws the form.
   */
  options?: readonly Choice[];
  required?: boolean;
  /** Left out of the API body when empty, so the API's default applies. */
  omitWhenEmpty?: boolean;
  /** Sent only while another field has this value. */
  onlyWhen?: { field: string; value: string };
  /** On an edit form with a stored value: the label of a checkbox that removes it (the API gets `null`). */
  removeLabel?: string;
  /** The browser's autocomplete hint; `off` when not given. */
  autocomplete?: string;
}

/** The fields of one form, in the order they are shown, keyed by the API's field name. */
export type FormSpec<Name extends string = string> = Readonly<Record<Name, FieldSpec>>;

/**
 * What a form holds: text for inputs and selects, true or false for a checkbox, the ticked values joined
 * by spaces for `checkboxes` (their values are tokens). Passwords never come back.
 */
export type FormValues = Readonly<Record<string, string | boolean>>;

/** The name of the checkbox that removes a stored secret. */
export function removeFieldName(name: string): string {
  return `${name}:remove`;
}

/** The values of a posted form. */
export function formValues(spec: FormSpec, form: URLSearchParams): FormValues {
  return Object.fromEntries(
    Object.entries(spec).map(([name, field]) => [
      name,
      field.kind === "checkbox"
        ? form.has(name)
        : field.kind === "checkboxes"
          ? form.getAll(name).join(" ")
          : text(form, name),
    ]),
  );
}

/**
 * The API body of a posted form. Only fields the form posted are sent (a checkbox left unticked posts
 * nothing, so it counts as posted). Checkboxes become booleans; numbers become numbers when they are
 * numbers (otherwise the text goes through, for the API to name); an empty password keeps the stored
 * secret on an edit (and is sent empty on a create only when required, so the API says so).
 */
export function apiBody(spec: FormSpec, form: URLSearchParams, options: { editing: boolean }): Record<string, unknown> {
  const values = formValues(spec, form);
  const body: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const value = values[name] ?? "";
    const posted = form.has(name) || field.kind === "checkbox" || field.kind === "checkboxes";
    if (!posted || (field.onlyWhen !== undefined && values[field.onlyWhen.field] !== field.onlyWhen.value)) {
      // A field the page did not have keeps its default (or stored value); an unticked box posts nothing.
      continue;
    }
    if (typeof value === "boolean") {
      body[name] = value;
    } else if (field.kind === "checkboxes") {
      body[name] = value === "" ? [] : value.split(" ");
    } else if (field.kind === "password") {
      if (value !== "") {
        body[name] = value;
      } else if (options.editing && field.removeLabel !== undefined && form.has(removeFieldName(name))) {
        body[name] = null;
      } else if (!options.editing && field.required === true) {
        body[name] = value;
      }
    } else if (value === "" && field.omitWhenEmpty === true) {
      // the API's default applies
    } else {
      body[name] = field.kind === "number" ? numberOrText(value) : value;
    }
  }
  return body;
}

/** The form's values for a record as the API shows it (or for defaults): lists joined by spaces, no secrets. */
export function valuesOf(spec: FormSpec, view: object): FormValues {
  const source = view as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(spec).map(([name, field]) => {
      const value = source[name];
      if (field.kind === "checkbox") {
        return [name, value === true];
      }
      if (field.kind === "password" || value === null || value === undefined) {
        return [name, ""];
      }
      return [name, Array.isArray(value) ? value.join(" ") : String(value)];
    }),
  );
}

/**
 * The API's field messages in the form's words: a message that starts with the field's API name starts
 * with its label instead ("folder was not found" → "Folder was not found").
 */
export function labelledIssues(spec: FormSpec, issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((issue) => {
    const field = Object.hasOwn(spec, issue.path) ? spec[issue.path] : undefined;
    return field === undefined || !issue.message.startsWith(`${issue.path} `)
      ? issue
      : { path: issue.path, message: `${field.label}${issue.message.slice(issue.path.length)}` };
  });
}

function text(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

function numberOrText(value: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}
