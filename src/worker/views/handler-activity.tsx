/**
 * A handler's recent activity: what happened to each of the latest messages (delivered, skipped and
 * why, waiting for a retry, dead), and Jira's answer, newest first.
 * @module
 */
import { HANDLER_FORM } from "../admin/handler-form.ts";
import { formatTime } from "./components.tsx";
import type { Child } from "hono/jsx";
import type { ActivityItem } from "../../core/handlers/handler.ts";

/** How each outcome reads, and its badge. */
const OUTCOME_LOOK: Readonly<Record<ActivityItem["outcome"], { label: string; tone: string }>> = {
  delivered: { label: "delivered", tone: "ok" },
  skipped: { label: "skipped", tone: "muted" },
  pending: { label: "waiting for a retry", tone: "info" },
  dead: { label: "dead letter", tone: "bad" },
};

/** Why a message was skipped, in words: the handler's skip rules (`skipRules`) and duplicates. */
const SKIP_WORDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(HANDLER_FORM.skipRules.options),
  duplicate: "The same mail arrived twice; the first was delivered",
};

export function Activity(props: { items: ActivityItem[] }): Child {
  if (props.items.length === 0) {
    return <p>Nothing yet: no mail has reached this handler.</p>;
  }
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Message</th>
          <th scope="col">Received</th>
          <th scope="col">Outcome</th>
          <th scope="col">Jira's answer</th>
          <th scope="col">When</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => {
          const look = OUTCOME_LOOK[item.outcome] ?? { label: item.outcome, tone: "muted" };
          return (
            <tr>
              <td data-label="Message">
                {item.subject}
                <div class="small mono">{item.from ?? "—"}</div>
              </td>
              <td data-label="Received">{formatTime(item.receivedAt)}</td>
              <td data-label="Outcome">
                <span class={`badge ${look.tone}`}>{look.label}</span>
                {item.reason === null ? null : <div class="small">{SKIP_WORDS[item.reason] ?? item.reason}</div>}
              </td>
              <td data-label="Jira's answer">
                {item.lastStatus === null ? "—" : item.lastStatus === 0 ? "no answer" : `HTTP ${item.lastStatus}`}
                {item.attempts > 1 ? <div class="small hint">{item.attempts} attempts</div> : null}
              </td>
              <td data-label="When">{formatTime(item.at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
