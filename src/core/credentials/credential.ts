/**
 * A credential: the OAuth2 client registered in Azure (client id and secret, endpoints, scopes), as
 * the administrator enters it. Validation here is shared by the API and the admin pages.
 * @module
 */
import { z } from "zod";
import { checkEndpoint, sameAuthority } from "../microsoft/endpoints.ts";
import { fieldIssue, namedFields, parseInput, ValidationError } from "../validation.ts";
import { DEFAULT_SCOPES, hasScope, normalizeScopes, REQUIRED_SCOPE } from "./scopes.ts";
import type { EndpointKind, EndpointPolicy, MicrosoftEndpoint } from "../microsoft/endpoints.ts";
import type { FieldIssue } from "../validation.ts";

const CREDENTIAL_NAME_MAX = 100;
/** An Application (client) ID is a GUID (https://learn.microsoft.com/entra/identity-platform/application-model). */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLIENT_SECRET_MAX = 1024;
const SCOPES_MAX = 50;
const SCOPE_MAX_LENGTH = 256;

/** A credential's fields as the API takes them, with their rules and defaults (the secret in plain text). */
function fieldsSchema(policy: EndpointPolicy) {
  return z.strictObject({
    name: z.string().trim().min(1).max(CREDENTIAL_NAME_MAX),
    provider: z.literal("microsoft").default("microsoft"),
    grantType: z.literal("authorization_code").default("authorization_code"),
    clientId: z
      .string()
      .trim()
      .min(1)
      .regex(
        GUID,
        "must be the Application (client) ID from the app's Overview in Azure: a GUID such as 00000000-0000-0000-0000-000000000000",
      ),
    clientSecret: z.string().trim().min(1).max(CLIENT_SECRET_MAX),
    authEndpoint: endpointSchema("authorize", policy),
    tokenEndpoint: endpointSchema("token", policy),
    scopes: z
      .union([z.string(), z.array(z.string())])
      .transform((value) => normalizeScopes(value))
      .pipe(
        z
          .array(
            z
              .string()
              .max(SCOPE_MAX_LENGTH)
              .regex(/^[\x21-\x7e]+$/, "must contain printable scope names"),
          )
          .min(1)
          .max(SCOPES_MAX)
          .refine((scopes) => hasScope(scopes, REQUIRED_SCOPE), {
            message: `must contain ${REQUIRED_SCOPE}, or Microsoft issues no refresh token`,
          }),
      )
      .default([...DEFAULT_SCOPES]),
  });
}

/** Validated, normalised fields of a create or a patch; `clientSecret` still in plain text. */
export type CredentialFields = z.output<ReturnType<typeof fieldsSchema>>;

/** Every field's default, for a new credential's form (no endpoint is parsed, so no host is allowed). */
export const CREDENTIAL_DEFAULTS: Partial<CredentialFields> = fieldsSchema({
  allowedHosts: [],
  allowHttpLoopback: false,
})
  .partial()
  .parse({});

/**
 * A credential as stored in KV: the fields as they were validated when saved (stored values are not
 * checked against today's rules again when read), `clientSecret` sealed.
 */
export const credentialRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.literal("microsoft"),
  grantType: z.literal("authorization_code"),
  clientId: z.string(),
  clientSecret: z.string(),
  authEndpoint: z.string(),
  tokenEndpoint: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type CredentialRecord = z.output<typeof credentialRecordSchema>;

/** A credential as the API shows it: the secret is write-only. */
export interface CredentialView extends Omit<CredentialRecord, "clientSecret"> {
  redirectUri: string;
  clientSecretSet: true;
}

function endpointSchema(kind: EndpointKind, policy: EndpointPolicy) {
  return z
    .string()
    .trim()
    .min(1)
    .transform((value, ctx) => {
      const check = checkEndpoint(value, { kind, policy });
      if (!check.ok) {
        ctx.addIssue({ code: "custom", message: check.problem });
        return z.NEVER;
      }
      return check.endpoint.url;
    });
}

/** Validates a new credential, applying the defaults of the contract (`docs/api.md`). */
export function parseCredentialCreate(input: unknown, policy: EndpointPolicy): CredentialFields {
  const fields = parseInput(fieldsSchema(policy), input);
  requireSameAuthority(fields, { changed: ["authEndpoint", "tokenEndpoint"], policy });
  return fields;
}

/** Validates a patch against the stored credential; the result is the whole credential after the patch. */
export function parseCredentialPatch(
  input: unknown,
  current: Omit<CredentialFields, "clientSecret">,
  policy: EndpointPolicy,
): Partial<CredentialFields> & Omit<CredentialFields, "clientSecret"> {
  const defined = namedFields(parseInput(fieldsSchema(policy).partial(), input), input);
  const merged = { ...current, ...defined };
  requireSameAuthority(merged, { changed: Object.keys(defined), policy });
  return merged;
}

function requireSameAuthority(
  fields: Pick<CredentialFields, "authEndpoint" | "tokenEndpoint">,
  options: { changed: readonly string[]; policy: EndpointPolicy },
): void {
  const auth = parseKnownEndpoint(fields.authEndpoint, "authorize", options.policy);
  const token = parseKnownEndpoint(fields.tokenEndpoint, "token", options.policy);
  if (auth === null || token === null || sameAuthority(auth, token)) {
    return;
  }
  const blamed =
    options.changed.includes("tokenEndpoint") || !options.changed.includes("authEndpoint")
      ? "tokenEndpoint"
      : "authEndpoint";
  const other = blamed === "tokenEndpoint" ? "authEndpoint" : "tokenEndpoint";
  const issue: FieldIssue = fieldIssue(
    blamed,
    `must be on the same host and tenant as ${other} (${auth.origin}/${auth.tenant} vs ${token.origin}/${token.tenant})`,
  );
  throw new ValidationError([issue]);
}

function parseKnownEndpoint(url: string, kind: EndpointKind, policy: EndpointPolicy): MicrosoftEndpoint | null {
  const check = checkEndpoint(url, { kind, policy });
  return check.ok ? check.endpoint : null;
}

export function toCredentialView(record: CredentialRecord, redirectUri: string): CredentialView {
  const { clientSecret: _sealed, ...rest } = record;
  return { ...rest, redirectUri, clientSecretSet: true };
}

/** What the client secret is bound to when sealed: this credential's id and the field. */
export function clientSecretContext(credentialId: string): { record: string; field: string } {
  return { record: `credential:${credentialId}`, field: "clientSecret" };
}
