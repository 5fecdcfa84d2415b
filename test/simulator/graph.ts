/**
 * Microsoft Graph under `/v1.0`: bearer validation as Graph does it, injected throttling and faults
 * with fractional `Retry-After`, and the resources edgepost reads.
 * @module
 */
import { findUser } from "./identity.ts";
import { graphError, graphJson } from "./responses.ts";
import { count, SimulatedNetworkError, sleep, takeFault, tenantNow } from "./state.ts";
import type { SimAccessToken, SimState, SimTenant, SimUser } from "./state.ts";

export interface GraphContext {
  state: SimState;
  request: Request;
  url: URL;
  /** Path below `/v1.0`, e.g. `/me`. */
  path: string;
  token: SimAccessToken;
  user: SimUser;
  tenant: SimTenant;
}

export type GraphRoute = (context: GraphContext) => Promise<Response | null> | Response | null;

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

const USER_DEFAULT_PROPERTIES = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
] as const;

export async function handleGraph(
  state: SimState,
  request: Request,
  path: string,
  options: { random: () => number; routes: readonly GraphRoute[] },
): Promise<Response> {
  const authorization = request.headers.get("authorization") ?? "";
  const bearer = /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (bearer === undefined) {
    return unauthorized(request, "Access token is empty.");
  }
  const token = state.accessTokens.get(bearer);
  const user = token === undefined ? undefined : findUser(state, token.userId);
  const tenant = token === undefined ? undefined : state.tenants.get(token.tenantId);
  if (token === undefined || user === undefined || tenant === undefined) {
    return unauthorized(request, "CompactToken parsing failed with error code: 80049217");
  }
  count(tenant, `graph.${request.method} ${routeName(path)}`);
  await sleep(tenant.settings.graphLatencyMs);
  if (token.expiresAt <= tenantNow(tenant)) {
    return unauthorized(request, "Lifetime validation failed, the token is expired.");
  }
  const fault = takeFault(tenant.settings.graphFaults, options);
  if (fault?.kind === "network") {
    throw new SimulatedNetworkError("graph connection dropped");
  }
  if (fault?.kind === "error") {
    count(tenant, `graph.fault.${fault.status}`);
    return graphError(request, fault.status, fault.error, fault.description ?? "Please retry again later.", {
      ...(fault.retryAfter === undefined ? {} : { headers: { "retry-after": fault.retryAfter } }),
    });
  }
  const context: GraphContext = { state, request, url: new URL(request.url), path, token, user, tenant };
  for (const route of [meRoute, ...options.routes]) {
    const response = await route(context);
    if (response !== null) {
      return response;
    }
  }
  return graphError(request, 400, "BadRequest", `Resource not found for the segment '${path.split("/")[1] ?? ""}'.`);
}

/** `GET /me`: the signed-in user, default properties or `$select`. */
function meRoute(context: GraphContext): Response | null {
  if (context.request.method !== "GET" || context.path !== "/me") {
    return null;
  }
  const { user, url, request } = context;
  const all: Record<string, unknown> = {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: null,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: "en-US",
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
  const select = url.searchParams.get("$select");
  if (select === null) {
    return graphJson(request, { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity", ...all });
  }
  const fields = select.split(",").map((field) => field.trim());
  const unknown = fields.find((field) => !(USER_DEFAULT_PROPERTIES as readonly string[]).includes(field));
  if (unknown !== undefined) {
    return graphError(request, 400, "BadRequest", `Could not find a property named '${unknown}' on type 'microsoft.graph.user'.`);
  }
  const picked = Object.fromEntries(fields.map((field) => [field, all[field]]));
  return graphJson(request, {
    "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#users(${fields.join(",")})/$entity`,
    ...picked,
  });
}

function unauthorized(request: Request, message: string): Response {
  return graphError(request, 401, "InvalidAuthenticationToken", message, { headers: { "www-authenticate": WWW_AUTHENTICATE } });
}

/** A counter name with ids replaced, e.g. `/users/{id}/messages/{id}`. */
function routeName(path: string): string {
  return path
    .split("/")
    .map((segment, index, segments) => (index > 1 && isIdSegment(segments[index - 1] ?? "") ? "{id}" : segment))
    .join("/")
    .replace(/\?.*$/, "");
}

function isIdSegment(previous: string): boolean {
  return ["users", "messages", "mailFolders", "childFolders", "attachments"].includes(previous);
}
