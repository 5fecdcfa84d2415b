/**
 * Request plumbing shared by the identity and Graph clients: one timeout for every call to Microsoft,
 * network failures turned into errors that say so, and `Retry-After` parsed as Microsoft sends it
 * (seconds, possibly fractional, or an HTTP date).
 * @module
 */
import { EgressRefusedError } from "./egress.ts";
import type { Clock, HttpClient } from "./ports.ts";

/** Every request to Microsoft gives up after this long. */
const MICROSOFT_REQUEST_TIMEOUT_MS = 10_000;

export type SendOutcome =
  | { ok: true; response: Response }
  | { ok: false; failure: "network" | "timeout" | "refused"; message: string };

/**
 * Sends `request` with a timeout; a failure to get any response is returned, not thrown, and so is a
 * request the egress rules refused before it left (`refused`, which retrying cannot change).
 */
export async function send(
  http: HttpClient,
  request: Request,
  options: { timeoutMs?: number } = {},
): Promise<SendOutcome> {
  const timeoutMs = options.timeoutMs ?? MICROSOFT_REQUEST_TIMEOUT_MS;
  try {
    const response = await http(new Request(request, { signal: AbortSignal.timeout(timeoutMs) }));
    return { ok: true, response };
  } catch (error) {
    if (error instanceof EgressRefusedError) {
      return { ok: false, failure: "refused", message: error.message };
    }
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return timedOut
      ? { ok: false, failure: "timeout", message: `no answer within ${timeoutMs / 1000} s` }
      : { ok: false, failure: "network", message: "the connection failed" };
  }
}

/** `Retry-After` in seconds (fractions kept), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, clock: Clock): number | null {
  if (value === null || value.trim() === "") {
    return null;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - clock.now()) / 1000);
}

/** Reads a JSON body, or undefined when it is not JSON. */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
