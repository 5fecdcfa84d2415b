/**
 * Posting to a Jira Automation incoming webhook, and what the answer means: 2xx delivered; network
 * failure, timeout, 408, 429 and 5xx worth retrying; any other answer a refusal that retrying won't fix.
 * @module
 */
import { parseRetryAfter, send } from "../outbound-http.ts";
import type { Clock, HttpClient } from "../ports.ts";

const WEBHOOK_TIMEOUT_MS = 10_000;
/** How a delivery error that carries the webhook's status starts: `webhook answered 401: …`. */
const WEBHOOK_ANSWERED = "webhook answered";
const ERROR_DETAIL_MAX = 200;

/** What the webhook answered; `status` is its HTTP status, or 0 when no answer came. */
export type DeliveryOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; status: number; error: string; retryAfterSeconds: number | null }
  | { kind: "reject"; status: number; error: string };

export interface WebhookRequest {
  url: string;
  /** Sent as `tokenHeader` (default `X-Automation-Webhook-Token`) when set. */
  token: string | null;
  /** The header that carries `token`: alerts use `X-Edgepost-Alert-Token`. */
  tokenHeader?: string;
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
    headers[request.tokenHeader ?? "x-automation-webhook-token"] = request.token;
  }
  let post: Request;
  try {
    post = new Request(request.url, { method: "POST", headers, body: request.body, redirect: "manual" });
  } catch (error) {
    // A header value no request can carry: sending again cannot help.
    return {
      kind: "reject",
      status: 0,
      error: `webhook request could not be built (${error instanceof Error ? error.message : "invalid"})`,
    };
  }
  const outcome = await send(deps.http, post, { timeoutMs: WEBHOOK_TIMEOUT_MS });
  if (!outcome.ok) {
    // A URL the egress rules refuse stays refused: retrying cannot help.
    return outcome.failure === "refused"
      ? { kind: "reject", status: 0, error: `webhook URL refused: ${outcome.message}` }
      : { kind: "retry", status: 0, error: `webhook: ${outcome.message}`, retryAfterSeconds: null };
  }
  const { response } = outcome;
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel();
    return { kind: "delivered", status: response.status };
  }
  const error = `${WEBHOOK_ANSWERED} ${response.status}${await describe(response)}`;
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    return {
      kind: "retry",
      status: response.status,
      error,
      retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), deps.clock),
    };
  }
  return { kind: "reject", status: response.status, error };
}

/** The status a delivery error names (`webhook answered 401…`), or null when the webhook did not answer. */
export function webhookStatusOf(error: string): number | null {
  const status = new RegExp(`^${WEBHOOK_ANSWERED} (\\d{3})`).exec(error)?.[1];
  return status === undefined ? null : Number(status);
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
