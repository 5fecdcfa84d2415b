/**
 * A typed client of the simulator's control interface, for tests and benchmarks. It takes any
 * `fetch`-shaped function, so it drives the simulator in process or over HTTP alike.
 * @module
 */
import type {
  AppInfo,
  LifecycleEvent,
  MailboxMessageState,
  MessageChange,
  SeededMessage,
  SharedMailboxInput,
  SubscriptionInfo,
  TenantInfo,
  TenantInput,
  UserInput,
} from "../simulator/control.ts";
import type { MessageInput } from "../simulator/mailbox.ts";
import type { RelayAnswer, RelayCall } from "../simulator/notifier.ts";
import type {
  SimCallRecord,
  SimFaultRule,
  SimHookRequest,
  SimSentMessage,
  SimUser,
  TenantSettings,
} from "../simulator/state.ts";

export type FetchLike = (request: Request) => Promise<Response>;

export interface HookInfo {
  id: string;
  url: string;
  token: string | null;
}

export interface HookRecord {
  requests: SimHookRequest[];
  acceptedByKey: Record<string, number>;
}

export interface IssuedSecrets {
  clientSecrets: string[];
  codes: string[];
  accessTokens: string[];
  refreshTokens: string[];
  clientStates: string[];
}

export class SimulatorClient {
  readonly baseUrl: string;
  readonly #fetch: FetchLike;

  constructor(baseUrl: string, options: { fetch?: FetchLike } = {}) {
    this.baseUrl = baseUrl;
    this.#fetch = options.fetch ?? ((request) => fetch(request));
  }

  /** Tenants and hooks created through this client, so a test file can check its own secrets never leaked. */
  readonly tenantIds: string[] = [];
  readonly hookTokens: string[] = [];
  /** The receivers this file created: what the Worker posted to them is scanned for secrets too. */
  readonly hookIds: string[] = [];

  async createTenant(input: TenantInput = {}): Promise<TenantInfo> {
    const tenant = await this.#call<TenantInfo>("POST", "/_sim/tenants", input);
    this.tenantIds.push(tenant.tenantId);
    return tenant;
  }

  updateSettings(tenantId: string, settings: Partial<TenantSettings>): Promise<TenantSettings> {
    return this.#call("PATCH", `/_sim/tenants/${tenantId}/settings`, settings);
  }

  addUser(tenantId: string, input: UserInput = {}): Promise<SimUser> {
    return this.#call("POST", `/_sim/tenants/${tenantId}/users`, input);
  }

  /** Removes the user's consent (as at myapps.microsoft.com): the next refresh fails with `code`. */
  revokeConsent(tenantId: string, userId: string, options: { clientId: string; code?: number }): Promise<void> {
    return this.#call("POST", `/_sim/tenants/${tenantId}/users/${userId}/revoke`, options);
  }

  addSecret(
    clientId: string,
    options: { expiresInSeconds?: number } = {},
  ): Promise<{ id: string; value: string; expiresAt: string | null }> {
    return this.#call("POST", `/_sim/apps/${clientId}/secrets`, options);
  }

  setRedirectUris(clientId: string, redirectUris: string[]): Promise<AppInfo> {
    return this.#call("PATCH", `/_sim/apps/${clientId}`, { redirectUris });
  }

  advanceClock(tenantId: string, seconds: number): Promise<void> {
    return this.#call("POST", `/_sim/tenants/${tenantId}/clock`, { advanceSeconds: seconds });
  }

  counters(tenantId: string): Promise<Record<string, number>> {
    return this.#call("GET", `/_sim/tenants/${tenantId}/counters`);
  }

  resetCounters(tenantId: string): Promise<void> {
    return this.#call("DELETE", `/_sim/tenants/${tenantId}/counters`);
  }

  issued(tenantId: string): Promise<IssuedSecrets> {
    return this.#call("GET", `/_sim/tenants/${tenantId}/issued`);
  }

  createSharedMailbox(input: SharedMailboxInput): Promise<{ address: string }> {
    return this.#call("POST", "/_sim/mailboxes", input);
  }

  setMailboxAccess(address: string, userId: string, access: "read" | "full" | null): Promise<void> {
    return this.#call("PATCH", `/_sim/mailboxes/${encodeURIComponent(address)}/access`, { userId, access });
  }

  setSendAs(address: string, userId: string, allowed: boolean): Promise<void> {
    return this.#call("PATCH", `/_sim/mailboxes/${encodeURIComponent(address)}/send-as`, { userId, allowed });
  }

