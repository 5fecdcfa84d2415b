/**
 * A Graph client acting as an account: its access token comes from the account's object (refreshed
 * there, one refresh at a time), and a 401 from Graph asks that object for a forced refresh.
 * @module
 */
import { accessTokenOf } from "../core/accounts/token-broker.ts";
import { GraphClient } from "../core/microsoft/graph-client.ts";
import { SYSTEM_CLOCK } from "../core/ports.ts";
import { outboundFetch } from "./outbound-fetch.ts";
import type { Env } from "./env.ts";
import type { Settings } from "./settings.ts";

/** A token handed to a Graph call stays valid at least this long, so it cannot expire mid-run. */
const GRAPH_TOKEN_MIN_VALIDITY_SECONDS = 120;

export function accountGraphClient(
  env: Env,
  settings: Settings,
  accountId: string,
  options: { headers?: Record<string, string> } = {},
): GraphClient {
  const account = env.ACCOUNTS.getByName(accountId);
  return new GraphClient({
    http: outboundFetch(settings),
    clock: SYSTEM_CLOCK,
    sleep: (ms) => scheduler.wait(ms),
    baseUrl: settings.graphBaseUrl,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    accessToken: async ({ forceRefresh }) =>
      accessTokenOf(
        accountId,
        await account.getAccessToken({ minValiditySeconds: GRAPH_TOKEN_MIN_VALIDITY_SECONDS, forceRefresh }),
      ),
  });
}
