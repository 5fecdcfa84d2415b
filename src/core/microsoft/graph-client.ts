/**
 * A Microsoft Graph client that behaves as Microsoft asks (https://learn.microsoft.com/graph/throttling):
 * every request holds slots of the mailbox's Outlook budget (four concurrent requests per app and
 * mailbox, counted across every caller; a `$batch` holds all four, since Graph dispatches up to four of
 * its items at once), `Retry-After` is honoured (fractions included) on the statuses a request may
 * repeat, exponential backoff without one, one forced token refresh after a 401, and Graph's error JSON
 * becomes a typed `GraphError`. Answers are parsed with a schema at the boundary (`parseGraphBody`).
 * @module
 */
import { Semaphore } from "../concurrency.ts";
import { parseRetryAfter, readJson, send } from "../outbound-http.ts";
import * as z from "../zod.ts";
import type { Clock, HttpClient } from "../ports.ts";

/** Outlook allows four concurrent requests per app and mailbox. */
export const OUTLOOK_CONCURRENT_REQUESTS = 4;
/** Attempts per request before a throttling or outage error is given up on. */
const GRAPH_MAX_ATTEMPTS = 5;
/** Longest single wait honoured; a longer `Retry-After` ends the call so the caller can resume later. */
const GRAPH_MAX_RETRY_WAIT_SECONDS = 30;
const BACKOFF_BASE_SECONDS = 1;
/** What Graph asks to be retried: throttling and passing outages. */
export const RETRIED_STATUSES: readonly number[] = [429, 503, 504];
/** A path that is a whole URL (a next or delta link) rather than a path below the base URL. */
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i;

export class GraphError extends Error {
  override readonly name = "GraphError";
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** Graph's `error.code` (e.g. `ErrorAccessDenied`), or `network` / `timeout` / `invalid_response`. */
  readonly code: string;
  readonly retryAfterSeconds: number | null;

  constructor(fields: {
    status: number;
    code: string;
    message: string;
    retryAfterSeconds?: number | null;
    cause?: unknown;
  }) {
    super(fields.message, { cause: fields.cause });
    this.status = fields.status;
    this.code = fields.code;
    this.retryAfterSeconds = fields.retryAfterSeconds ?? null;
  }
}

/** An access token; `forceRefresh` after Graph refused the previous one with 401. */
export type AccessTokenSource = (options: { forceRefresh: boolean }) => Promise<string>;

/**
 * The mailbox's share of Outlook's concurrency: `acquire(weight)` resolves once that many of the four
 * slots are free and gives back the function that frees them. Shared by every caller of one mailbox.
 */
export interface RequestSlots {
  acquire(weight: number): Promise<() => Promise<void> | void>;
}

/** Slots for callers inside one process (core tests, one-off API calls). */
export function localSlots(): RequestSlots {
  const semaphore = new Semaphore(OUTLOOK_CONCURRENT_REQUESTS);
  return {
    async acquire(weight) {
      const releases = await Promise.all(Array.from({ length: weight }, () => semaphore.acquire()));
      return () => {
        for (const release of releases) {
          release();
        }
      };
    },
  };
}

export interface GraphClientOptions {
  http: HttpClient;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  baseUrl: string;
  accessToken: AccessTokenSource;
  /** Extra headers on every request, such as `Prefer: IdType="ImmutableId"`. */
  headers?: Record<string, string>;
  /** The mailbox's Outlook budget; a private one per client when absent. */
  slots?: RequestSlots;
}

export interface GraphRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** A path below the base URL (`/me/messages`) or an absolute `@odata.nextLink`. */
  path: string;
  body?: unknown;
  /** Headers of this request only, on top of the client's (a later `Prefer` replaces the client's). */
  headers?: Record<string, string>;
  /**
   * Whether a request whose outcome is unknown (network failure, timeout) may be sent again.
   * Defaults to true for GET, PATCH and DELETE, false for POST.
   */
  repeatable?: boolean;
  /** The error statuses this request is sent again for, after `Retry-After`; default `RETRIED_STATUSES`. */
  retriedStatuses?: readonly number[];
  /** Give up waiting for an answer after this long; default the Microsoft timeout of `outbound-http.ts`. */
  timeoutMs?: number;
  /** Slots of the mailbox's budget this request holds: 1, or 4 for a `$batch`. */
  weight?: number;
}

export interface GraphResponse {
  status: number;
  body: unknown;
}

export class GraphClient {
  readonly #options: GraphClientOptions;
  readonly #slots: RequestSlots;

  constructor(options: GraphClientOptions) {
    this.#options = options;
    this.#slots = options.slots ?? localSlots();
  }

