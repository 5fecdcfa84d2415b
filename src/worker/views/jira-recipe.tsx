/**
 * The Jira side of a handler: a ready Jira Automation rule, step by step.
 * @module
 */
import type { Child } from "hono/jsx";

/**
 * A ready Jira Automation rule for this handler's webhook: the trigger, and the smart values that read
 * the payload edgepost posts (see "The webhook request" in docs/api.md).
 */
export function JiraRecipe(): Child {
  return (
    <>
      <h2>The Jira side: an Automation rule</h2>
      <ol>
        <li>
          In Jira open <strong>Project settings → Automation → Create rule</strong> and choose the trigger{" "}
          <strong>Incoming webhook</strong>. Copy its URL and secret into this handler (Edit: Jira Automation webhook
          URL, Webhook secret).
        </li>
        <li>
          <strong>New mail becomes a work item:</strong> in the trigger, choose "No work items from the webhook"; add
          the condition <code>{"{{webhookData.issues.isEmpty}}"}</code> equals <code>true</code>, then the action{" "}
          <strong>Create work item</strong> with
          <pre>{`Summary:     {{webhookData.data.message.subject}}
Description: From {{webhookData.data.message.from.name}} <{{webhookData.data.message.from.address}}>

{{webhookData.data.message.bodyText}}`}</pre>
        </li>
        <li>
          <strong>Replies go to the work item named in the subject</strong> (a second rule): in the trigger, choose
          "Work items provided in the webhook HTTP POST body", so the rule runs on{" "}
          <code>{"{{webhookData.issues}}"}</code> (the keys edgepost found in the subject, e.g. ABC-123); add the action{" "}
          <strong>Comment on work item</strong> with <code>{"{{webhookData.data.message.bodyText}}"}</code>.
        </li>
        <li>
          To avoid duplicates, label what the rule creates with <code>{"{{webhookData.data.dedupeKey}}"}</code>: the
          same mail always carries the same key.
        </li>
      </ol>
    </>
  );
}
