/**
 * Building blocks for tests that need a credential: a valid body for a simulator tenant, created
 * through the API.
 * @module
 */
import { callJson } from "./api.ts";
import type { TenantInfo } from "../simulator/control.ts";

export interface CredentialBody {
  name: string;
  clientId: string;
  clientSecret: string;
  authEndpoint: string;
  tokenEndpoint: string;
  scopes?: string[] | string;
  [field: string]: unknown;
}

export function credentialBody(tenant: TenantInfo, overrides: Partial<CredentialBody> = {}): CredentialBody {
  const app = tenant.apps[0];
  if (app === undefined) {
    throw new Error("tenant has no app");
  }
  return {
    name: "Contoso support",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    authEndpoint: tenant.endpoints.authorize,
    tokenEndpoint: tenant.endpoints.token,
    ...overrides,
  };
}

export async function createCredential(
  tenant: TenantInfo,
  overrides: Partial<CredentialBody> = {},
): Promise<{ id: string } & Record<string, unknown>> {
  const { status, body } = await callJson<{ id: string } & Record<string, unknown>>("POST", "/api/credentials", {
    body: credentialBody(tenant, overrides),
  });
  if (status !== 201) {
    throw new Error(`credential not created: ${status} ${JSON.stringify(body)}`);
  }
  return body;
}
