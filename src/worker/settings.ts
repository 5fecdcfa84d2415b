/**
 * The Worker's settings, parsed once per isolate from `env`. A missing or malformed setting raises a
 * `ConfigError` naming it; the HTTP layer answers 500 with that name and logs it once.
 * @module
 */
import { adminTokenWeakness } from "../core/access/admin-token.ts";
import { ConfigError } from "../core/config-error.ts";
import { parseKeyRing } from "../core/crypto/key-ring.ts";
import { DEFAULT_ALLOWED_AUTH_HOSTS, isLoopbackHostname } from "../core/microsoft/endpoints.ts";
import type { KeyRing } from "../core/crypto/key-ring.ts";
import type { EndpointPolicy } from "../core/microsoft/endpoints.ts";
import type { Env } from "./env.ts";

export interface Settings {
  adminToken: string;
  keyRing: KeyRing;
  /** Without trailing slash, or null to use each request's origin. */
  publicUrl: string | null;
  /** Without trailing slash. */
  graphBaseUrl: string;
  endpointPolicy: EndpointPolicy;
}

const DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0";

const cache = new WeakMap<object, Promise<Settings>>();

/** Settings for this `env`, parsed on first use. Rejects with `ConfigError`. */
export function loadSettings(env: Env): Promise<Settings> {
  let settings = cache.get(env);
  if (settings === undefined) {
    settings = parseSettings(env);
    cache.set(env, settings);
  }
  return settings;
}

async function parseSettings(env: Env): Promise<Settings> {
  const adminToken = parseAdminToken(env.ADMIN_TOKEN);
  const allowHttpLoopback = parseFlag("ALLOW_HTTP_LOOPBACK", env.ALLOW_HTTP_LOOPBACK);
  const keyRing = await parseKeyRing(env.ENCRYPTION_KEYS);
  return {
    adminToken,
    keyRing,
    publicUrl: parseBaseUrl("PUBLIC_URL", env.PUBLIC_URL, { allowHttpLoopback: true }),
    graphBaseUrl: parseBaseUrl("GRAPH_BASE_URL", env.GRAPH_BASE_URL, { allowHttpLoopback }) ?? DEFAULT_GRAPH_BASE_URL,
    endpointPolicy: { allowedHosts: parseHosts(env.ALLOWED_AUTH_HOSTS), allowHttpLoopback },
  };
}

function parseAdminToken(value: string | undefined): string {
  if (value === undefined || value === "") {
    throw new ConfigError("ADMIN_TOKEN", "ADMIN_TOKEN is not set");
  }
  const weakness = adminTokenWeakness(value);
  if (weakness !== null) {
    throw new ConfigError(
      "ADMIN_TOKEN",
      `ADMIN_TOKEN ${weakness}; set a random value, such as the output of: openssl rand -base64 32`,
    );
  }
  return value;
}

function parseFlag(name: string, value: string | undefined): boolean {
  const normalized = (value ?? "").trim().toLowerCase();
  if (normalized === "true") {
    return true;
  }
  if (normalized === "" || normalized === "false") {
    return false;
  }
  throw new ConfigError(name, `${name} must be "true" or "false"`);
}

function parseBaseUrl(name: string, value: string | undefined, options: { allowHttpLoopback: boolean }): string | null {
  if (value === undefined || value.trim() === "") {
    return null;
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch (error) {
    throw new ConfigError(name, `${name} must be an absolute URL`, { cause: error });
  }
  const httpAllowed = options.allowHttpLoopback && isLoopbackHostname(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && httpAllowed)) {
    throw new ConfigError(name, `${name} must use https`);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new ConfigError(name, `${name} must not contain credentials, a query string or a fragment`);
  }
  return url.href.replace(/\/+$/, "");
}

function parseHosts(value: string | undefined): string[] {
  const hosts = (value ?? "")
    .split(",")
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== "");
  return hosts.length > 0 ? hosts : [...DEFAULT_ALLOWED_AUTH_HOSTS];
}
