/**
 * Where edgepost may send requests: https to public hosts, and http on a loopback address only where
 * `ALLOW_HTTP_LOOPBACK` says so (local development and tests). Private, link-local, shared (CGNAT)
 * and cloud metadata addresses are refused whatever the scheme, so a webhook URL cannot aim
 * edgepost's requests (and their tokens) at an internal service. The rules are checked when a URL
 * is saved and again on every request (`pinnedHttp`), so a setting changed since, or a stored value
 * from an older version, cannot slip through.
 *
 * Host names are checked as written: a Worker cannot resolve names itself, and Cloudflare's network
 * does not route Workers' requests into private networks.
 * @module
 */
import { isLoopbackHostname } from "./microsoft/endpoints.ts";
import type { HttpClient } from "./ports.ts";

export interface EgressPolicy {
  /** `ALLOW_HTTP_LOOPBACK`: lets http(s) URLs on 127.0.0.1, localhost or [::1] through. */
  allowHttpLoopback: boolean;
}

/** Names that lead to a cloud's instance metadata or to hosts inside a private network. */
const INTERNAL_HOSTNAMES = [/^metadata$/, /^metadata\.google\.internal$/, /\.internal$/, /\.local$/, /^localhost$/];
const LOOPBACK_SUFFIX = /\.localhost$/;

/**
 * IPv4 ranges that are not the public internet: [first octets, prefix length]. RFC 6890 special
 * purpose blocks: this network, private (RFC 1918), shared/CGNAT (RFC 6598), loopback, link-local
 * and cloud metadata (169.254.169.254), IETF protocol assignments, benchmarking, multicast, reserved.
 */
const BLOCKED_IPV4: readonly [number[], number][] = [
  [[0], 8],
  [[10], 8],
  [[100, 64], 10],
  [[127], 8],
  [[169, 254], 16],
  [[172, 16], 12],
  [[192, 0, 0], 24],
  [[192, 168], 16],
  [[198, 18], 15],
  [[224], 4],
  [[240], 4],
];

/** Why edgepost may not send to `value`, as a phrase following the field name; null when it may. */
export function checkOutboundUrl(value: string, policy: EgressPolicy): string | null {
  const schemes = policy.allowHttpLoopback
    ? "must be an https URL (or http on a loopback address)"
    : "must be an https URL";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return schemes;
  }
  if (url.username !== "" || url.password !== "") {
    return "must not contain a user name or password";
  }
  const loopbackAllowed = policy.allowHttpLoopback && isLoopbackHostname(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopbackAllowed)) {
    return schemes;
  }
  if (loopbackAllowed) {
    return null;
  }
  const internal = internalAddress(url.hostname);
  return internal === null ? null : `must not point at ${internal}`;
}

/** The URL as edgepost stores it: parsed and serialised, so equal URLs are equal strings. */
export function normalizeUrl(value: string): string {
  return new URL(value).href;
}

/** A request refused by the egress rules before it left. */
export class EgressRefusedError extends Error {
  override readonly name = "EgressRefusedError";
}

/** `http` with the egress rules checked on every request. */
export function pinnedHttp(http: HttpClient, policy: EgressPolicy): HttpClient {
  return async (request) => {
    const problem = checkOutboundUrl(request.url, policy);
    if (problem !== null) {
      throw new EgressRefusedError(`${new URL(request.url).origin} ${problem}`);
    }
    return http(request);
  };
}

/** What kind of internal address `hostname` is, or null for a public one. */
function internalAddress(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[")) {
    return ipv6Problem(host.slice(1, -1));
  }
  const ipv4 = parseIpv4(host);
  if (ipv4 !== null) {
    return ipv4Problem(ipv4);
  }
  if (INTERNAL_HOSTNAMES.some((pattern) => pattern.test(host)) || LOOPBACK_SUFFIX.test(host)) {
    return "an internal host name (loopback, metadata or private network)";
  }
  return null;
}

function parseIpv4(host: string): number[] | null {
  // The URL parser has already turned 0x7f.1, 2130706433 and the like into dotted decimal.
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) {
    return null;
  }
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? octets : null;
}

function ipv4Problem(octets: readonly number[]): string | null {
  const value = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  for (const [prefix, bits] of BLOCKED_IPV4) {
    const base = [0, 1, 2, 3].reduce((sum, index) => sum * 256 + (prefix[index] ?? 0), 0);
    const size = 2 ** (32 - bits);
    if (value >= base && value < base + size) {
      return "a private, loopback, link-local or reserved address";
    }
  }
  return null;
}

function ipv6Problem(address: string): string | null {
  const groups = expandIpv6(address);
  if (groups === null) {
    return "an IPv6 address edgepost cannot check";
  }
  const [first = 0] = groups;
  const allZeroBefore = (index: number): boolean => groups.slice(0, index).every((group) => group === 0);
  // ::ffff:a.b.c.d (IPv4-mapped), ::a.b.c.d (IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address.
  const nat64 = first === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0);
  if (nat64 || (allZeroBefore(5) && (groups[5] === 0xffff || groups[5] === 0))) {
    const [high = 0, low = 0] = groups.slice(6);
    if (!(groups[5] === 0 && high === 0 && low <= 1)) {
      return ipv4Problem([high >> 8, high & 0xff, low >> 8, low & 0xff]);
    }
  }
  const isUnspecifiedOrLoopback = allZeroBefore(7) && (groups[7] ?? 0) <= 1;
  if (
    isUnspecifiedOrLoopback ||
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xffc0) === 0xfec0 || // fec0::/10 site-local (deprecated)
    (first & 0xff00) === 0xff00 // ff00::/8 multicast
  ) {
    return "a private, loopback, link-local or reserved address";
  }
  return null;
}

/** The eight 16-bit groups of an IPv6 address as the URL parser writes it (compressed, hex). */
function expandIpv6(address: string): number[] | null {
  const halves = address.split("::");
  if (halves.length > 2) {
    return null;
  }
  const parse = (part: string | undefined): number[] | null => {
    if (part === undefined || part === "") {
      return [];
    }
    const groups = part.split(":").map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? Number.parseInt(group, 16) : NaN));
    return groups.some(Number.isNaN) ? null : groups;
  };
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  if (head === null || tail === null) {
    return null;
  }
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) {
    return null;
  }
  return [...head, ...Array.from({ length: missing }, () => 0), ...tail];
}
