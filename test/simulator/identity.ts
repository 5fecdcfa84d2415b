/**
 * The Microsoft identity platform v2 endpoints: `/{tenant}/oauth2/v2.0/authorize` and `/token`, with
 * the authorization-code and refresh-token grants, PKCE, exact redirect URI matching, rotating refresh
 * tokens and AADSTS errors (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
 * @module
 */
import { aadstsMessage, escapeHtml, htmlPage, oauthError, oauthJson } from "./responses.ts";
import { count, grantKey, randomOpaque, SimulatedNetworkError, sleep, takeFault, tenantNow } from "./state.ts";
import type { SimApp, SimState, SimTenant, SimUser } from "./state.ts";

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const REFRESH_INACTIVITY_MS = 90 * 24 * 60 * 60 * 1000;
const ID_TOKEN_LIFETIME_S = 3600;
const TENANT_KEYWORDS = new Set(["common", "organizations", "consumers"]);
const GRAPH_RESOURCE = "https://graph.microsoft.com/";

export interface IdentityOptions {
  random: () => number;
}

export async function handleAuthorize(state: SimState, request: Request, tenantSegment: string): Promise<Response> {
  const params =
    request.method === "POST" ? new URLSearchParams(await request.text()) : new URL(request.url).searchParams;
  const clientId = params.get("client_id") ?? "";
  const app = state.apps.get(clientId);
  if (app === undefined) {
    return errorPage(700016, [clientId]);
  }
  const home = homeTenant(state, app);
  count(home, "authorize");
  const redirectUri = params.get("redirect_uri") ?? "";
  if (!app.redirectUris.includes(redirectUri)) {
    return errorPage(50011, [redirectUri, clientId]);
  }
  const reply = (fields: Record<string, string>): Response =>
    redirectTo(redirectUri, { ...fields, ...stateParam(params) });
  const replyError = (error: string, code: number, description?: string): Response =>
    reply({
      error,
      error_description: `AADSTS${code}: ${description ?? aadstsMessage(code)}`,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    });
  if (!(params.get("response_type") ?? "").split(" ").includes("code")) {
    return reply({
      error: "unsupported_response_type",
      error_description: "AADSTS700054: response_type 'code' is required.",
    });
  }
  const scope = params.get("scope") ?? "";
  if (scope.trim() === "") {
    return replyError("invalid_request", 900144, aadstsMessage(900144, ["scope"]));
  }
  // "Mail.ReadWrite.Shared is only valid for work or school accounts" (docs/microsoft.md, "Shared-mailbox
  // scopes need work accounts"): personal accounts signing in at /consumers get invalid_scope, the harsher
  // reading.
  const shared = scope.split(/\s+/).find((entry) => /\.shared$/i.test(entry));
  if (tenantSegment.toLowerCase() === "consumers" && shared !== undefined) {
    return replyError(
      "invalid_scope",
      70011,
      `The provided value for the input parameter 'scope' isn't valid. The scope '${shared}' isn't valid.`,
    );
  }
  const method = params.get("code_challenge_method");
  const challenge = params.get("code_challenge");
  if (method !== null && method !== "S256" && method !== "plain") {
    return replyError("invalid_request", 9002313);
  }
  if (home.settings.authorizeError !== null) {
    const { error, code, description } = home.settings.authorizeError;
    return replyError(error, code, description);
  }
  const users = eligibleUsers(state, tenantSegment, app);
  if (params.has("sim_cancel")) {
    return replyError("access_denied", 65004);
  }
  const chosen = chooseUser(users, params, home);
  if (chosen === "page") {
    return signInPage(params, users, app);
  }
  if (chosen === null) {
    return errorPage(50020, [params.get("login_hint") ?? "", tenantSegment]);
  }
  const now = tenantNow(home);
  const scopes = scope.split(/\s+/).filter((entry) => entry !== "");
  recordConsent(state, chosen, clientId, scopes);
  const code = randomOpaque("sim-code.", 48);
  state.codes.set(code, {
    code,
    clientId,
    userId: chosen.id,
    tenantId: chosen.tenantId,
    redirectUri,
    scopes,
    codeChallenge: challenge,
    codeChallengeMethod: challenge === null ? null : method === "S256" ? "S256" : "plain",
    nonce: params.get("nonce"),
    expiresAt: now + CODE_LIFETIME_MS,
    redeemed: false,
  });
  return reply({ code, session_state: crypto.randomUUID() });
}

