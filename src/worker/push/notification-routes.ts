/**
 * `POST /graph/notifications` and `POST /graph/lifecycle`: where Microsoft Graph calls edgepost
 * (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks). Public, no bearer: a
 * notification proves itself by its subscription's `clientState`, which the handler's object checks.
 *
 * - `?validationToken=…` (any content type): 200 `text/plain` with the token as Graph sent it, decoded.
 * - A well-formed body: 202 at once. The work is handed on after the answer (`waitUntil`): the
 *   directory shard of each subscription id names its handler, whose object checks and schedules;
 *   nothing in the request path calls Graph, so the answer comes well within Graph's 3 seconds.
 * - A malformed body: 400; too large: 413. Never a 5xx, which would make Graph retry for hours.
 * @module
 */
import { Hono } from "hono";
import {
  bySubscription,
  NOTIFICATION_BODY_LIMIT_BYTES,
  parseChangeNotifications,
  parseLifecycleNotifications,
  VALIDATION_TOKEN_MAX_CHARS,
} from "../../core/push/notifications.ts";
import { fieldIssue, ValidationError } from "../../core/validation.ts";
import { readCappedText } from "../http/json-body.ts";
import { handleError } from "../http/error-handler.ts";
import { problem, ProblemError, problemResponse } from "../http/problem.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { directoryShardOf } from "../stores/directory-shards.ts";
import type { Context } from "hono";
import type { ChangeNotice } from "../../core/push/notifications.ts";
import type { Env } from "../env.ts";
import type { AppEnv } from "../http/context.ts";

export const notificationRoutes = new Hono<AppEnv>();

notificationRoutes.post("/notifications", (c) =>
  receive(c, {
    parse: parseChangeNotifications,
    deliver: (env, handlerId, notices) => env.HANDLERS.getByName(handlerId).notify(notices),
  }),
);

notificationRoutes.post("/lifecycle", (c) =>
  receive(c, {
    parse: parseLifecycleNotifications,
    deliver: (env, handlerId, notices) => env.HANDLERS.getByName(handlerId).lifecycle(notices),
  }),
);

interface Receiver<T extends ChangeNotice> {
  parse(body: unknown): T[];
  /** Hands the notices of one subscription to the object of the handler holding it. */
  deliver(env: Env, handlerId: string, notices: T[]): Promise<void>;
}

async function receive<T extends ChangeNotice>(c: Context<AppEnv>, receiver: Receiver<T>): Promise<Response> {
  const token = c.req.query("validationToken");
  if (token !== undefined) {
    return validationAnswer(token);
  }
  let notices: T[];
  try {
    const text = await readCappedText(c.req.raw, { maxBytes: NOTIFICATION_BODY_LIMIT_BYTES });
    notices = receiver.parse(parseJson(text));
  } catch (error) {
    return refusal(error, c);
  }
  c.executionCtx.waitUntil(route(c.env, notices, receiver));
  return c.body(null, 202);
}

/** Graph's handshake: the token back, decoded, as plain text, or 400 for something that is not a token. */
function validationAnswer(token: string): Response {
  if (token === "" || token.length > VALIDATION_TOKEN_MAX_CHARS) {
    return problemResponse(
      problem("invalidInput", `validationToken must be 1 to ${VALIDATION_TOKEN_MAX_CHARS} characters`, {
        errors: [fieldIssue("validationToken", `must be 1 to ${VALIDATION_TOKEN_MAX_CHARS} characters`)],
      }),
    );
  }
  return new Response(token, {
    status: 200,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError([fieldIssue("", "is not valid JSON")], { cause: error });
  }
}

/** 400 (or 413) for a body that is not a notification; whatever else went wrong is not Graph's to retry. */
function refusal(error: unknown, c: Context<AppEnv>): Response | Promise<Response> {
  if (error instanceof ProblemError || error instanceof ValidationError) {
    return handleError(error, c);
  }
  CONSOLE_LOGGER.error("push.receive_failed", { error: error instanceof Error ? error.name : "unknown" });
  return problemResponse(problem("invalidInput", "The notification could not be read"));
}

/** Finds each subscription's handler and hands its notices over; unknown subscriptions change nothing. */
async function route<T extends ChangeNotice>(env: Env, notices: T[], receiver: Receiver<T>): Promise<void> {
  await Promise.all(
    [...bySubscription(notices)].map(async ([subscriptionId, group]) => {
      try {
        const handlerId = await directoryShardOf(env, subscriptionId).subscriptionOwner(subscriptionId);
        if (handlerId === null) {
          CONSOLE_LOGGER.warn("push.unknown_subscription", { subscriptionId, notices: group.length });
          return;
        }
        await receiver.deliver(env, handlerId, group);
      } catch (error) {
        // Nothing is lost: the next poll reads the mailbox anyway.
        CONSOLE_LOGGER.error("push.route_failed", {
          subscriptionId,
          error: error instanceof Error ? error.name : "unknown",
        });
      }
    }),
  );
}
