/**
 * Draws a form's fields from its descriptors (`src/worker/admin/form-spec.ts`): the input each kind
 * needs, its label, hint and the API's message for it. A password field is never given a value.
 * @module
 */
import { removeFieldName } from "../admin/form-spec.ts";
import { CheckboxField, Field, SelectField } from "./components.tsx";
import type { Child } from "hono/jsx";
import type { FieldIssue } from "../../core/validation.ts";
import type { Choice, FormSpec, FormValues } from "../admin/form-spec.ts";

export interface FormFieldsProps {
  spec: FormSpec;
  values: FormValues;
  errors: readonly FieldIssue[];
  /** The form edits a stored record: password fields say that empty keeps the stored secret. */
  editing: boolean;
  /** Choices that depend on data, by field name (e.g. the accounts). */
  choices?: Readonly<Record<string, readonly Choice[]>>;
  /** Password fields whose record has a stored value: they offer to remove it. */
  stored?: ReadonlySet<string>;
}

export function FormFields(props: FormFieldsProps): Child {
  return Object.entries(props.spec).map(([name, field]) => {
    const value = props.values[name];
    const hint = props.editing && field.editHint !== undefined ? field.editHint : field.hint;
    switch (field.kind) {
      case "checkbox":
        return <CheckboxField name={name} label={field.label} checked={value === true} hint={field.hint} />;
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
              required={field.required === true && !props.editing}
              errors={props.errors}
              autocomplete={field.autocomplete}
              hint={hint}
            />
            {props.editing && field.removeLabel !== undefined && props.stored?.has(name) === true ? (
              <CheckboxField name={removeFieldName(name)} label={field.removeLabel} checked={false} />
            ) : null}
          </>
        );
      default:
        return (
          <Field
            name={name}
            label={field.label}
            type={field.kind}
            value={typeof value === "string" ? value : ""}
            required={field.required}
            errors={props.errors}
            autocomplete={field.autocomplete}
            hint={hint}
          />
        );
    }
  });
}
