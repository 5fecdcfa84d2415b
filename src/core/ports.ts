/**
 * The small interfaces through which the core reaches the outside world. Adapters (the Worker, tests,
 * benchmarks) provide them, so the core runs on any runtime with `fetch` and WebCrypto.
 * @module
 */

/** Milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/** The subset of `fetch` the core uses: a ready-made `Request` in, a `Response` out. */
export type HttpClient = (request: Request) => Promise<Response>;

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/**
 * Structured logging. Fields carry ids, codes and counts only: callers never pass secrets, tokens or
 * authorization codes, and the adapters do not try to scrub them afterwards.
 */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export const SYSTEM_CLOCK: Clock = { now: (): number => Date.now() };
