/**
 * Draws a form's fields from its descriptors (`src/worker/admin/form-spec.ts`): the input each kind
 * needs, its label, hint and the message for it. A password field is never given a value; a secret
 * kept from an earlier post travels sealed in a hidden field (`src/worker/admin/kept-secrets.ts`).
 * @module
 */
import { removeFieldName } from "../admin/form-spec.ts";
import { keptFieldName } from "../admin/kept-secrets.ts";
import { CheckboxField, CheckboxGroup, Field, SelectField } from "./components.tsx";
import type { Child } from "hono/jsx";
import type { FieldIssue } from "../../core/validation.ts";
import type { Choice, FieldSpec, FormSpec, FormValues } from "../admin/form-spec.ts";

/** A value a text field offers in its `<datalist>`, with what the browser shows beside it. */
export interface Suggestion {
  value: string;
  label?: string;
}

export interface FormFieldsProps {
  spec: FormSpec;
  values: FormValues;
  errors: readonly FieldIssue[];
  /** The form edits a stored record: password fields say that empty keeps the stored secret. */
  editing: boolean;
  /** Choices that depend on data, by field name (e.g. the accounts). */
  choices?: Readonly<Record<string, readonly Choice[]>>;
  /** Values text fields offer (the field stays free text), by field name. */
  suggestions?: Readonly<Record<string, readonly Suggestion[]>>;
  /** Hints that depend on data, replacing the descriptor's, by field name. */
  hints?: Readonly<Record<string, string>>;
  /** Password fields whose record has a stored value: they offer to remove it. */
  stored?: ReadonlySet<string>;
  /** Secrets kept from the previous post, sealed, by field name. */
  kept?: Readonly<Record<string, string>>;
  /** Content shown right after a field (a button that acts on it), by field name. */
  after?: Readonly<Record<string, Child>>;
}

const KEPT_HINT =
  "The secret you typed is kept (edgepost does not show it): leave this empty to use it, or type another.";

export function FormFields(props: FormFieldsProps): Child {
  return Object.entries(props.spec).map(([name, field]) => (
    <>
      <SpecField name={name} field={field} props={props} />
      {props.after?.[name] ?? null}
    </>
  ));
}

function SpecField(input: { name: string; field: FieldSpec; props: FormFieldsProps }): Child {
  const { name, field, props } = input;
  const value = props.values[name];
  const kept = props.kept?.[name];
  const hint =
    kept !== undefined
      ? KEPT_HINT
      : (props.hints?.[name] ?? (props.editing && field.editHint !== undefined ? field.editHint : field.hint));
  switch (field.kind) {
    case "checkbox":
      return <CheckboxField name={name} label={field.label} checked={value === true} hint={hint} />;
    case "checkboxes":
      return (
        <CheckboxGroup
          name={name}
          label={field.label}
          options={field.options ?? []}
          checked={typeof value === "string" ? value.split(" ") : []}
          errors={props.errors}
          hint={hint}
        />
      );
    case "select":
      return (
        <SelectField
          name={name}
          label={field.label}
          value={typeof value === "string" ? value : ""}
          options={props.choices?.[name] ?? field.options ?? []}
          errors={props.errors}
          hint={hint}
        />
      );
    case "password":
      return (
        <>
          <Field
            name={name}
            label={field.label}
            type="password"
            required={field.required === true && !props.editing && kept === undefined}
            errors={props.errors}
            autocomplete={field.autocomplete}
            hint={hint}
          />
          {kept === undefined ? null : <input type="hidden" name={keptFieldName(name)} value={kept} />}
          {props.editing && field.removeLabel !== undefined && props.stored?.has(name) === true ? (
            <CheckboxField name={removeFieldName(name)} label={field.removeLabel} checked={false} />
          ) : null}
        </>
      );
    default: {
      const suggestions = props.suggestions?.[name] ?? [];
      return (
        <>
          <Field
            name={name}
            label={field.label}
            type={field.kind}
            value={typeof value === "string" ? value : ""}
            required={field.required}
            errors={props.errors}
            autocomplete={field.autocomplete}
            hint={hint}
            list={suggestions.length === 0 ? undefined : `${name}-options`}
          />
          {suggestions.length === 0 ? null : (
            <datalist id={`${name}-options`}>
              {suggestions.map((suggestion) => (
                <option value={suggestion.value}>{suggestion.label ?? suggestion.value}</option>
              ))}
            </datalist>
          )}
        </>
      );
    }
  }
}
