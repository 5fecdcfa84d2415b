/**
 * A credential: the OAuth2 client registered in Azure (client id and secret, endpoints, scopes), as
 * the administrator enters it. Validation here is shared by the API and the admin pages.
 * @module
 */
import * as z from "../zod.ts";
import { cloudMismatch } from "../microsoft/clouds.ts";
import { checkEndpoint, isTenantGuid, sameAuthority } from "../microsoft/endpoints.ts";
import { fieldIssue, namedFields, parseInput, refuse, ValidationError } from "../validation.ts";
import { normalizeSecretExpiry, SECRET_EXPIRY_FORMAT_HINT, secretExpiryMs } from "./secret-expiry.ts";
import {
  DEFAULT_SCOPES,
  defaultScopesFor,
  hasScope,
  isConsumersTenant,
  isSharedMailboxScope,
  normalizeScopes,
  REQUIRED_SCOPE,
} from "./scopes.ts";
import type { EndpointKind, EndpointPolicy, MicrosoftEndpoint } from "../microsoft/endpoints.ts";
import type { FieldIssue } from "../validation.ts";

const CREDENTIAL_NAME_MAX = 100;
/** An Application (client) ID is a GUID (https://learn.microsoft.com/entra/identity-platform/application-model). */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLIENT_SECRET_MAX = 1024;
const SCOPES_MAX = 50;
const SCOPE_MAX_LENGTH = 256;
/** More tenants than any allow-list of customers edgepost serves through one app. */
const ALLOWED_TENANTS_MAX = 100;
/** Tenant segments that let users of any (work or school) tenant sign in. */
const MULTI_TENANT_SEGMENTS = new Set(["common", "organizations"]);

/** What a credential is checked against: the endpoint rules and the Graph base URL of this deployment. */
export interface CredentialPolicy extends EndpointPolicy {
  graphBaseUrl: string;
}

/** A credential's fields as the API takes them, with their rules and defaults (the secret in plain text). */
function fieldsSchema(policy: EndpointPolicy) {
  return z.strictObject({
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(CREDENTIAL_NAME_MAX)),
    provider: z._default(z.literal("microsoft"), "microsoft"),
    grantType: z._default(z.literal("authorization_code"), "authorization_code"),
    clientId: z
      .string()
      .check(
        z.trim(),
        z.minLength(1),
        z.regex(
          GUID,
          "must be the Application (client) ID from the app's Overview in Azure: a GUID such as 00000000-0000-0000-0000-000000000000",
        ),
      ),
    clientSecret: z.string().check(z.trim(), z.minLength(1), z.maxLength(CLIENT_SECRET_MAX)),
    authEndpoint: endpointSchema("authorize", policy),
    tokenEndpoint: endpointSchema("token", policy),
    scopes: z.optional(
      z.pipe(
        z.pipe(
          z.union([z.string(), z.array(z.string())]),
          z.transform((value) => normalizeScopes(value)),
        ),
        z
          .array(
            z
              .string()
              .check(z.maxLength(SCOPE_MAX_LENGTH), z.regex(/^[\x21-\x7e]+$/, "must contain printable scope names")),
          )
          .check(
            z.minLength(1),
            z.maxLength(SCOPES_MAX),
            z.refine((scopes) => hasScope(scopes, REQUIRED_SCOPE), {
              message: `must contain ${REQUIRED_SCOPE}, or Microsoft issues no refresh token`,
            }),
          ),
      ),
    ),
    /**
     * For `common` and `organizations` endpoints: the only tenants whose users may sign in (empty: any).
     * A list, or a string of ids separated by spaces or commas (as a form sends it).
     */
    allowedTenants: z._default(
      z.pipe(
        z.pipe(
          z.pipe(
            z.union([z.string(), z.array(z.string())]),
            z.transform((value) =>
              (typeof value === "string" ? value.split(/[\s,]+/) : value).filter((id) => id.trim() !== ""),
            ),
          ),
          z
            .array(
              z
                .string()
                .check(
                  z.trim(),
                  z.toLowerCase(),
                  z.refine(isTenantGuid, "must be a tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47)"),
                ),
            )
            .check(z.maxLength(ALLOWED_TENANTS_MAX)),
        ),
        z.transform((tenants) => [...new Set(tenants)]),
      ),
      [],
    ),
    /** When the client secret expires (`secret-expiry.ts`); empty or null when not known. */
    clientSecretExpiresAt: z._default(
      z.nullable(
        z.pipe(
          z.string().check(
            z.trim(),
            z.refine((value) => value === "" || secretExpiryMs(value) !== null, SECRET_EXPIRY_FORMAT_HINT),
          ),
          z.transform((value) => (value === "" ? null : normalizeSecretExpiry(value))),
        ),
      ),
      null,
    ),
  });
}

