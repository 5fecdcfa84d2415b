/**
 * A Microsoft Graph client that behaves as Microsoft asks (https://learn.microsoft.com/graph/throttling): at most four
 * concurrent requests (Outlook's limit per app and mailbox; one client serves one handler run or one
 * API request), `Retry-After` honoured (fractions included) on 429, 503 and 504,
 * exponential backoff without one, one forced token refresh after a 401, and Graph's error JSON turned
 * into a typed `GraphError`.
 * @module
 */
import { Semaphore } from "../concurrency.ts";
import { parseRetryAfter, readJson, send } from "../outbound-http.ts";
import type { Clock, HttpClient } from "../ports.ts";

/** Outlook allows four concurrent requests per app and mailbox. */
const GRAPH_MAX_CONCURRENCY = 4;
/** Attempts per request before a throttling or outage error is given up on. */
const GRAPH_MAX_ATTEMPTS = 5;
/** Longest single wait honoured; a longer `Retry-After` ends the call so the caller can resume later. */
const GRAPH_MAX_RETRY_WAIT_SECONDS = 30;
const BACKOFF_BASE_SECONDS = 1;
const RETRYABLE_STATUSES = new Set([429, 503, 504]);
/** A path that is a whole URL (a next or delta link) rather than a path below the base URL. */
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i;

export class GraphError extends Error {
  override readonly name = "GraphError";
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** Graph's `error.code` (e.g. `ErrorAccessDenied`), or `network` / `timeout`. */
  readonly code: string;
  readonly retryAfterSeconds: number | null;

  constructor(fields: { status: number; code: string; message: string; retryAfterSeconds?: number | null }) {
    super(fields.message);
    this.status = fields.status;
    this.code = fields.code;
    this.retryAfterSeconds = fields.retryAfterSeconds ?? null;
  }
}

/** An access token; `forceRefresh` after Graph refused the previous one with 401. */
export type AccessTokenSource = (options: { forceRefresh: boolean }) => Promise<string>;

export interface GraphClientOptions {
  http: HttpClient;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  baseUrl: string;
  accessToken: AccessTokenSource;
  /** Extra headers on every request, such as `Prefer: IdType="ImmutableId"`. */
  headers?: Record<string, string>;
}

export interface GraphRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** A path below the base URL (`/me/messages`) or an absolute `@odata.nextLink`. */
  path: string;
  body?: unknown;
  /**
   * Whether a request whose outcome is unknown (network failure, timeout) may be sent again.
   * Defaults to true for GET, PATCH and DELETE, false for POST.
   */
  repeatable?: boolean;
}

export interface GraphResponse {
  status: number;
  body: unknown;
}

export class GraphClient {
  readonly #options: GraphClientOptions;
  readonly #limiter: Semaphore;

  constructor(options: GraphClientOptions) {
    this.#options = options;
    this.#limiter = new Semaphore(GRAPH_MAX_CONCURRENCY);
  }

  /** Sends a request, retrying what Microsoft says to retry; a final error status throws `GraphError`. */
  async request(request: GraphRequest): Promise<GraphResponse> {
    this.#requireOwnOrigin(request.path);
    const repeatable = request.repeatable ?? request.method !== "POST";
    let forceRefresh = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.#options.accessToken({ forceRefresh });
      const outcome = await this.#limiter.run(() => send(this.#options.http, this.#build(request, token)));
      if (!outcome.ok) {
        const error = new GraphError({ status: 0, code: outcome.failure, message: `Graph: ${outcome.message}` });
        if (!repeatable || attempt >= GRAPH_MAX_ATTEMPTS || outcome.failure === "refused") {
          throw error;
        }
        await this.#options.sleep(backoffSeconds(attempt) * 1000);
        continue;
      }
      const { response } = outcome;
      const body =
        response.status === 204 || response.status === 202 ? await drain(response) : await readJson(response);
      if (response.ok) {
        return { status: response.status, body };
      }
      const error = graphErrorFrom(response, body, this.#options.clock);
      if (response.status === 401 && !forceRefresh) {
        forceRefresh = true;
        continue;
      }
      if (!RETRYABLE_STATUSES.has(response.status) || attempt >= GRAPH_MAX_ATTEMPTS) {
        throw error;
      }
      const wait = error.retryAfterSeconds ?? backoffSeconds(attempt);
      if (wait > GRAPH_MAX_RETRY_WAIT_SECONDS) {
        throw error;
      }
      await this.#options.sleep(wait * 1000);
    }
  }

  async getJson<T>(path: string): Promise<T> {
    return (await this.request({ method: "GET", path })).body as T;
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

function graphErrorFrom(response: { status: number; headers: Headers }, body: unknown, clock: Clock): GraphError {
  const error =
    typeof body === "object" && body !== null
      ? (body as { error?: { code?: unknown; message?: unknown } }).error
      : undefined;
  const code = typeof error?.code === "string" && error.code !== "" ? error.code : `http_${response.status}`;
  const message = typeof error?.message === "string" ? error.message : `Graph answered ${response.status}`;
  return new GraphError({
    status: response.status,
    code,
    message,
    retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), clock),
  });
}

/** 1 s, 2 s, 4 s, … */
function backoffSeconds(attempt: number): number {
  return BACKOFF_BASE_SECONDS * 2 ** (attempt - 1);
}

async function drain(response: Response): Promise<undefined> {
  await response.body?.cancel();
  return undefined;
}
