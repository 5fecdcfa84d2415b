/**
 * Posting to a Jira Automation incoming webhook, and what the answer means: 2xx delivered; network
 * failure, timeout, 408, 429 and 5xx worth retrying; any other answer a refusal that retrying won't fix.
 * @module
 */
import { parseRetryAfter, send } from "../outbound-http.ts";
import type { Clock, HttpClient } from "../ports.ts";

const WEBHOOK_TIMEOUT_MS = 10_000;
const ERROR_DETAIL_MAX = 200;

export type DeliveryOutcome =
  | { kind: "delivered" }
  | { kind: "retry"; error: string; retryAfterSeconds: number | null }
  | { kind: "reject"; error: string };

export interface WebhookRequest {
  url: string;
  /** Sent as `X-Automation-Webhook-Token` when set. */
  token: string | null;
  idempotencyKey: string;
  body: string;
}

export async function postToWebhook(
  request: WebhookRequest,
  deps: { http: HttpClient; clock: Clock },
): Promise<DeliveryOutcome> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "idempotency-key": request.idempotencyKey,
    "user-agent": "edgepost",
  };
  if (request.token !== null) {
    headers["x-automation-webhook-token"] = request.token;
  }
  const outcome = await send(
    deps.http,
    new Request(request.url, { method: "POST", headers, body: request.body, redirect: "manual" }),
    {
      timeoutMs: WEBHOOK_TIMEOUT_MS,
    },
  );
  if (!outcome.ok) {
    // A URL the egress rules refuse stays refused: retrying cannot help.
    return outcome.failure === "refused"
      ? { kind: "reject", error: `webhook URL refused: ${outcome.message}` }
      : { kind: "retry", error: `webhook: ${outcome.message}`, retryAfterSeconds: null };
  }
  const { response } = outcome;
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel();
    return { kind: "delivered" };
  }
  const error = `webhook answered ${response.status}${await describe(response)}`;
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    return {
      kind: "retry",
      error,
      retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), deps.clock),
    };
  }
  return { kind: "reject", error };
}

/** Jira's own message, when it sent one in a known shape. */
async function describe(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { message?: unknown; errorMessages?: unknown };
    const message =
      typeof body.message === "string"
        ? body.message
        : Array.isArray(body.errorMessages)
          ? body.errorMessages.find((entry) => typeof entry === "string")
          : undefined;
    return typeof message === "string" && message !== "" ? `: ${message.slice(0, ERROR_DETAIL_MAX)}` : "";
  } catch {
    return "";
  }
}