/** Validated, normalised fields of a create or a patch; `clientSecret` still in plain text. */
export type CredentialFields = Omit<z.output<ReturnType<typeof fieldsSchema>>, "scopes"> & { scopes: string[] };

/**
 * Every field's default, for a new credential's form (no endpoint is parsed, so no host is allowed);
 * the scopes are those of a work or school tenant (`/consumers` leaves out the `*.Shared` ones).
 */
export const CREDENTIAL_DEFAULTS: Partial<CredentialFields> = {
  ...z.partial(fieldsSchema({ allowedHosts: [], allowHttpLoopback: false })).parse({}),
  scopes: [...DEFAULT_SCOPES],
};

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
  allowedTenants: z._default(z.array(z.string()), []),
  clientSecretExpiresAt: z._default(z.nullable(z.string()), null),
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
  return z.pipe(
    z.string().check(z.trim(), z.minLength(1)),
    z.transform((value, payload) => {
      const check = checkEndpoint(value, { kind, policy });
      return check.ok ? check.endpoint.url : refuse(payload, check.problem);
    }),
  );
}

/**
 * Validates a new credential, applying the defaults of the contract (`docs/api.md`): the default
 * scopes leave out the `*.Shared` ones for `/consumers` endpoints (personal accounts).
 */
export function parseCredentialCreate(input: unknown, policy: CredentialPolicy): CredentialFields {
  const parsed = parseInput(fieldsSchema(policy), input);
  const fields = { ...parsed, scopes: parsed.scopes ?? defaultScopesFor(tenantOf(parsed.authEndpoint)) };
  checkConsistency(fields, { changed: Object.keys(fields), policy });
  return fields;
}

/** Validates a patch against the stored credential; the result is the whole credential after the patch. */
export function parseCredentialPatch(
  input: unknown,
  current: Omit<CredentialFields, "clientSecret">,
  policy: CredentialPolicy,
): Partial<CredentialFields> & Omit<CredentialFields, "clientSecret"> {
  const { scopes, ...defined } = namedFields(parseInput(z.partial(fieldsSchema(policy)), input), input);
  const merged = { ...current, ...defined, ...(scopes === undefined ? {} : { scopes }) };
  checkConsistency(merged, { changed: [...Object.keys(defined), ...(scopes === undefined ? [] : ["scopes"])], policy });
  return merged;
}

/** The rules between fields: one authority, one cloud with Graph, scopes and tenants that fit the endpoints. */
function checkConsistency(
  fields: Pick<CredentialFields, "authEndpoint" | "tokenEndpoint" | "scopes" | "allowedTenants">,
  options: { changed: readonly string[]; policy: CredentialPolicy },
): void {
  requireSameAuthority(fields, options);
  const issues: FieldIssue[] = [];
  const mismatch = cloudMismatch(fields.authEndpoint, options.policy.graphBaseUrl);
  if (mismatch !== null) {
    issues.push(fieldIssue("authEndpoint", mismatch));
  }
  const tenant = tenantOf(fields.authEndpoint);
  const shared = fields.scopes.filter(isSharedMailboxScope);
  if (isConsumersTenant(tenant) && shared.length > 0) {
    issues.push(
      fieldIssue(
        "scopes",
        `must not contain ${shared.join(", ")} with /consumers endpoints: Microsoft allows the *.Shared scopes for work or school accounts only`,
      ),
    );
  }
  if (fields.allowedTenants.length > 0 && !MULTI_TENANT_SEGMENTS.has(tenant.toLowerCase())) {
    issues.push(
      fieldIssue(
        "allowedTenants",
        `is only used with /common or /organizations endpoints; these endpoints already name one tenant (${tenant})`,
      ),
    );
  }
  if (issues.length > 0) {
    throw new ValidationError(issues);
  }
}

/** The tenant segment of a validated endpoint URL. */
function tenantOf(endpoint: string): string {
  return new URL(endpoint).pathname.split("/")[1] ?? "";
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