export async function handleToken(
  state: SimState,
  request: Request,
  tenantSegment: string,
  options: IdentityOptions,
): Promise<Response> {
  if (request.method !== "POST") {
    return oauthError("invalid_request", 900561);
  }
  const contentType = request.headers.get("content-type") ?? "";
  const form = contentType.startsWith("application/x-www-form-urlencoded")
    ? new URLSearchParams(await request.text())
    : new URLSearchParams();
  const client = clientCredentials(request, form);
  if (client.clientId === "") {
    return oauthError("invalid_request", 900144, { description: aadstsMessage(900144, ["client_id"]) });
  }
  const app = state.apps.get(client.clientId);
  if (app === undefined) {
    return oauthError("unauthorized_client", 700016, { description: aadstsMessage(700016, [client.clientId]) });
  }
  const home = homeTenant(state, app);
  // Counted on arrival, so a test can act while a slow answer is on its way.
  count(home, "token.received");
  await sleep(home.settings.tokenLatencyMs);
  const fault = takeFault(home.settings.tokenFaults, options);
  if (fault?.kind === "network") {
    count(home, "token.dropped");
    throw new SimulatedNetworkError("token endpoint connection dropped");
  }
  const grantType = form.get("grant_type") ?? "";
  count(home, `token.${grantType || "missing"}`);
  if (fault?.kind === "response") {
    return new Response(fault.body, { status: fault.status, headers: fault.headers ?? {} });
  }
  if (fault?.kind === "error") {
    return oauthError(fault.error, fault.code ?? 90033, {
      status: fault.status,
      ...(fault.description === undefined ? {} : { description: fault.description }),
    });
  }
  if (client.secret !== null && request.headers.has("origin")) {
    return oauthError("invalid_request", 9002326);
  }
  if (client.secret === null) {
    return oauthError("invalid_client", 7000218);
  }
  const secret = app.secrets.find((candidate) => candidate.value === client.secret);
  if (secret === undefined) {
    return oauthError("invalid_client", 7000215, { description: aadstsMessage(7000215, [client.clientId]) });
  }
  if (secret.expiresAt !== null && secret.expiresAt <= tenantNow(home)) {
    return oauthError("invalid_client", 7000222, { description: aadstsMessage(7000222, [client.clientId]) });
  }
  if (grantType === "") {
    return oauthError("invalid_request", 900144, { description: aadstsMessage(900144, ["grant_type"]) });
  }
  if (grantType === "authorization_code") {
    return redeemCode(state, request, form, { app, home, tenantSegment });
  }
  if (grantType === "refresh_token") {
    return redeemRefreshToken(state, request, form, { app, home });
  }
  return oauthError("unsupported_grant_type", 70003, { description: aadstsMessage(70003, [grantType]) });
}

