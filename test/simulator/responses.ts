/**
 * Response shapes as Microsoft sends them: identity platform errors with AADSTS codes, trace and
 * correlation ids; Graph errors with `innerError`; Graph's JSON content type and request ids.
 * @module
 */

/** `error` → HTTP status, as observed from the token endpoint (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). */
const OAUTH_ERROR_STATUS: Record<string, number> = {
  invalid_client: 401,
  temporarily_unavailable: 503,
  server_error: 500,
};

export const AADSTS_MESSAGES: Record<number, string> = {
  900144: "The request body must contain the following parameter: '{0}'.",
  900561: "The endpoint only accepts POST requests. Received a GET request.",
  700016:
    "Application with identifier '{0}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.",
  50011:
    "The redirect URI '{0}' specified in the request does not match the redirect URIs configured for the application '{1}'.",
  7000218: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  7000215:
    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{0}'.",
  7000222:
    "The provided client secret keys for app '{0}' are expired. Visit the Azure portal to create new keys for your app.",
  9002326: "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.",
  70003: "The app requested an unsupported grant type '{0}'.",
  9002313: "Invalid request. Request is malformed or invalid.",
  54005:
    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
  70008:
    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
  501481: "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
  500112: "The reply address '{0}' does not match the reply address '{1}' provided when requesting Authorization code.",
  700005: "Provided Authorization Code is intended to use against other tenant, thus rejected.",
  70000: "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.",
  700082:
    "The refresh token has expired due to inactivity. The token was issued on {0} and was inactive for 90.00:00:00.",
  50173:
    "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{0}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{1}'.",
  65001:
    "The user or administrator has not consented to use the application with ID '{0}'. Send an interactive authorization request for this user and resource.",
  50076:
    "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.",
  70011: "The provided value for the input parameter 'scope' isn't valid.",
  90033: "A transient error has occurred. Please try again.",
  65004: "User declined to consent to access the app.",
  50020: "User account '{0}' from identity provider does not exist in tenant '{1}' and cannot access the application.",
};

/** Suberrors Microsoft attaches to some codes (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). */
const SUBERRORS: Record<number, string> = { 65001: "consent_required", 50076: "basic_action", 700082: "bad_token" };

export function aadstsMessage(code: number, args: readonly string[] = []): string {
  const template = AADSTS_MESSAGES[code] ?? "An error occurred.";
  return template.replace(/\{(\d)\}/g, (_, index: string) => args[Number(index)] ?? "");
}

export interface OAuthErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

function oauthErrorBody(error: string, code: number, description?: string): OAuthErrorBody {
  const timestamp = microsoftTimestamp(new Date());
  const traceId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  const body: OAuthErrorBody = {
    error,
    error_description:
      `AADSTS${code}: ${description ?? aadstsMessage(code)}\r\nTrace ID: ${traceId}\r\n` +
      `Correlation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
  const suberror = SUBERRORS[code];
  return suberror === undefined ? body : { ...body, suberror };
}

/** A token endpoint error response. */
export function oauthError(
  error: string,
  code: number,
  options: { status?: number; description?: string } = {},
): Response {
  const status = options.status ?? OAUTH_ERROR_STATUS[error] ?? 400;
  return new Response(JSON.stringify(oauthErrorBody(error, code, options.description)), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store, no-cache",
      "x-ms-request-id": crypto.randomUUID(),
    },
  });
}

export function oauthJson(body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store, no-cache" },
  });
}

const GRAPH_CONTENT_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

function graphHeaders(request: Request, extra: Record<string, string> = {}): Record<string, string> {
  const requestId = crypto.randomUUID();
  return {
    "content-type": GRAPH_CONTENT_TYPE,
    "request-id": requestId,
    "client-request-id": request.headers.get("client-request-id") ?? requestId,
    "x-ms-ags-diagnostic":
      '{"ServerInfo":{"DataCenter":"Simulator","Slice":"E","Ring":"1","ScaleUnit":"000","RoleInstance":"SIM"}}',
    ...extra,
  };
}

export function graphJson(
  request: Request,
  body: unknown,
  options: { status?: number; headers?: Record<string, string> } = {},
): Response {
  return new Response(JSON.stringify(body), {
    status: options.status ?? 200,
    headers: graphHeaders(request, options.headers),
  });
}

export function graphError(
  request: Request,
  status: number,
  code: string,
  message: string,
  options: { headers?: Record<string, string> } = {},
): Response {
  const requestId = crypto.randomUUID();
  const body = {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().slice(0, 19),
        "request-id": requestId,
        "client-request-id": request.headers.get("client-request-id") ?? requestId,
      },
    },
  };
  return graphJson(request, body, { status, ...(options.headers === undefined ? {} : { headers: options.headers }) });
}

/** The `Timestamp:` format of AADSTS descriptions, e.g. `2026-11-26 15:11:53Z`. */
function microsoftTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function htmlPage(status: number, title: string, body: string): Response {
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}
