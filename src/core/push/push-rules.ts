/**
 * The rules of push (Graph change notifications waking a handler): whether a handler can have a
 * subscription at all, how long to ask for, when to renew, how far apart notified runs start, how
 * long to wait after a failure, and the status a handler shows. Pure: the handler object applies them.
 * @module
 */
import { pushUnavailableAdvice } from "./push-advice.ts";
import { isLoopbackHostname } from "../microsoft/endpoints.ts";
import type { HandlerConfig } from "../handlers/handler.ts";

export type PushMode = HandlerConfig["push"];
export type PushState = "pending" | "active" | "failed" | "unavailable" | "off";

/** What a handler view shows of its push subscription. */
export interface PushStatus {
  state: PushState;
  /** The expiry Graph returned (it may shorten the one asked for), while a subscription exists. */
  expiresAt: string | null;
  lastNotificationAt: string | null;
  /** Why push is unavailable or failed, and what to fix; null otherwise. */
  reason: string | null;
}

/**
 * The longest lifetime Graph allows for a subscription to Outlook messages without resource data:
 * 10,080 minutes (https://learn.microsoft.com/graph/api/resources/subscription#subscription-lifetime).
 */
export const SUBSCRIPTION_MAX_LIFETIME_MINUTES = 10_080;
/** Graph raises a requested lifetime under 45 minutes to 45 minutes (same page). */
export const SUBSCRIPTION_MIN_LIFETIME_MINUTES = 45;
/** Asked for this much less than the maximum, so a clock running ahead of Microsoft's never asks for too much. */
const CLOCK_SKEW_ALLOWANCE_MS = 60_000;
/** Runs woken by notifications start at least this far apart, so a burst costs a few runs. */
export const NOTIFIED_RUN_GAP_MS = 2_000;
/**
 * Microsoft asks not to reauthorize and update one subscription within 10 minutes
 * (https://learn.microsoft.com/graph/change-notifications-lifecycle-events).
 */
export const REAUTHORIZE_UPDATE_GAP_MS = 10 * 60_000;
/** Waits after consecutive failures to create or renew: 1, 5, 15 minutes, then hourly. */
const RETRY_DELAYS_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000];
const RETRY_DELAY_MAX_MS = 60 * 60_000;

/** What a handler's push should be, given its settings and the Worker's. */
export type PushPlan =
  | { kind: "wanted"; notificationUrl: string; lifecycleNotificationUrl: string }
  | { kind: "off"; reason: string | null }
  | { kind: "unavailable"; reason: string };

export interface PushPlanFacts {
  mode: PushMode;
  enabled: boolean;
  /** `me` or a shared mailbox's address. */
  mailbox: string;
  /** `PUBLIC_URL` without trailing slash, or null when not set. */
  publicUrl: string | null;
  allowHttpLoopback: boolean;
}

/**
 * Whether the handler gets a subscription. Microsoft allows delegated subscriptions only on folders of
 * the signed-in user's own mailbox (https://learn.microsoft.com/graph/outlook-share-messages-folders),
 * and calls only https endpoints (https://learn.microsoft.com/graph/api/resources/subscription): http
 * on a loopback address is accepted where `ALLOW_HTTP_LOOPBACK` is true, for tests and the demo.
 */
export function pushPlan(facts: PushPlanFacts): PushPlan {
  if (facts.mode === "off") {
    return { kind: "off", reason: null };
  }
  if (!facts.enabled) {
    return { kind: "off", reason: "The handler is disabled." };
  }
  if (facts.mailbox !== "me") {
    return { kind: "unavailable", reason: pushUnavailableAdvice({ cause: "shared_mailbox" }) };
  }
  if (facts.publicUrl === null) {
    return { kind: "unavailable", reason: pushUnavailableAdvice({ cause: "no_public_url" }) };
  }
  if (!canReceiveCalls(facts.publicUrl, { allowHttpLoopback: facts.allowHttpLoopback })) {
    return { kind: "unavailable", reason: pushUnavailableAdvice({ cause: "http_public_url" }) };
  }
  return {
    kind: "wanted",
    notificationUrl: `${facts.publicUrl}/graph/notifications`,
    lifecycleNotificationUrl: `${facts.publicUrl}/graph/lifecycle`,
  };
}

/** Whether Microsoft can call this base URL: https, or loopback http where allowed. */
export function canReceiveCalls(baseUrl: string, options: { allowHttpLoopback: boolean }): boolean {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false;
  }
  return (
    url.protocol === "https:" ||
    (url.protocol === "http:" && options.allowHttpLoopback && isLoopbackHostname(url.hostname))
  );
}

/** The expiry to ask for: the longest Outlook allows. */
export function requestedExpiry(now: number): number {
  return now + SUBSCRIPTION_MAX_LIFETIME_MINUTES * 60_000 - CLOCK_SKEW_ALLOWANCE_MS;
}

export interface SubscriptionTimes {
  /** When it was created or last renewed: the start of its current lifetime. */
  renewedAt: number;
  expiresAt: number;
  /** When it was last renewed (an update, unlike its creation), or null. */
  patchedAt: number | null;
  /** When it was last reauthorized, or null. */
  reauthorizedAt: number | null;
}

/**
 * When a subscription is due for renewal: once less than half of its lifetime is left, but not within
 * 10 minutes of a reauthorization.
 */
export function renewalDueAt(times: SubscriptionTimes): number {
  const halfLife = times.renewedAt + Math.floor((times.expiresAt - times.renewedAt) / 2);
  return times.reauthorizedAt === null
    ? halfLife
    : Math.max(halfLife, times.reauthorizedAt + REAUTHORIZE_UPDATE_GAP_MS);
}

/** When a reauthorization may be sent: at once, or 10 minutes after the last renewal. */
export function reauthorizeAt(times: SubscriptionTimes, now: number): number {
  return times.patchedAt === null ? now : Math.max(now, times.patchedAt + REAUTHORIZE_UPDATE_GAP_MS);
}

/** When a run woken by a notification may start: at once, unless the last run started less than 2 s ago. */
export function notifiedRunAt(facts: { now: number; lastRunStartedAt: number | null }): number {
  return facts.lastRunStartedAt === null
    ? facts.now
    : Math.max(facts.now, facts.lastRunStartedAt + NOTIFIED_RUN_GAP_MS);
}

/** How long to wait before trying again after `failures` consecutive failures (1 or more). */
export function pushRetryDelayMs(failures: number): number {
  return RETRY_DELAYS_MS[Math.max(failures, 1) - 1] ?? RETRY_DELAY_MAX_MS;
}