async function redeemCode(
  state: SimState,
  request: Request,
  form: URLSearchParams,
  context: { app: SimApp; home: SimTenant; tenantSegment: string },
): Promise<Response> {
  const value = form.get("code");
  if (value === null || value === "") {
    return oauthError("invalid_request", 900144, { description: aadstsMessage(900144, ["code"]) });
  }
  const redirectUri = form.get("redirect_uri");
  if (redirectUri === null) {
    return oauthError("invalid_request", 900144, { description: aadstsMessage(900144, ["redirect_uri"]) });
  }
  const code = state.codes.get(value);
  if (code === undefined || code.clientId !== context.app.clientId) {
    return oauthError("invalid_grant", 9002313);
  }
  if (code.redeemed) {
    return oauthError("invalid_grant", 54005);
  }
  const user = state.tenants.get(code.tenantId)?.users.get(code.userId);
  if (user === undefined) {
    return oauthError("invalid_grant", 9002313);
  }
  if (code.expiresAt <= tenantNow(context.home)) {
    return oauthError("invalid_grant", 70008);
  }
  const segment = context.tenantSegment.toLowerCase();
  if (!TENANT_KEYWORDS.has(segment) && segment !== code.tenantId && segment !== tenantDomain(state, code.tenantId)) {
    return oauthError("invalid_grant", 700005);
  }
  if (redirectUri !== code.redirectUri) {
    return oauthError("invalid_grant", 500112, { description: aadstsMessage(500112, [redirectUri, code.redirectUri]) });
  }
  if (code.codeChallenge !== null) {
    const verifier = form.get("code_verifier");
    if (verifier === null) {
      return oauthError("invalid_request", 900144, { description: aadstsMessage(900144, ["code_verifier"]) });
    }
    const expected = code.codeChallengeMethod === "S256" ? await s256(verifier) : verifier;
    if (expected !== code.codeChallenge) {
      return oauthError("invalid_grant", 501481);
    }
  }
  code.redeemed = true;
  return oauthJson(
    issueTokens(state, request, { app: context.app, home: context.home, user, scopes: code.scopes, nonce: code.nonce }),
  );
}

function redeemRefreshToken(
  state: SimState,
  request: Request,
  form: URLSearchParams,
  context: { app: SimApp; home: SimTenant },
): Response {
  const value = form.get("refresh_token");
  if (value === null || value === "") {
    return oauthError("invalid_request", 900144, { description: aadstsMessage(900144, ["refresh_token"]) });
  }
  const token = state.refreshTokens.get(value);
  if (token === undefined || token.clientId !== context.app.clientId) {
    return oauthError("invalid_grant", 9002313);
  }
  const user = findUser(state, token.userId);
  const grant = state.grants.get(grantKey(token.userId, token.clientId));
  if (user === undefined || grant === undefined) {
    return oauthError("invalid_grant", 70000);
  }
  const now = tenantNow(context.home);
  if (token.issuedAt < grant.validFrom) {
    const code = grant.revokedCode ?? 50173;
    return oauthError(code === 50076 ? "interaction_required" : "invalid_grant", code, {
      description: aadstsMessage(code, [
        new Date(token.issuedAt).toISOString(),
        new Date(grant.validFrom).toISOString(),
      ]),
    });
  }
  if (token.lastUsedAt + REFRESH_INACTIVITY_MS <= now) {
    return oauthError("invalid_grant", 700082, {
      description: aadstsMessage(700082, [new Date(token.issuedAt).toISOString()]),
    });
  }
  if (token.supersededAt !== null && context.home.settings.refreshTokenRotation === "strict") {
    return oauthError("invalid_grant", 70000);
  }
  const requested = (form.get("scope") ?? "").split(/\s+/).filter((entry) => entry !== "");
  const granted = new Set(token.scopes.map(shortScope));
  if (requested.some((scope) => !granted.has(shortScope(scope)) && !["openid", "profile", "email"].includes(scope))) {
    return oauthError("invalid_scope", 70011);
  }
  token.lastUsedAt = now;
  const keep = context.home.settings.refreshTokenRotation === "keep";
  const body = issueTokens(state, request, {
    app: context.app,
    home: context.home,
    user,
    scopes: requested.length > 0 ? requested : token.scopes,
    nonce: null,
    refreshToken: keep ? "none" : "issue",
  });
  if (!keep) {
    token.supersededAt = now;
  }
  return oauthJson(body);
}

