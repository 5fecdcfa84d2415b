/**
 * The Alerts page: where alerts go (the form), what needs a person now (every condition that holds,
 * with its fix), the latest alerts with their delivery state, and a button that sends a test alert.
 * @module
 */
import { ALERT_FORM } from "../admin/alert-form.ts";
import { labelledIssues } from "../admin/form-spec.ts";
import { AdminPage, ErrorSummary, PostButton, formatTime } from "./components.tsx";
import { FormFields } from "./form-fields.tsx";
import type { Child } from "hono/jsx";
import type { FieldIssue } from "../../core/validation.ts";
import type { FormValues } from "../admin/form-spec.ts";
import type { AlertDelivery, HeldCondition } from "../objects/alerts-tables.ts";
import type { AdminFrame, AttentionLine, Notice } from "./components.tsx";

export function AlertsPage(props: {
  frame: AdminFrame;
  values: FormValues;
  tokenSet: boolean;
  errors: readonly FieldIssue[];
  held: readonly HeldCondition[];
  lines: readonly AttentionLine[];
  deliveries: readonly AlertDelivery[];
  notice: Notice | null;
}): Child {
  const errors = labelledIssues(ALERT_FORM, props.errors);
  return (
    <AdminPage title="Alerts" frame={props.frame} notice={props.notice}>
      <h2>Needs attention now</h2>
      {props.held.length === 0 ? (
        <p>Nothing: every account, credential and handler works.</p>
      ) : (
        <ul class="attention-list">
          {props.held.map((item, index) => (
            <li>
              <a href={props.lines[index]?.href ?? "/"}>{item.subject.name}</a> ({item.condition}, since{" "}
              {formatTime(item.since)}): {item.detail}
              {item.fix === null ? null : (
                <>
                  {" "}
                  <strong>What to do:</strong> {item.fix}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <h2>Where alerts go</h2>
      <p>
        edgepost posts an alert when something starts to need a person and again when it is resolved, never on every
        check. Each has a one-line <code>text</code> that chat webhooks show as it is.
      </p>
      <ErrorSummary errors={errors} fields={Object.keys(ALERT_FORM)} />
      <form method="post" action="/alerts" novalidate>
        <input type="hidden" name="_csrf" value={props.frame.csrfToken} />
        <FormFields
          spec={ALERT_FORM}
          values={props.values}
          errors={errors}
          editing={true}
          stored={props.tokenSet ? new Set(["webhookToken"]) : new Set()}
        />
        <button type="submit" class="primary">
          Save
        </button>
      </form>
      <div class="actions">
        <PostButton action="/alerts/test" csrfToken={props.frame.csrfToken} label="Send a test alert" />
      </div>
      <h2>Latest alerts</h2>
      {props.deliveries.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Text</th>
              <th scope="col">Delivery</th>
            </tr>
          </thead>
          <tbody>
            {props.deliveries.map((delivery) => (
              <tr>
                <td>{formatTime(delivery.payload.at)}</td>
                <td class="mono">{delivery.payload.event}</td>
                <td>{delivery.payload.text}</td>
                <td>
                  {delivery.state === "delivered"
                    ? "delivered"
                    : `${delivery.state === "pending" ? "waiting for a retry" : "given up"} after ${delivery.attempts} attempt${delivery.attempts === 1 ? "" : "s"}${delivery.lastError === null ? "" : `: ${delivery.lastError}`}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}
