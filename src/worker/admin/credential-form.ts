/**
 * The credential form: one descriptor per field of `src/core/credentials/credential.ts`, in the seed's
 * order. The type requires one for every field.
 * @module
 */
import { CREDENTIAL_DEFAULTS } from "../../core/credentials/credential.ts";
import { valuesOf } from "./form-spec.ts";
import type { CredentialFields } from "../../core/credentials/credential.ts";
import type { FormSpec, FormValues } from "./form-spec.ts";

export const CREDENTIAL_FORM = {
  name: {
    label: "Name",
    kind: "text",
    required: true,
    hint: "A name you will recognise, e.g. the Azure app's name.",
  },
  provider: { label: "OAuth2 Service Provider", kind: "select", options: [["microsoft", "Microsoft 365"]] },
  grantType: { label: "Grant type", kind: "select", options: [["authorization_code", "Auth code (delegated)"]] },
  clientId: {
    label: "Client ID",
    kind: "text",
    required: true,
    hint: "The Application (client) ID on the app's Overview in Azure.",
  },
  clientSecret: {
    label: "Client Secret",
    kind: "password",
    required: true,
    autocomplete: "new-password",
    hint: "The secret's Value (not its Secret ID) from Certificates & secrets.",
    editHint: "Leave empty to keep the stored secret. edgepost never shows it.",
  },
  authEndpoint: {
    label: "Auth Endpoint URL",
    kind: "url",
    required: true,
    hint: "Endpoints → OAuth 2.0 authorization endpoint (v2).",
  },
  tokenEndpoint: {
    label: "Token Endpoint URL",
    kind: "url",
    required: true,
    hint: "Endpoints → OAuth 2.0 token endpoint (v2).",
  },
  scopes: { label: "Scopes", kind: "text", omitWhenEmpty: true, hint: "Space-separated; must include offline_access." },
  allowedTenants: {
    label: "Allowed tenants",
    kind: "text",
    omitWhenEmpty: true,
    hint: "Only for /common or /organizations endpoints: the tenant ids (GUIDs) whose users may connect, space-separated. Empty: any tenant.",
  },
  clientSecretExpiresAt: {
    label: "Secret expiry date",
    kind: "text",
    hint: "The secret's Expires date under Certificates & secrets, as 2027-05-30. edgepost warns 30, 7 and 1 days before. Empty: not known.",
  },
} as const satisfies FormSpec<keyof CredentialFields>;

/** A new credential's form: the schema's defaults. */
export function newCredentialValues(): FormValues {
  return valuesOf(CREDENTIAL_FORM, CREDENTIAL_DEFAULTS);
}
