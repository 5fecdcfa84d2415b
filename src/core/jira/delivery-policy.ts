/**
 * When a failed webhook delivery is tried again: soon at first (the first retry within 5 s), then
 * further apart, seven attempts over more than an hour and a half, never sooner than `Retry-After`.
 * @module
 */

/** Waits after the 1st, 2nd, … failed attempt. */
const DELIVERY_RETRY_DELAYS_SECONDS: readonly number[] = [5, 30, 120, 600, 1800, 3600];
export const MAX_DELIVERY_ATTEMPTS = DELIVERY_RETRY_DELAYS_SECONDS.length + 1;
/** A `Retry-After` longer than this is not waited for; the schedule's delay applies. */
const MAX_HONOURED_RETRY_AFTER_SECONDS = 3600;

/** Seconds until the next attempt after `attempts` failed ones, or null when the message goes to the dead letters. */
export function nextAttemptDelaySeconds(attempts: number, retryAfterSeconds: number | null): number | null {
  const scheduled = DELIVERY_RETRY_DELAYS_SECONDS[attempts - 1];
  if (scheduled === undefined) {
    return null;
  }
  const requested = Math.min(retryAfterSeconds ?? 0, MAX_HONOURED_RETRY_AFTER_SECONDS);
  return Math.max(scheduled, requested);
}
