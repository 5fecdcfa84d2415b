/**
 * A client of the Microsoft identity platform v2 for the delegated authorization-code flow: the
 * authorize URL, code redemption and refresh, as a confidential web client (secret in the body, no
 * `Origin` header, which Microsoft refuses alongside a secret).
 * @module
 */
import * as z from "../zod.ts";
import { normalizeScopes } from "../credentials/scopes.ts";
import { checkEndpoint } from "./endpoints.ts";
import { IdentityError, identityErrorFromResponse } from "./identity-errors.ts";
import { parseRetryAfter, readJson, send } from "../outbound-http.ts";
import type { EndpointPolicy } from "./endpoints.ts";
import type { Clock, HttpClient } from "../ports.ts";

/** What the client needs of a credential, with the secret in plain text for the duration of a call. */
export interface IdentityClientConfig {
  clientId: string;
  clientSecret: string;
  authEndpoint: string;
  tokenEndpoint: string;
  /** The endpoint rules in force (`ALLOWED_AUTH_HOSTS`, `ALLOW_HTTP_LOOPBACK`), checked on every request. */
  endpointPolicy: EndpointPolicy;
}

export interface TokenSet {
  accessToken: string;
  /** Null when Microsoft returned none (keep the previous one). */
  refreshToken: string | null;
  idToken: string | null;
  /** Epoch ms. */
  accessTokenExpiresAt: number;
  /** Granted scopes as Microsoft echoes them (short names). */
  scopes: string[];
}

export type Prompt = "select_account" | "consent" | "login";

export interface AuthorizeParameters {
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  codeChallenge: string;
  nonce: string | null;
  prompt: Prompt | null;
  loginHint: string | null;
}

export function buildAuthorizeUrl(
  config: Pick<IdentityClientConfig, "clientId" | "authEndpoint">,
  params: AuthorizeParameters,
): string {
  const url = new URL(config.authEndpoint);
  const query: [string, string | null][] = [
    ["client_id", config.clientId],
    ["response_type", "code"],
    ["redirect_uri", params.redirectUri],
    ["response_mode", "query"],
    ["scope", params.scopes.join(" ")],
    ["state", params.state],
    ["code_challenge", params.codeChallenge],
    ["code_challenge_method", "S256"],
    ["nonce", params.nonce],
    ["prompt", params.prompt],
    ["login_hint", params.loginHint],
  ];
  for (const [name, value] of query) {
    if (value !== null) {
      url.searchParams.set(name, value);
    }
  }
  return url.href;
}

export interface IdentityCallOptions {
  http: HttpClient;
  clock: Clock;
}

export function redeemAuthorizationCode(
  config: IdentityClientConfig,
  grant: { code: string; redirectUri: string; codeVerifier: string; scopes: readonly string[] },
  options: IdentityCallOptions,
): Promise<TokenSet> {
  return requestTokens(
    config,
    {
      grant_type: "authorization_code",
      code: grant.code,
      redirect_uri: grant.redirectUri,
      code_verifier: grant.codeVerifier,
      scope: grant.scopes.join(" "),
    },
    options,
  );
}

/** Refreshes with the scopes first granted (Microsoft accepts the same set or a subset). */
export function refreshAccessToken(
  config: IdentityClientConfig,
  grant: { refreshToken: string; scopes: readonly string[] },
  options: IdentityCallOptions,
): Promise<TokenSet> {
  return requestTokens(
    config,
    { grant_type: "refresh_token", refresh_token: grant.refreshToken, scope: grant.scopes.join(" ") },
    options,
  );
}

async function requestTokens(
  config: IdentityClientConfig,
  fields: Record<string, string>,
  options: IdentityCallOptions,
): Promise<TokenSet> {
  // Re-checked on every request: the rules in force now apply, whatever they were when the credential was saved.
  const endpoint = checkEndpoint(config.tokenEndpoint, { kind: "token", policy: config.endpointPolicy });
  if (!endpoint.ok) {
    throw new IdentityError({
      kind: "credential",
      error: "endpoint_refused",
      aadsts: null,
      description: `The credential's tokenEndpoint ${endpoint.problem}; nothing was sent`,
      status: null,
    });
  }
  const body = new URLSearchParams({ client_id: config.clientId, client_secret: config.clientSecret, ...fields });
  const outcome = await send(
    options.http,
    new Request(endpoint.endpoint.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      // A redirect would carry the secret, code and verifier to wherever it points.
      redirect: "manual",
    }),
  );
  if (!outcome.ok) {
    throw new IdentityError({
      kind: outcome.failure === "refused" ? "credential" : "transient",
      error: outcome.failure,
      aadsts: null,
      description: `Token endpoint: ${outcome.message}`,
      status: null,
    });
  }
  const { response } = outcome;
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new IdentityError({
      kind: "credential",
      error: "redirected",
      aadsts: null,
      description: `The token endpoint answered ${response.status} with a redirect, which edgepost does not follow with the client secret; check the credential's tokenEndpoint`,
      status: response.status,
    });
  }
  const json = await readJson(response);
  if (!response.ok) {
    throw identityErrorFromResponse(
      response.status,
      json,
      parseRetryAfter(response.headers.get("retry-after"), options.clock),
    );
  }
  return parseTokenResponse(json, options.clock);
}

/** A string field Microsoft may leave out (or, leniently, send empty or null): absent either way. */
const optionalText = z.pipe(
  z.nullish(z.string()),
  z.transform((value) => (value === "" || value === undefined ? null : value)),
);

/**
 * A successful token response (docs/microsoft.md, "Token response fields"). `expires_in` is a number
 * on v2, but a numeric string (as v1 and other Microsoft endpoints send it) is accepted too
 * (docs/microsoft.md, "expires_in as number or string").
 */
const tokenResponseSchema = z.object({
  access_token: z.string({ error: "has no access_token" }).check(z.minLength(1, "has an empty access_token")),
  token_type: z
    .string({ error: "has no token_type" })
    .check(z.refine((value) => value.toLowerCase() === "bearer", "has a token_type other than Bearer")),
  expires_in: z.pipe(
    z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))], {
      error: "has no expires_in as a number of seconds",
    }),
    z.number().check(z.positive("has an expires_in that is not positive")),
  ),
  refresh_token: optionalText,
  id_token: optionalText,
  scope: optionalText,
});

function parseTokenResponse(json: unknown, clock: Clock): TokenSet {
  const parsed = tokenResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const problem =
      json === null || typeof json !== "object" || Array.isArray(json)
        ? "is not a JSON object"
        : (issue?.message ?? "is malformed");
    throw new IdentityError({
      kind: "transient",
      error: "invalid_response",
      aadsts: null,
      description: `The token endpoint answered 200, but its token response ${problem}`,
      status: 200,
    });
  }
  const fields = parsed.data;
  return {
    accessToken: fields.access_token,
    refreshToken: fields.refresh_token,
    idToken: fields.id_token,
    accessTokenExpiresAt: clock.now() + fields.expires_in * 1000,
    scopes: fields.scope === null ? [] : normalizeScopes(fields.scope),
  };
}