interface TokenResponseBody {
  token_type: "Bearer";
  scope: string;
  expires_in: number | string;
  ext_expires_in: number | string;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

function issueTokens(
  state: SimState,
  request: Request,
  options: {
    app: SimApp;
    home: SimTenant;
    user: SimUser;
    scopes: string[];
    nonce: string | null;
    refreshToken?: "issue" | "none";
  },
): TokenResponseBody {
  const { app, home, user, scopes } = options;
  const now = tenantNow(home);
  const lifetime = home.settings.accessTokenLifetimeSeconds;
  const accessToken = randomOpaque("sim-at.", 48);
  state.accessTokens.set(accessToken, {
    token: accessToken,
    clientId: app.clientId,
    userId: user.id,
    tenantId: user.tenantId,
    scopes,
    expiresAt: now + lifetime * 1000,
  });
  const lower = scopes.map((scope) => scope.toLowerCase());
  const openid = lower.includes("openid");
  const lifetimeAs = home.settings.expiresInAs === "string" ? String(lifetime) : lifetime;
  const body: TokenResponseBody = {
    token_type: "Bearer",
    scope: scopeEcho(scopes),
    expires_in: lifetimeAs,
    ext_expires_in: lifetimeAs,
    access_token: accessToken,
  };
  if (lower.includes("offline_access") && options.refreshToken !== "none") {
    const refreshToken = randomOpaque("sim-rt.", 64);
    state.refreshTokens.set(refreshToken, {
      token: refreshToken,
      clientId: app.clientId,
      userId: user.id,
      scopes,
      issuedAt: now,
      lastUsedAt: now,
      supersededAt: null,
    });
    body.refresh_token = refreshToken;
  }
  if (openid) {
    body.id_token = idToken(request, { app, user, nonce: options.nonce, now, profile: lower.includes("profile") });
  }
  return body;
}

/**
 * The `scope` of a token response as Entra writes it (docs/microsoft.md, "Scope echo"): the Graph
 * permissions in short form, never `offline_access`, and the OpenID scopes as the consented
 * grant has them rather than as requested. The harsher reading of the observed answers: `openid` is
 * left out even when an id_token comes back, and `profile email` are added even when not requested,
 * so a client that infers anything about the OpenID scopes from the echo is caught.
 */
function scopeEcho(requested: readonly string[]): string {
  const graph = requested
    .filter((scope) => !["offline_access", "openid", "profile", "email"].includes(scope.toLowerCase()))
    .map(shortScope);
  return [...graph, "profile", "email"].join(" ");
}

/**
 * An id_token. `oid`, `name` and `preferred_username` only with the `profile` scope: "the profile
 * scope is required to receive this claim" (docs/microsoft.md, "Profile claims need profile").
 */
function idToken(
  request: Request,
  options: { app: SimApp; user: SimUser; nonce: string | null; now: number; profile: boolean },
): string {
  const { app, user, nonce, now } = options;
  const issuedAt = Math.floor(now / 1000);
  const claims: Record<string, unknown> = {
    aud: app.clientId,
    iss: `${new URL(request.url).origin}/${user.tenantId}/v2.0`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + ID_TOKEN_LIFETIME_S,
    aio: randomOpaque("", 24),
    rh: "0.AAAA",
    sub: randomOpaque("", 24),
    tid: user.tenantId,
    uti: randomOpaque("", 16),
    ver: "2.0",
  };
  if (nonce !== null) {
    claims["nonce"] = nonce;
  }
  if (options.profile) {
    Object.assign(claims, { name: user.displayName, oid: user.id, preferred_username: user.userPrincipalName });
  }
  const header = { typ: "JWT", alg: "RS256", kid: "simulator" };
  return [base64urlJson(header), base64urlJson(claims), randomOpaque("", 64)].join(".");
}

function clientCredentials(request: Request, form: URLSearchParams): { clientId: string; secret: string | null } {
  const authorization = request.headers.get("authorization") ?? "";
  const basic = /^basic\s+(\S+)$/i.exec(authorization);
  if (basic !== null) {
    const decoded = atob(basic[1] ?? "");
    const separator = decoded.indexOf(":");
    return {
      clientId: decodeURIComponent(decoded.slice(0, separator).replace(/\+/g, " ")),
      secret: decodeURIComponent(decoded.slice(separator + 1).replace(/\+/g, " ")),
    };
  }
  return { clientId: form.get("client_id") ?? "", secret: form.get("client_secret") };
}

function recordConsent(state: SimState, user: SimUser, clientId: string, scopes: string[]): void {
  const key = grantKey(user.id, clientId);
  const grant = state.grants.get(key);
  if (grant === undefined) {
    state.grants.set(key, { userId: user.id, clientId, scopes: new Set(scopes), validFrom: 0, revokedCode: null });
    return;
  }
  for (const scope of scopes) {
    grant.scopes.add(scope);
  }
}

function eligibleUsers(state: SimState, tenantSegment: string, app: SimApp): SimUser[] {
  const segment = tenantSegment.toLowerCase();
  if (TENANT_KEYWORDS.has(segment)) {
    const home = [...homeTenant(state, app).users.values()];
    const others = [...state.tenants.values()]
      .filter((tenant) => tenant.id !== app.tenantId)
      .flatMap((tenant) => [...tenant.users.values()]);
    return [...home, ...others];
  }
  const tenant = [...state.tenants.values()].find(
    (candidate) => candidate.id === segment || candidate.domain === segment,
  );
  return tenant === undefined ? [] : [...tenant.users.values()];
}

function chooseUser(users: SimUser[], params: URLSearchParams, home: SimTenant): SimUser | "page" | null {
  const picked = params.get("sim_user");
  if (picked !== null) {
    return users.find((user) => user.id === picked) ?? null;
  }
  if (home.settings.signIn === "page") {
    return "page";
  }
  const hint = params.get("login_hint");
  if (hint !== null && hint !== "") {
    return users.find((user) => user.userPrincipalName.toLowerCase() === hint.toLowerCase()) ?? null;
  }
  return users[0] ?? null;
}

function signInPage(params: URLSearchParams, users: SimUser[], app: SimApp): Response {
  const hidden = [...params.entries()]
    .filter(([name]) => !name.startsWith("sim_"))
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  const hint = (params.get("login_hint") ?? "").toLowerCase();
  const buttons = users
    .map(
      (user) =>
        `<li><button type="submit" name="sim_user" value="${escapeHtml(user.id)}"${user.userPrincipalName.toLowerCase() === hint ? " autofocus" : ""}>` +
        `${escapeHtml(user.displayName)} &lt;${escapeHtml(user.userPrincipalName)}&gt;</button></li>`,
    )
    .join("");
  return htmlPage(
    200,
    "Sign in to your account",
    `<main><h1>Microsoft (simulated)</h1><p>Sign in and let <strong>${escapeHtml(app.displayName)}</strong> access your mailbox.</p>` +
      `<form method="post">${hidden}<ul>${buttons}</ul><button type="submit" name="sim_cancel" value="1">Cancel</button></form></main>`,
  );
}

function errorPage(code: number, args: string[]): Response {
  return htmlPage(
    400,
    "Sign in to your account",
    `<main><h1>Sorry, but we’re having trouble signing you in.</h1><p id="error">AADSTS${code}: ${escapeHtml(aadstsMessage(code, args))}</p></main>`,
  );
}

function redirectTo(target: string, params: Record<string, string>): Response {
  const url = new URL(target);
  for (const [name, value] of Object.entries(params)) {
    url.searchParams.set(name, value);
  }
  return new Response(null, { status: 302, headers: { location: url.href } });
}

function stateParam(params: URLSearchParams): Record<string, string> {
  const value = params.get("state");
  return value === null ? {} : { state: value };
}

function homeTenant(state: SimState, app: SimApp): SimTenant {
  const tenant = state.tenants.get(app.tenantId);
  if (tenant === undefined) {
    throw new Error(`app ${app.clientId} has no tenant`);
  }
  return tenant;
}

export function findUser(state: SimState, userId: string): SimUser | undefined {
  for (const tenant of state.tenants.values()) {
    const user = tenant.users.get(userId);
    if (user !== undefined) {
      return user;
    }
  }
  return undefined;
}

function tenantDomain(state: SimState, tenantId: string): string | undefined {
  return state.tenants.get(tenantId)?.domain;
}

function shortScope(scope: string): string {
  return scope.startsWith(GRAPH_RESOURCE) ? scope.slice(GRAPH_RESOURCE.length) : scope;
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function base64urlJson(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = "";
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
