/**
 * The page that asks before something is deleted or disconnected: what will happen, one button that
 * does it, and the way back. It works without JavaScript; when something must go first (handlers that
 * still use a mailbox), the page says so instead of offering the button.
 * @module
 */
import { AdminPage, PostButton } from "./components.tsx";
import type { Child } from "hono/jsx";
import type { AdminFrame } from "./components.tsx";

export function ConfirmPage(props: {
  frame: AdminFrame;
  title: string;
  /** What happens, in a sentence or two. */
  consequences: Child;
  action: string;
  confirmLabel: string;
  cancelHref: string;
  /** When set, what must be done first; the page then offers no button. */
  blockedBy?: Child;
}): Child {
  return (
    <AdminPage title={props.title} frame={props.frame}>
      {props.consequences}
      {props.blockedBy === undefined ? (
        <div class="actions">
          <PostButton
            action={props.action}
            csrfToken={props.frame.csrfToken}
            label={props.confirmLabel}
            kind="danger"
          />
          <a href={props.cancelHref}>Cancel</a>
        </div>
      ) : (
        <>
          <div class="notice warn" role="status">
            {props.blockedBy}
          </div>
          <p>
            <a href={props.cancelHref}>Back</a>
          </p>
        </>
      )}
    </AdminPage>
  );
}
