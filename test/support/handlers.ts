/**
 * Building blocks for handler tests: a connected account with a Jira receiver, handlers created
 * through the API, runs, and the outbox made due without waiting for real backoff.
 * @module
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { callJson, simulator } from "./api.ts";
import { connectedSetup } from "./accounts.ts";
import { advanceObjectClock } from "./object-clock.ts";
import type { AccountView } from "../../src/core/accounts/account.ts";
import type { HandlerView, RunCounts } from "../../src/core/handlers/handler.ts";
import type { TenantInfo, TenantInput } from "../simulator/control.ts";
import type { HookInfo } from "./simulator-client.ts";
import type { WebhookPayload } from "../../src/core/jira/payload.ts";

export interface HandlerWorld {
  tenant: TenantInfo;
  account: AccountView;
  credentialId: string;
  hook: HookInfo;
  /** The account's own mailbox address. */
  address: string;
}

export async function handlerWorld(input: TenantInput = {}): Promise<HandlerWorld> {
  const { tenant, account, credentialId } = await connectedSetup(input);
  const hook = await simulator().createHook();
  return { tenant, account, credentialId, hook, address: tenant.users[0]?.mail ?? "" };
}

export function handlerBody(world: HandlerWorld, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Support inbox",
    accountId: world.account.id,
    webhookUrl: world.hook.url,
    webhookToken: world.hook.token,
    ...overrides,
  };
}

export async function createHandler(
  world: HandlerWorld,
  overrides: Record<string, unknown> = {},
): Promise<HandlerView> {
  const { status, body } = await callJson<HandlerView>("POST", "/api/handlers", {
    body: handlerBody(world, overrides),
  });
  expect(status, JSON.stringify(body)).toBe(201);
  return body;
}

export type RunResult = RunCounts & { status: string; lastError: string | null };

export async function runNow(handlerId: string): Promise<RunResult> {
  const { status, body } = await callJson<RunResult>("POST", `/api/handlers/${handlerId}/run`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

export async function handlerView(handlerId: string): Promise<HandlerView> {
  return (await callJson<HandlerView>("GET", `/api/handlers/${handlerId}`)).body;
}

/** Longer than any retry delay (an hour, or a `Retry-After` of at most an hour). */
const PAST_EVERY_RETRY_SECONDS = 2 * 60 * 60;

/** Lets every waiting delivery retry now: the handler's clock moves past every backoff. */
export async function makeRetriesDue(handlerId: string): Promise<void> {
  await advanceObjectClock(env.HANDLERS.getByName(handlerId), PAST_EVERY_RETRY_SECONDS);
}

/** Graph requests the tenant's users made, faults included. */
export async function graphRequests(tenantId: string): Promise<number> {
  const counters = await simulator().counters(tenantId);
  return Object.entries(counters)
    .filter(([name]) => name.startsWith("graph.") && !name.startsWith("graph.fault."))
    .reduce((sum, [, value]) => sum + value, 0);
}

/** The payloads a Jira receiver accepted (2xx), in the order they arrived. */
export async function acceptedPayloads(hookId: string): Promise<WebhookPayload[]> {
  const { requests } = await simulator().hook(hookId);
  return requests
    .filter((request) => request.status >= 200 && request.status < 300)
    .map((request) => request.body as WebhookPayload);
}