  addFolder(
    address: string,
    displayName: string,
    options: { parent?: string; hidden?: boolean } = {},
  ): Promise<{ id: string; displayName: string }> {
    return this.#call("POST", `/_sim/mailboxes/${encodeURIComponent(address)}/folders`, { displayName, ...options });
  }

  /** Deletes a (user-made) folder, as a person would in Outlook. */
  deleteFolder(address: string, path: string): Promise<void> {
    return this.#call(
      "DELETE",
      `/_sim/mailboxes/${encodeURIComponent(address)}/folders?path=${encodeURIComponent(path)}`,
    );
  }

  addMessages(address: string, messages: MessageInput[], options: { folder?: string } = {}): Promise<SeededMessage[]> {
    return this.#call("POST", `/_sim/mailboxes/${encodeURIComponent(address)}/messages`, { messages, ...options });
  }

  messages(address: string): Promise<MailboxMessageState[]> {
    return this.#call("GET", `/_sim/mailboxes/${encodeURIComponent(address)}/messages`);
  }

  /** Changes a message as a person would in Outlook (read state, flag, categories). */
  changeMessage(address: string, messageId: string, change: MessageChange): Promise<void> {
    return this.#call(
      "PATCH",
      `/_sim/mailboxes/${encodeURIComponent(address)}/messages/${encodeURIComponent(messageId)}`,
      change,
    );
  }

  /** Makes every delta and skip token of the mailbox answer 410 SyncStateNotFound. */
  expireSyncState(address: string): Promise<void> {
    return this.#call("POST", `/_sim/mailboxes/${encodeURIComponent(address)}/expire-sync`, {});
  }

  /** The tenant's Graph subscriptions, client states included. */
  subscriptions(tenantId: string): Promise<SubscriptionInfo[]> {
    return this.#call("GET", `/_sim/tenants/${tenantId}/subscriptions`);
  }

  /** Sends a lifecycle event for a subscription, as Microsoft would. */
  lifecycle(subscriptionId: string, event: LifecycleEvent): Promise<void> {
    return this.#call("POST", `/_sim/subscriptions/${encodeURIComponent(subscriptionId)}/lifecycle`, { event });
  }

  /** Every call the simulator made to the tenant's notification URLs. */
  callsOut(tenantId: string): Promise<SimCallRecord[]> {
    return this.#call("GET", `/_sim/tenants/${tenantId}/calls`);
  }

  /** The next call waiting for the tenant's relay, or null when none came within `waitMs`. */
  async takeRelayCall(tenantId: string, waitMs: number): Promise<RelayCall | null> {
    const call = await this.#call<RelayCall | undefined>("GET", `/_sim/tenants/${tenantId}/relay?waitMs=${waitMs}`);
    return call ?? null;
  }

  /** The Worker's answer to a relayed call; false when its deadline had passed. */
  async answerRelayCall(tenantId: string, callId: string, answer: RelayAnswer): Promise<boolean> {
    const response = await this.#fetch(
      new Request(`${this.baseUrl}/_sim/tenants/${tenantId}/relay/${encodeURIComponent(callId)}`, {
        method: "POST",
        body: JSON.stringify(answer),
        headers: { "content-type": "application/json" },
      }),
    );
    await response.body?.cancel();
    return response.ok;
  }

  sent(address?: string): Promise<SimSentMessage[]> {
    return this.#call("GET", `/_sim/sent${address === undefined ? "" : `?mailbox=${encodeURIComponent(address)}`}`);
  }

  async createHook(options: { token?: string | null; tokenHeader?: string } = {}): Promise<HookInfo> {
    const hook = await this.#call<HookInfo>("POST", "/_sim/hooks", options);
    this.hookIds.push(hook.id);
    if (hook.token !== null) {
      this.hookTokens.push(hook.token);
    }
    return hook;
  }

  hook(id: string): Promise<HookRecord> {
    return this.#call("GET", `/_sim/hooks/${id}`);
  }

  updateHook(
    id: string,
    update: {
      latencyMs?: number;
      faults?: SimFaultRule[];
      token?: string | null;
      failuresPerKey?: { count: number; status: number; retryAfter?: string } | null;
    },
  ): Promise<void> {
    return this.#call("PATCH", `/_sim/hooks/${id}`, update);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#fetch(
      new Request(`${this.baseUrl}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      }),
    );
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`simulator ${method} ${path} answered ${response.status}: ${text}`);
    }
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }
}
