/**
 * The simulator in the test's own isolate, with a signed-in user: for tests of the simulator itself.
 * @module
 */
import { createSimulator } from "../simulator/index.ts";
import { SimulatorClient } from "./simulator-client.ts";
import type { EndpointPolicy } from "../../src/core/microsoft/endpoints.ts";
import type { Simulator, SimulatorOptions } from "../simulator/index.ts";
import type { TenantInfo, TenantInput } from "../simulator/control.ts";

export const SIM_ORIGIN = "https://sim.test";
/** Endpoint rules under which the core's clients may call the in-process simulator. */
export const SIM_ENDPOINT_POLICY: EndpointPolicy = { allowedHosts: ["sim.test"], allowHttpLoopback: false };
export const SIM_REDIRECT = "https://app.test/oauth/callback";

export interface InProcessSession {
  sim: Simulator;
  control: SimulatorClient;
  tenant: TenantInfo;
  /** Signs the tenant's first user (or `loginHint`) in with `scope` and returns the access token. */
  signIn(options?: { scope?: string; loginHint?: string }): Promise<string>;
  /** The same, returning Microsoft's whole token response. */
  signInTokens(options?: { scope?: string; loginHint?: string }): Promise<TokenResponse>;
  /** A Graph request with a bearer token. */
  graph(path: string, options: { token: string; method?: string; body?: unknown; prefer?: string }): Promise<Response>;
}

/** A token endpoint's answer, as the simulator sends it. */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export async function inProcessSession(
  input: TenantInput = {},
  options: SimulatorOptions = {},
): Promise<InProcessSession> {
  const sim = createSimulator(options);
  const control = new SimulatorClient(SIM_ORIGIN, { fetch: (request) => sim.handle(request) });
  const tenant = await control.createTenant({ apps: [{ redirectUris: [SIM_REDIRECT] }], ...input });
  const app = tenant.apps[0];
  if (app === undefined) {
    throw new Error("no app");
  }
  const session: InProcessSession = {
    sim,
    control,
    tenant,
    async signIn(signInOptions = {}): Promise<string> {
      return (await session.signInTokens(signInOptions)).access_token;
    },
    async signInTokens(signInOptions = {}): Promise<TokenResponse> {
      const verifier = "v".repeat(43);
      const url = new URL(tenant.endpoints.authorize);
      const params: Record<string, string> = {
        client_id: app.clientId,
        response_type: "code",
        redirect_uri: SIM_REDIRECT,
        scope:
          signInOptions.scope ??
          "offline_access openid profile User.Read Mail.ReadWrite Mail.ReadWrite.Shared Mail.Send Mail.Send.Shared",
        code_challenge: await s256(verifier),
        code_challenge_method: "S256",
        ...(signInOptions.loginHint === undefined ? {} : { login_hint: signInOptions.loginHint }),
      };
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      const redirect = await sim.handle(new Request(url));
      const code = new URL(redirect.headers.get("location") ?? "").searchParams.get("code") ?? "";
      const response = await sim.handle(
        new Request(tenant.endpoints.token, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            client_id: app.clientId,
            client_secret: app.clientSecret,
            grant_type: "authorization_code",
            code,
            redirect_uri: SIM_REDIRECT,
            code_verifier: verifier,
          }),
        }),
      );
      return (await response.json()) as TokenResponse;
    },
    graph(path, graphOptions): Promise<Response> {
      const headers: Record<string, string> = { authorization: `Bearer ${graphOptions.token}` };
      if (graphOptions.prefer !== undefined) headers["prefer"] = graphOptions.prefer;
      if (graphOptions.body !== undefined) headers["content-type"] = "application/json";
      return sim.handle(
        new Request(path.startsWith("http") ? path : `${SIM_ORIGIN}/v1.0${path}`, {
          method: graphOptions.method ?? "GET",
          headers,
          ...(graphOptions.body === undefined ? {} : { body: JSON.stringify(graphOptions.body) }),
        }),
      );
    },
  };
  return session;
}
