/**
 * Setup for every workerd test file: records each console line (the Worker's logs included, since it
 * runs in the test's isolate), and after the file's tests scans every response, log line and body the
 * Worker posted to a receiver (Jira payloads, alerts) for the secrets this file's simulator tenants
 * handed out. A leak anywhere in the suite fails its file.
 * @module
 */
import { afterAll, expect } from "vitest";
import { ADMIN_TOKEN, responsesSoFar, simulator } from "./api.ts";

const lines: string[] = [];
for (const method of ["log", "info", "warn", "error", "debug"] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]): void => {
    lines.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    original(...args);
  };
}

/** Access tokens may appear in the answer of the token broker, and nowhere else. */
const TOKEN_ROUTE = /^\/api\/accounts\/[^/]+\/token$/;

afterAll(async () => {
  const client = simulator();
  const issued = await Promise.all(client.tenantIds.map((tenantId) => client.issued(tenantId)));
  const responses = await responsesSoFar();
  const hooks = await Promise.all(client.hookIds.map((id) => client.hook(id)));
  const posted = hooks.flatMap((hook) => hook.requests.map((request) => JSON.stringify(request.body ?? null)));
  const neverShown = [
    ADMIN_TOKEN,
    ...client.hookTokens,
    ...issued.flatMap((secrets) => [
      ...secrets.clientSecrets,
      ...secrets.refreshTokens,
      ...secrets.codes,
      ...secrets.clientStates,
    ]),
  ];
  const accessTokens = issued.flatMap((secrets) => secrets.accessTokens);
  for (const secret of neverShown) {
    for (const response of responses) {
      expect(response.text.includes(secret), `${response.method} ${response.path} shows a secret`).toBe(false);
    }
    for (const line of lines) {
      expect(line.includes(secret), `a log line shows a secret: ${line.slice(0, 120)}`).toBe(false);
    }
    for (const body of posted) {
      expect(body.includes(secret), `a body posted to a receiver shows a secret: ${body.slice(0, 120)}`).toBe(false);
    }
  }
  for (const token of accessTokens) {
    for (const response of responses.filter((candidate) => !TOKEN_ROUTE.test(candidate.path))) {
      expect(response.text.includes(token), `${response.method} ${response.path} shows an access token`).toBe(false);
    }
    for (const line of lines) {
      expect(line.includes(token), "a log line shows an access token").toBe(false);
    }
    for (const body of posted) {
      expect(body.includes(token), "a body posted to a receiver shows an access token").toBe(false);
    }
  }
});
