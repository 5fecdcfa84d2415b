/**
 * Microsoft identity platform endpoint URLs as administrators paste them from Azure's "Endpoints"
 * pane, checked against what edgepost can use: the v2.0 authorize and token endpoints on an allowed
 * host, with a tenant segment.
 * @module
 */

export interface EndpointPolicy {
  /** Hosts (with port when not the default) accepted in endpoint URLs: `ALLOWED_AUTH_HOSTS`. */
  allowedHosts: readonly string[];
  /** `ALLOW_HTTP_LOOPBACK`: lets http(s) URLs on 127.0.0.1, localhost or [::1] through. */
  allowHttpLoopback: boolean;
}

export type EndpointKind = "authorize" | "token";

export interface MicrosoftEndpoint {
  /** The normalised URL. */
  url: string;
  origin: string;
  /** The tenant segment as written: a GUID, a domain, `common`, `organizations` or `consumers`. */
  tenant: string;
}

export type EndpointCheck = { ok: true; endpoint: MicrosoftEndpoint } | { ok: false; problem: string };

export const DEFAULT_ALLOWED_AUTH_HOSTS: readonly string[] = [
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.partner.microsoftonline.cn",
  "login.chinacloudapi.cn",
];

const LOOPBACK_HOSTNAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);
const TENANT_KEYWORDS = new Set(["common", "organizations", "consumers"]);
const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const V2_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)\/?$/i;
const V1_PATH = /^\/([^/]+)\/oauth2\/(authorize|token)\/?$/i;

export function isTenantGuid(tenant: string): boolean {
  return GUID_PATTERN.test(tenant);
}

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname.toLowerCase());
}

/**
 * Checks one endpoint URL. The problem text is a phrase meant to follow the field name, e.g.
 * "authEndpoint " + "must use https".
 */
export function checkEndpoint(value: string, options: { kind: EndpointKind; policy: EndpointPolicy }): EndpointCheck {
  const { kind, policy } = options;
  const example = exampleUrl("login.microsoftonline.com", "<tenant>", kind);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, problem: `must be an absolute URL such as ${example}` };
  }
  const loopback = isLoopbackHostname(url.hostname);
  const loopbackAllowed = loopback && policy.allowHttpLoopback;
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopbackAllowed)) {
    return { ok: false, problem: "must use https" };
  }
  if (!loopbackAllowed && !policy.allowedHosts.includes(url.host.toLowerCase())) {
    return {
      ok: false,
      problem: `must be on an allowed host (${policy.allowedHosts.join(", ")}), not ${url.host}`,
    };
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    return { ok: false, problem: "must not contain credentials, a query string or a fragment" };
  }
  const v1 = V1_PATH.exec(url.pathname);
  if (v1 !== null) {
    return {
      ok: false,
      problem:
        `is a v1 endpoint; in Azure open the app's Endpoints and copy the v2.0 one ` +
        `(${exampleUrl(url.host, v1[1] ?? "<tenant>", kind)})`,
    };
  }
  const v2 = V2_PATH.exec(url.pathname);
  if (v2 === null) {
    return { ok: false, problem: `must be the v2.0 ${describeKind(kind)} endpoint, like ${example}` };
  }
  const tenant = v2[1] ?? "";
  const foundKind = (v2[2] ?? "").toLowerCase();
  if (foundKind !== kind) {
    return {
      ok: false,
      problem: `is the ${describeKind(foundKind)} endpoint; use the ${describeKind(kind)} endpoint, ending in /oauth2/v2.0/${kind}`,
    };
  }
  if (!TENANT_KEYWORDS.has(tenant.toLowerCase()) && !GUID_PATTERN.test(tenant) && !DOMAIN_PATTERN.test(tenant)) {
    return {
      ok: false,
      problem: "has a tenant segment that is not a tenant id, a domain, common, organizations or consumers",
    };
  }
  const normalized = `${url.origin}/${tenant}/oauth2/v2.0/${kind}`;
  return { ok: true, endpoint: { url: normalized, origin: url.origin, tenant } };
}

/** True when both endpoints belong to the same host and tenant, as Azure lists them for one app. */
export function sameAuthority(a: MicrosoftEndpoint, b: MicrosoftEndpoint): boolean {
  return a.origin === b.origin && a.tenant.toLowerCase() === b.tenant.toLowerCase();
}

function describeKind(kind: string): string {
  return kind === "authorize" ? "authorization" : "token";
}

/**
 * The two v2.0 endpoint URLs of a tenant (a GUID, a domain such as `contoso.onmicrosoft.com`, or
 * `organizations`, `common`, `consumers`) on a sign-in host: what Azure's Endpoints page lists. Null
 * when `tenant` is none of those.
 */
export function v2EndpointsOf(tenant: string, host: string): Record<EndpointKind, string> | null {
  const value = tenant.trim();
  if (!isTenantGuid(value) && !DOMAIN_PATTERN.test(value) && !TENANT_KEYWORDS.has(value.toLowerCase())) {
    return null;
  }
  return { authorize: exampleUrl(host, value, "authorize"), token: exampleUrl(host, value, "token") };
}

function exampleUrl(host: string, tenant: string, kind: EndpointKind): string {
  return `https://${host}/${tenant}/oauth2/v2.0/${kind}`;
}
