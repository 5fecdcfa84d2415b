/**
 * Building blocks for alert tests: an alert webhook (a simulated receiver with a token) set through the
 * API, and the alerts it received about one subject once the alerts object has posted what was due.
 * @module
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { callJson, simulator } from "./api.ts";
import type { AlertPayload } from "../../src/core/alerts/alert-payload.ts";
import type { HookInfo } from "./simulator-client.ts";

/** Points alerts at a new receiver with a token, every event on; answers the receiver. */
export async function alertReceiver(): Promise<HookInfo> {
  const hook = await simulator().createHook({ tokenHeader: "x-edgepost-alert-token" });
  const { status, body } = await callJson("PUT", "/api/alerts", {
    body: { webhookUrl: hook.url, webhookToken: hook.token },
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return hook;
}

/** Posts every alert that is due now. */
export async function deliverAlerts(): Promise<void> {
  await env.ALERTS.getByName("alerts").deliverDue();
}

/** The alerts `hook` accepted about subject `id`, oldest first (after posting what was due). */
export async function alertsAbout(hook: HookInfo, id: string): Promise<AlertPayload[]> {
  await deliverAlerts();
  const { requests } = await simulator().hook(hook.id);
  return requests
    .filter((request) => request.status >= 200 && request.status < 300)
    .map((request) => request.body as AlertPayload)
    .filter((payload) => payload.subject.id === id);
}

/** The event names of those alerts. */
export async function eventsAbout(hook: HookInfo, id: string): Promise<string[]> {
  return (await alertsAbout(hook, id)).map((alert) => alert.event);
}
