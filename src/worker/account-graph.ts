/**
 * A Graph client acting as an account: its access token comes from the account's object (refreshed
 * there, one refresh at a time), a 401 from Graph asks that object for a forced refresh, and every
 * request holds slots of the mailbox's Outlook budget (`MailboxBudget`), shared by all of its callers.
 * @module
 */
import { accessTokenOf } from "../core/accounts/token-broker.ts";
import { GraphClient } from "../core/microsoft/graph-client.ts";
import type { AccessTokenSource, RequestSlots } from "../core/microsoft/graph-client.ts";
import type { AccountObject } from "./objects/account-object.ts";
import type { MailboxBudget } from "./objects/mailbox-budget-object.ts";
import { SYSTEM_CLOCK } from "../core/ports.ts";
import { outboundFetch } from "./outbound-fetch.ts";
import type { Env } from "./env.ts";
import type { Settings } from "./settings.ts";

/** A token handed to a Graph call stays valid at least this long, so it cannot expire mid-run. */
const GRAPH_TOKEN_MIN_VALIDITY_SECONDS = 120;

/**
 * A client for `mailbox` (`me`, or a shared mailbox's address) acting as the account. The budget is the
 * app's (the credential's) for that mailbox, as Outlook counts it.
 */
export function accountGraphClient(
  env: Env,
  settings: Settings,
  accountId: string,
  options: { mailbox: string; headers?: Record<string, string> },
): GraphClient {
  const account = env.ACCOUNTS.getByName(accountId);
  return new GraphClient({
    http: outboundFetch(settings),
    clock: SYSTEM_CLOCK,
    sleep: (ms) => scheduler.wait(ms),
    baseUrl: settings.graphBaseUrl,
    slots: mailboxSlots(env, { account, mailbox: options.mailbox }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    accessToken: cachedAccessToken(accountId, account),
  });
}

/**
 * The account's access token, asked of its object once and reused while it stays valid long enough: a
 * run makes hundreds of Graph requests, each would otherwise be a call to the account's object. A 401
 * from Graph (`forceRefresh`) always goes to the object.
 */
function cachedAccessToken(accountId: string, account: DurableObjectStub<AccountObject>): AccessTokenSource {
  let cached: { token: string; expiresAt: number } | null = null;
  return async ({ forceRefresh }) => {
    if (
      !forceRefresh &&
      cached !== null &&
      cached.expiresAt - SYSTEM_CLOCK.now() > GRAPH_TOKEN_MIN_VALIDITY_SECONDS * 1000
    ) {
      return cached.token;
    }
    const result = await account.getAccessToken({ minValiditySeconds: GRAPH_TOKEN_MIN_VALIDITY_SECONDS, forceRefresh });
    const token = accessTokenOf(accountId, result);
    cached = result.ok ? { token, expiresAt: result.expiresAt } : null;
    return token;
  };
}

/** The mailbox's budget object, found on the first request (the account says which app and address). */
function mailboxSlots(env: Env, target: { account: DurableObjectStub<AccountObject>; mailbox: string }): RequestSlots {
  let budget: Promise<DurableObjectStub<MailboxBudget>> | null = null;
  const find = async (): Promise<DurableObjectStub<MailboxBudget>> => {
    const view = await target.account.view();
    const address = target.mailbox === "me" ? (view?.email ?? view?.username ?? "") : target.mailbox;
    return env.MAILBOX_BUDGETS.getByName(`${view?.credentialId ?? "unknown"}:${address.toLowerCase()}`);
  };
  return {
    async acquire(weight) {
      budget ??= find();
      const stub = await budget;
      const lease = await stub.acquire(weight);
      return () => stub.release(lease);
    },
  };
}
