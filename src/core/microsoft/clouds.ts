/**
 * Microsoft's national clouds: which sign-in hosts and which Graph hosts belong together. Tokens do
 * not cross clouds ("Access tokens acquired for a national cloud deployment are not interchangeable
 * with those acquired for the global service or any other national cloud",
 * https://learn.microsoft.com/graph/deployments; docs/microsoft.md, "National clouds"), so a
 * credential whose sign-in host belongs to another cloud than `GRAPH_BASE_URL` could sign users in
 * and then never read a message. edgepost refuses such a credential when it is saved, naming the
 * Graph base URL that would match.
 * @module
 */

export type Cloud = "global" | "usGovernment" | "china";

interface CloudHosts {
  label: string;
  /** Sign-in hosts (https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud). */
  login: readonly string[];
  /** Graph hosts (https://learn.microsoft.com/graph/deployments). */
  graph: readonly string[];
  /** The Graph base URL to configure for this cloud. */
  graphBaseUrl: string;
}

const CLOUDS: Readonly<Record<Cloud, CloudHosts>> = {
  global: {
    label: "the global Microsoft cloud",
    login: ["login.microsoftonline.com"],
    graph: ["graph.microsoft.com"],
    graphBaseUrl: "https://graph.microsoft.com/v1.0",
  },
  usGovernment: {
    label: "Microsoft's US Government cloud",
    login: ["login.microsoftonline.us"],
    graph: ["graph.microsoft.us", "dod-graph.microsoft.us"],
    graphBaseUrl: "https://graph.microsoft.us/v1.0",
  },
  china: {
    label: "Microsoft's China cloud (21Vianet)",
    // The Entra and Graph pages name different China sign-in hosts; both are the same cloud.
    login: ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
    graph: ["microsoftgraph.chinacloudapi.cn"],
    graphBaseUrl: "https://microsoftgraph.chinacloudapi.cn/v1.0",
  },
};

function cloudOfHost(hostname: string, kind: "login" | "graph"): Cloud | null {
  const host = hostname.toLowerCase();
  for (const [cloud, hosts] of Object.entries(CLOUDS) as [Cloud, CloudHosts][]) {
    if (hosts[kind].includes(host)) {
      return cloud;
    }
  }
  return null;
}

/**
 * Why a credential signing in at `authEndpoint` cannot work with `graphBaseUrl`, as a phrase that
 * follows the field name; null when they match or either host is not a known Microsoft cloud (a
 * simulator on loopback, a host added to `ALLOWED_AUTH_HOSTS`).
 */
export function cloudMismatch(authEndpoint: string, graphBaseUrl: string): string | null {
  const login = cloudOfHost(new URL(authEndpoint).hostname, "login");
  const graph = cloudOfHost(new URL(graphBaseUrl).hostname, "graph");
  if (login === null || graph === null || login === graph) {
    return null;
  }
  return (
    `signs in to ${CLOUDS[login].label}, but GRAPH_BASE_URL (${graphBaseUrl}) is in ${CLOUDS[graph].label}; ` +
    `tokens do not cross clouds: set GRAPH_BASE_URL to ${CLOUDS[login].graphBaseUrl} for this deployment, ` +
    `or use the sign-in host of ${CLOUDS[graph].label} (${CLOUDS[graph].login[0]})`
  );
}
