/**
 * Errors from the Microsoft identity platform, classified by what must happen next
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes):
 * - `reauth`: the grant is gone (consent removed, password reset, 90 days unused…); the mailbox must
 *   be signed in again, and refreshing again cannot help;
 * - `credential`: the app's client id or secret was refused; the administrator must fix the
 *   credential, the account is not at fault;
 * - `transient`: outage, throttling, network or timeout; try again shortly;
 * - `rejected`: any other refusal of the request itself.
 * @module
 */

export type IdentityErrorKind = "reauth" | "credential" | "transient" | "rejected";

export class IdentityError extends Error {
  override readonly name = "IdentityError";
  readonly kind: IdentityErrorKind;
  /** OAuth `error`, or `network` / `timeout` / `invalid_response` when Microsoft gave none. */
  readonly error: string;
  /** Microsoft's numeric AADSTS code, when there is one. */
  readonly aadsts: number | null;
  /** Microsoft's description without trace ids, or ours. */
  readonly description: string;
  readonly status: number | null;
  readonly retryAfterSeconds: number | null;
  /** `AADSTS50173`, or the OAuth error when Microsoft sent no code. */
  readonly code: string;

  constructor(fields: {
    kind: IdentityErrorKind;
    error: string;
    aadsts: number | null;
    description: string;
    status: number | null;
    retryAfterSeconds?: number | null;
  }) {
    super(
      fields.aadsts === null
        ? `${fields.error}: ${fields.description}`
        : `AADSTS${fields.aadsts}: ${fields.description}`,
    );
    this.kind = fields.kind;
    this.error = fields.error;
    this.aadsts = fields.aadsts;
    this.description = fields.description;
    this.status = fields.status;
    this.retryAfterSeconds = fields.retryAfterSeconds ?? null;
    this.code = fields.aadsts === null ? fields.error : `AADSTS${fields.aadsts}`;
  }
}

const REAUTH_ERRORS = new Set(["invalid_grant", "interaction_required", "consent_required", "login_required"]);
const CREDENTIAL_ERRORS = new Set(["invalid_client", "unauthorized_client", "invalid_scope"]);
const TRANSIENT_ERRORS = new Set(["temporarily_unavailable", "server_error"]);

export function classifyIdentityError(error: string, status: number): IdentityErrorKind {
  if (status >= 500 || status === 429 || TRANSIENT_ERRORS.has(error)) {
    return "transient";
  }
  if (REAUTH_ERRORS.has(error)) {
    return "reauth";
  }
  if (CREDENTIAL_ERRORS.has(error)) {
    return "credential";
  }
  return "rejected";
}

/** Parses a token endpoint error body into an `IdentityError`. */
export function identityErrorFromResponse(
  status: number,
  body: unknown,
  retryAfterSeconds: number | null,
): IdentityError {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const error = typeof fields["error"] === "string" ? fields["error"] : `http_${status}`;
  const rawDescription = typeof fields["error_description"] === "string" ? fields["error_description"] : "";
  const codes = Array.isArray(fields["error_codes"])
    ? fields["error_codes"].filter((code): code is number => typeof code === "number")
    : [];
  const fromText = /^AADSTS(\d+)/.exec(rawDescription)?.[1];
  const aadsts = codes.at(-1) ?? (fromText === undefined ? null : Number(fromText));
  const description = firstLine(rawDescription).replace(/^AADSTS\d+:\s*/, "") || `HTTP ${status}`;
  return new IdentityError({
    kind: classifyIdentityError(error, status),
    error,
    aadsts,
    description,
    status,
    retryAfterSeconds,
  });
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]?.trim() ?? "";
}
