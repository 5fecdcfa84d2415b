/**
 * A Jira Automation incoming-webhook receiver: records what it gets, checks the
 * `X-Automation-Webhook-Token` (or, for a receiver of edgepost's alerts, `X-Edgepost-Alert-Token`),
 * and fails or answers slowly on demand.
 * @module
 */
import { escapeHtml, htmlPage } from "./responses.ts";
import { SimulatedNetworkError, sleep, takeFault } from "./state.ts";
import type { SimHook, SimState } from "./state.ts";

const RECORDED_HEADERS = [
  "content-type",
  "idempotency-key",
  "x-automation-webhook-token",
  "x-edgepost-alert-token",
  "user-agent",
];

export async function handleHook(
  hook: SimHook,
  request: Request,
  options: { random: () => number },
): Promise<Response> {
  if (request.method !== "POST") {
    return jiraError(405, "Method not allowed");
  }
  const text = await request.text();
  await sleep(hook.latencyMs);
  const headers = Object.fromEntries(
    RECORDED_HEADERS.flatMap((name) => {
      const value = request.headers.get(name);
      return value === null ? [] : [[name, value]];
    }),
  );
  const record = (status: number, body: unknown): void => {
    hook.requests.push({ receivedAt: new Date().toISOString(), status, headers, body });
  };
  const key = request.headers.get("idempotency-key");
  const attempt = (hook.attemptsByKey.get(key ?? "") ?? 0) + 1;
  if (key !== null) {
    hook.attemptsByKey.set(key, attempt);
  }
  if (hook.failuresPerKey !== null && attempt <= hook.failuresPerKey.count) {
    record(hook.failuresPerKey.status, safeJson(text));
    return jiraError(hook.failuresPerKey.status, "Simulated failure for this key", hook.failuresPerKey.retryAfter);
  }
  const fault = takeFault(hook.faults, options);
  if (fault?.kind === "network") {
    record(0, safeJson(text));
    throw new SimulatedNetworkError("webhook connection dropped");
  }
  if (fault?.kind === "error") {
    record(fault.status, safeJson(text));
    return jiraError(fault.status, fault.description ?? "Simulated failure", fault.retryAfter);
  }
  if (hook.token !== null && request.headers.get(hook.tokenHeader) !== hook.token) {
    record(401, safeJson(text));
    return jiraError(401, "Invalid webhook token");
  }
  const body = safeJson(text);
  if (body === undefined || !(request.headers.get("content-type") ?? "").includes("json")) {
    record(400, text);
    return jiraError(400, "Webhook payload must be JSON");
  }
  record(200, body);
  return new Response(null, { status: 200 });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function jiraError(status: number, message: string, retryAfter?: string): Response {
  return new Response(JSON.stringify({ message }), {
    status,
    headers: { "content-type": "application/json", ...(retryAfter === undefined ? {} : { "retry-after": retryAfter }) },
  });
}

/** `GET /jira`: what every receiver got, newest first, for people trying the demo. */
export function hooksPage(state: SimState): Response {
  const sections = [...state.hooks.values()].map((hook) => {
    const rows = [...hook.requests]
      .reverse()
      .map((entry) => {
        const body = entry.body as
          | { issues?: string[]; data?: { message?: { subject?: string; from?: { address?: string } } } }
          | undefined;
        return `<tr><td>${escapeHtml(entry.receivedAt)}</td><td>${entry.status}</td><td>${escapeHtml((body?.issues ?? []).join(", "))}</td><td>${escapeHtml(body?.data?.message?.subject ?? "")}</td><td>${escapeHtml(body?.data?.message?.from?.address ?? "")}</td></tr>`;
      })
      .join("");
    return `<h2>Webhook ${escapeHtml(hook.id)}</h2><table border="1" cellpadding="4"><tr><th>Received</th><th>Status</th><th>issues</th><th>Subject</th><th>From</th></tr>${rows}</table>`;
  });
  return htmlPage(
    200,
    "Jira Automation (simulated)",
    `<main><h1>Jira Automation incoming webhooks (simulated)</h1>${sections.join("") || "<p>No webhooks yet.</p>"}</main>`,
  );
}
