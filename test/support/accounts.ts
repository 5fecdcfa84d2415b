/**
 * Signing a mailbox in end to end: authorize through the API, follow the URL to the simulated
 * Microsoft sign-in (which redirects at once in its default `auto` mode), and deliver the redirect to
 * the Worker's callback, as a browser would.
 * @module
 */
import { expect } from "vitest";
import { call, callJson, REDIRECT_URI, simulator } from "./api.ts";
import { createCredential } from "./credentials.ts";
import type { AccountView } from "../../src/core/accounts/account.ts";
import type { TenantInfo, TenantInput } from "../simulator/control.ts";

export interface CallbackResult {
  /** The result page's status. */
  status: number;
  page: string;
  callbackPath: string;
  /** The result page's response. */
  response: Response;
}

/** A tenant whose app lists the test Worker's redirect URI. */
export function createTenantForWorker(input: TenantInput = {}): Promise<TenantInfo> {
  return simulator().createTenant({ ...input, apps: input.apps ?? [{ redirectUris: [REDIRECT_URI] }] });
}

/** Follows an authorize URL at the simulator and returns the Worker path Microsoft redirected to. */
export async function followAuthorizeUrl(authorizeUrl: string): Promise<string> {
  const response = await fetch(authorizeUrl, { redirect: "manual" });
  expect(response.status, await response.clone().text()).toBe(302);
  const location = new URL(response.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  return `${location.pathname}${location.search}`;
}

/**
 * Delivers Microsoft's redirect to the callback and follows its 303 to the result page, as a browser
 * would; the result page's URL never carries the code or the state.
 */
export async function deliverCallback(callbackPath: string): Promise<CallbackResult> {
  const redirect = await call("GET", callbackPath, { token: null });
  expect(redirect.status).toBe(303);
  expect(redirect.headers.get("cache-control")).toBe("no-store");
  const location = redirect.headers.get("location") ?? "";
  expect(location).toMatch(/^\/oauth\/result\/[\w-]{43}$/);
  const response = await call("GET", location, { token: null });
  return { status: response.status, page: await response.clone().text(), callbackPath, response };
}

export async function signIn(path: string, body: Record<string, unknown> = {}): Promise<CallbackResult> {
  const started = await callJson<{ authorizeUrl: string }>("POST", path, { body });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return deliverCallback(await followAuthorizeUrl(started.body.authorizeUrl));
}

/** Signs the tenant's user in through the credential and returns the account. */
export async function connectAccount(credentialId: string, options: { loginHint?: string } = {}): Promise<AccountView> {
  const result = await signIn(
    `/api/credentials/${credentialId}/authorize`,
    options.loginHint === undefined ? {} : { loginHint: options.loginHint },
  );
  expect(result.status, result.page).toBe(200);
  const { body } = await callJson<{ items: AccountView[] }>("GET", "/api/accounts");
  const account = body.items
    .filter((item) => item.credentialId === credentialId)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
  if (account === undefined) {
    throw new Error("no account after sign-in");
  }
  return account;
}

/** A tenant, a credential for it and one connected account: the starting point of most tests. */
export async function connectedSetup(
  input: TenantInput = {},
): Promise<{ tenant: TenantInfo; credentialId: string; account: AccountView }> {
  const tenant = await createTenantForWorker(input);
  const credential = await createCredential(tenant);
  const account = await connectAccount(credential.id);
  return { tenant, credentialId: credential.id, account };
}