  /** Sends a request, retrying what Microsoft says to retry; a final error status throws `GraphError`. */
  async request(request: GraphRequest): Promise<GraphResponse> {
    this.#requireOwnOrigin(request.path);
    const repeatable = request.repeatable ?? request.method !== "POST";
    const retried = request.retriedStatuses ?? RETRIED_STATUSES;
    let forceRefresh = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.#options.accessToken({ forceRefresh });
      const release = await this.#slots.acquire(request.weight ?? 1);
      let outcome: Awaited<ReturnType<typeof send>>;
      let body: unknown;
      try {
        outcome = await send(this.#options.http, this.#build(request, token), {
          ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
        });
        if (outcome.ok) {
          const { response } = outcome;
          body = response.status === 204 || response.status === 202 ? await drain(response) : await readJson(response);
        }
      } finally {
        await release();
      }
      if (!outcome.ok) {
        const error = new GraphError({ status: 0, code: outcome.failure, message: `Graph: ${outcome.message}` });
        if (!repeatable || attempt >= GRAPH_MAX_ATTEMPTS || outcome.failure === "refused") {
          throw error;
        }
        await this.#options.sleep(backoffSeconds(attempt) * 1000);
        continue;
      }
      const { response } = outcome;
      if (response.ok) {
        return { status: response.status, body };
      }
      const error = graphErrorFrom(response, body, this.#options.clock);
      if (response.status === 401 && !forceRefresh) {
        forceRefresh = true;
        continue;
      }
      if (!retried.includes(response.status) || attempt >= GRAPH_MAX_ATTEMPTS) {
        throw error;
      }
      const wait = error.retryAfterSeconds ?? backoffSeconds(attempt);
      if (wait > GRAPH_MAX_RETRY_WAIT_SECONDS) {
        throw error;
      }
      await this.#options.sleep(wait * 1000);
    }
  }

  /** A GET whose answer must match `schema`. */
  async getParsed<T extends z.ZodMiniType>(path: string, schema: T, what: string): Promise<z.output<T>> {
    return parseGraphBody(schema, (await this.request({ method: "GET", path })).body, what);
  }

  /**
   * An absolute path (an `@odata.nextLink` or `@odata.deltaLink` from a response) is followed only on
   * the base URL's origin: a link elsewhere would carry the access token to whoever wrote it.
   */
  #requireOwnOrigin(path: string): void {
    if (!ABSOLUTE_URL.test(path)) {
      return;
    }
    const expected = new URL(this.#options.baseUrl).origin;
    let origin: string;
    try {
      origin = new URL(path).origin;
    } catch {
      origin = "an unreadable URL";
    }
    if (origin !== expected) {
      throw new GraphError({
        status: 0,
        code: "foreign_link",
        message: `Graph returned a link to ${origin}, outside ${expected}; edgepost does not follow it`,
      });
    }
  }

  #build(request: GraphRequest, token: string): Request {
    const url = ABSOLUTE_URL.test(request.path) ? request.path : `${this.#options.baseUrl}${request.path}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      ...this.#options.headers,
      ...request.headers,
    };
    if (request.body !== undefined) {
      headers["content-type"] = "application/json";
    }
    return new Request(url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
  }
}

/**
 * Checks what Graph answered against `schema`. A malformed answer is a `GraphError` with code
 * `invalid_response` (status 200: Graph said it succeeded), never a `TypeError` further on.
 */
export function parseGraphBody<T extends z.ZodMiniType>(schema: T, body: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) {
    return parsed.data;
  }
  const issue = parsed.error.issues[0];
  throw new GraphError({
    status: 200,
    code: "invalid_response",
    message: `Graph answered ${what} in a form edgepost does not understand (${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"})`,
    cause: parsed.error,
  });
}

/** Graph's error JSON (https://learn.microsoft.com/graph/errors); `code` may be empty. */
const graphErrorBodySchema = z.object({
  error: z.optional(z.object({ code: z.optional(z.string()), message: z.optional(z.string()) })),
});

/** The `GraphError` for an error status and the body Graph sent with it (any shape). */
export function graphErrorOf(status: number, body: unknown, retryAfterSeconds: number | null): GraphError {
  const parsed = graphErrorBodySchema.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  return new GraphError({
    status,
    code: error?.code === undefined || error.code === "" ? `http_${status}` : error.code,
    message: error?.message ?? `Graph answered ${status}`,
    retryAfterSeconds,
  });
}

function graphErrorFrom(response: { status: number; headers: Headers }, body: unknown, clock: Clock): GraphError {
  return graphErrorOf(response.status, body, parseRetryAfter(response.headers.get("retry-after"), clock));
}

/** 1 s, 2 s, 4 s, … */
function backoffSeconds(attempt: number): number {
  return BACKOFF_BASE_SECONDS * 2 ** (attempt - 1);
}

async function drain(response: Response): Promise<undefined> {
  await response.body?.cancel();
  return undefined;
}
