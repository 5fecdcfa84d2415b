/**
 * A client of the Microsoft identity platform v2 for the delegated authorization-code flow: the
 * authorize URL, code redemption and refresh, as a confidential web client (secret in the body, no
 * `Origin` header, which Microsoft refuses alongside a secret).
 * @module
 */
import { normalizeScopes } from "../credentials/scopes.ts";
import { IdentityError, identityErrorFromResponse } from "./identity-errors.ts";
import { parseRetryAfter, readJson, send } from "../outbound-http.ts";
import type { Clock, HttpClient } from "../ports.ts";

/** What the client needs of a credential, with the secret in plain text for the duration of a call. */
export interface IdentityClientConfig {
  clientId: string;
  clientSecret: string;
  authEndpoint: string;
  tokenEndpoint: string;
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
  const body = new URLSearchParams({ client_id: config.clientId, client_secret: config.clientSecret, ...fields });
  const outcome = await send(
    options.http,
    new Request(config.tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
    }),
  );
  if (!outcome.ok) {
    throw new IdentityError({
      kind: "transient",
      error: outcome.failure,
      aadsts: null,
      description: `Token endpoint: ${outcome.message}`,
      status: null,
    });
  }
  const { response } = outcome;
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

function parseTokenResponse(json: unknown, clock: Clock): TokenSet {
  const fields = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  const accessToken = fields["access_token"];
  const expiresIn = Number(fields["expires_in"]);
  if (typeof accessToken !== "string" || accessToken === "" || !Number.isFinite(expiresIn)) {
    throw new IdentityError({
      kind: "transient",
      error: "invalid_response",
      aadsts: null,
      description: "The token endpoint answered 200 without an access token and its lifetime",
      status: 200,
    });
  }
  const refreshToken = fields["refresh_token"];
  const idToken = fields["id_token"];
  const scope = fields["scope"];
  return {
    accessToken,
    refreshToken: typeof refreshToken === "string" && refreshToken !== "" ? refreshToken : null,
    idToken: typeof idToken === "string" && idToken !== "" ? idToken : null,
    accessTokenExpiresAt: clock.now() + expiresIn * 1000,
    scopes: typeof scope === "string" ? normalizeScopes(scope) : [],
  };
}
