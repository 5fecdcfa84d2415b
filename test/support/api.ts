/**
 * Calls the Worker under test through its real entry point, as a client would over HTTP.
 * @module
 */
import { exports } from "cloudflare:workers";
import { inject } from "vitest";
import { SimulatorClient } from "./simulator-client.ts";

/** The origin tests address the Worker at; its redirect URI is `${WORKER_ORIGIN}/oauth/callback`. */
export const WORKER_ORIGIN = "https://edgepost.test";
export const REDIRECT_URI = `${WORKER_ORIGIN}/oauth/callback`;
export const ADMIN_TOKEN = "ggOWOvi+hsUE6hJo0H3sfmCevHPu/ad9iHTcceX8Jwk=";

export interface CallOptions {
  body?: unknown;
  /** Raw body text, sent as is (for malformed-input tests). */
  rawBody?: string;
  headers?: Record<string, string>;
  token?: string | null;
}

/** A request to the Worker with the admin token and a JSON body unless told otherwise. */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) {
    headers["authorization"] = `Bearer ${token}`;
  }
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await exports.default.fetch(
    new Request(`${WORKER_ORIGIN}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: "manual",
    }),
  );
  recordResponse(method, path, response.clone());
  return response;
}

export async function callJson<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; body: T; response: Response }> {
  const response = await call(method, path, options);
  const text = await response.text();
  return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T, response };
}

let client: SimulatorClient | undefined;

/** The simulator server of this run; it remembers the tenants this file created for the leak scan. */
export function simulator(): SimulatorClient {
  client ??= new SimulatorClient(inject("simulatorUrl"));
  return client;
}

export interface RecordedResponse {
  method: string;
  path: string;
  /** Status line, headers and body. */
  text: string;
}

const seen: Promise<RecordedResponse>[] = [];

function recordResponse(method: string, path: string, response: Response): void {
  seen.push(
    response.text().then((body) => ({
      method,
      path,
      text: `${response.status}\n${[...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n")}\n${body}`,
    })),
  );
}

/** Every response (status, headers, body) this test file has received from the Worker. */
export function responsesSoFar(): Promise<RecordedResponse[]> {
  return Promise.all(seen);
}
