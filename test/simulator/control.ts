/**
 * The control interface tests (and the demo) use to set the simulator up and switch its behaviour:
 * tenants, users, app registrations, consent revocation, faults, latency, clock, counters, the Jira
 * receivers' records, Graph subscriptions with lifecycle events on demand, the calls made to apps, and
 * the relay that carries those calls to a Worker without a port. JSON over HTTP under `/_sim/`.
 * @module
 */
import { addFolder, addMessage, createMailbox, findMessage, folderByPath, rootFolder, touch } from "./mailbox.ts";
import { defaultTenantSettings, grantKey, randomGuid, randomOpaque } from "./state.ts";
import type { MessageInput } from "./mailbox.ts";
import type { Notifier, RelayAnswer } from "./notifier.ts";
import { graphDateTime } from "./notifier.ts";
import type {
  SimApp,
  SimFolder,
  SimHook,
  SimMailbox,
  SimState,
  SimSubscription,
  SimTenant,
  SimUser,
  TenantSettings,
} from "./state.ts";

export interface UserInput {
  userPrincipalName?: string;
  displayName?: string;
  mail?: string | null;
}

export interface AppInput {
  displayName?: string;
  redirectUris?: string[];
  /** Lifetime of the generated secret; absent means it never expires. */
  secretExpiresInSeconds?: number;
}

export interface TenantInput {
  domain?: string;
  users?: UserInput[];
  apps?: AppInput[];
  settings?: Partial<TenantSettings>;
}

export interface AppInfo {
  clientId: string;
  clientSecret: string;
  secretId: string;
  /** The first secret's expiry as Azure's Certificates & secrets lists it (ISO 8601), or null for never. */
  secretExpiresAt: string | null;
  redirectUris: string[];
}

export interface TenantInfo {
  tenantId: string;
  domain: string;
  users: SimUser[];
  apps: AppInfo[];
  endpoints: { authorize: string; token: string };
  graphBaseUrl: string;
}

export interface SharedMailboxInput {
  tenantId: string;
  address: string;
  displayName?: string;
  access?: { userId: string; access: "read" | "full" }[];
  sendAs?: string[];
  /** `false`: Graph answers MailboxNotEnabledForRESTAPI (inactive, soft-deleted or on-premises). */
  restEnabled?: boolean;
}

/** A change a person makes in Outlook, which the next delta round sends as a partial update. */
export interface MessageChange {
  isRead?: boolean;
  flagged?: boolean;
  categories?: string[];
}

export interface SeededMessage {
  id: string;
  restId: string;
  internetMessageId: string | null;
  conversationId: string;
}

export interface MailboxMessageState {
  id: string;
  restId: string;
  folder: string;
  isRead: boolean;
  subject: string;
  internetMessageId: string | null;
}

/** A subscription as the control interface shows it (its client state included, for tests). */
export interface SubscriptionInfo {
  id: string;
  resource: string;
  mailbox: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  needsReauthorization: boolean;
}

export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

export async function handleControl(
  state: SimState,
  request: Request,
  path: string,
  notifier: Notifier,
): Promise<Response> {
  const origin = new URL(request.url).origin;
  const body = request.method === "GET" || request.method === "DELETE" ? {} : await readBody(request);
  const segments = path
    .split("/")
    .filter((segment) => segment !== "")
    .map(decodeURIComponent);
  const [collection, id, sub, subId, action] = segments;

  if (collection === "mailboxes") {
    return mailboxAction(state, { request, body, id, sub, subId, notifier });
  }
  if (collection === "subscriptions" && id !== undefined && sub === "lifecycle" && request.method === "POST") {
    return lifecycleAction(state, id, body as { event: LifecycleEvent }, notifier);
  }
  if (collection === "tenants" && id !== undefined && sub === "relay" && state.tenants.has(id)) {
    return relayAction(id, { request, callId: subId, body: body as RelayAnswer, notifier });
  }
  if (collection === "sent" && request.method === "GET") {
    const mailbox = new URL(request.url).searchParams.get("mailbox")?.toLowerCase();
    return json(
      200,
      state.sent.filter((sent) => mailbox === undefined || sent.mailbox === mailbox),
    );
  }

  if (collection === "tenants" && id === undefined && request.method === "POST") {
    return json(201, createTenant(state, body as TenantInput, origin));
  }
  if (collection === "tenants" && id !== undefined) {
    const tenant = state.tenants.get(id);
    if (tenant === undefined) {
      return json(404, { error: `no tenant ${id}` });
    }
    return tenantAction(state, tenant, { request, body, sub, subId, action, origin });
  }
  if (collection === "apps" && id !== undefined) {
    const app = state.apps.get(id);
    if (app === undefined) {
      return json(404, { error: `no app ${id}` });
    }
    if (sub === "secrets" && request.method === "POST") {
      return json(201, addSecret(app, body as { expiresInSeconds?: number }));
    }
    if (sub === undefined && request.method === "PATCH") {
      const input = body as { redirectUris?: string[] };
      app.redirectUris = input.redirectUris ?? app.redirectUris;
      return json(200, { clientId: app.clientId, redirectUris: app.redirectUris });
    }
  }
  if (collection === "hooks") {
    return hookAction(state, { request, body, id, sub, origin });
  }
  return json(404, { error: `no control route ${request.method} ${path}` });
}

function tenantAction(
  state: SimState,
  tenant: SimTenant,
  options: { request: Request; body: unknown; sub?: string; subId?: string; action?: string; origin: string },
): Response {
  const { request, body, sub, subId, action, origin } = options;
  if (sub === undefined && request.method === "GET") {
    return json(200, tenantInfo(state, tenant, origin));
  }
  if (sub === "settings" && request.method === "PATCH") {
    tenant.settings = { ...tenant.settings, ...(body as Partial<TenantSettings>) };
    return json(200, tenant.settings);
  }
  if (sub === "users" && subId === undefined && request.method === "POST") {
    return json(201, addUser(state, tenant, body as UserInput));
  }
  if (sub === "users" && subId !== undefined && action === "revoke" && request.method === "POST") {
    const input = body as { clientId: string; code?: number };
    const grant = state.grants.get(grantKey(subId, input.clientId));
    if (grant === undefined) {
      return json(404, { error: `user ${subId} never consented to ${input.clientId}` });
    }
    grant.validFrom = Date.now() + tenant.clockOffsetMs + 1;
    grant.revokedCode = input.code ?? 50173;
    return json(200, { revoked: true, code: grant.revokedCode });
  }
  if (sub === "apps" && request.method === "POST") {
    return json(201, addApp(state, tenant, body as AppInput));
  }
  if (sub === "clock" && request.method === "POST") {
    tenant.clockOffsetMs += ((body as { advanceSeconds?: number }).advanceSeconds ?? 0) * 1000;
    return json(200, { offsetSeconds: tenant.clockOffsetMs / 1000 });
  }
  if (sub === "counters" && request.method === "GET") {
    return json(200, Object.fromEntries(tenant.counters));
  }
  if (sub === "counters" && request.method === "DELETE") {
    tenant.counters.clear();
    return json(200, {});
  }
  if (sub === "issued" && request.method === "GET") {
    return json(200, issuedSecrets(state, tenant));
  }
  if (sub === "subscriptions" && request.method === "GET") {
    return json(
      200,
      [...state.subscriptions.values()].filter((item) => item.tenantId === tenant.id).map(subscriptionInfo),
    );
  }
  if (sub === "calls" && request.method === "GET") {
    return json(200, tenant.callsOut);
  }
  return json(404, { error: `no tenant route ${request.method} ${sub ?? ""}` });
}

function hookAction(
  state: SimState,
  options: { request: Request; body: unknown; id?: string; sub?: string; origin: string },
): Response {
  const { request, body, id, origin } = options;
  if (id === undefined && request.method === "POST") {
    const input = body as { token?: string | null; tokenHeader?: string };
    const hook: SimHook = {
      id: randomOpaque("hook-", 9),
      token: input.token === undefined ? randomOpaque("", 24) : input.token,
      tokenHeader: (input.tokenHeader ?? "x-automation-webhook-token").toLowerCase(),
      latencyMs: 0,
      faults: [],
      failuresPerKey: null,
      attemptsByKey: new Map(),
      requests: [],
    };
    state.hooks.set(hook.id, hook);
    return json(201, { id: hook.id, url: `${origin}/jira/hooks/${hook.id}`, token: hook.token });
  }
  const hook = id === undefined ? undefined : state.hooks.get(id);
  if (hook === undefined) {
    return json(404, { error: `no hook ${id ?? ""}` });
  }
  if (request.method === "GET") {
    const countsByKey: Record<string, number> = {};
    for (const entry of hook.requests) {
      const key = entry.headers["idempotency-key"];
      if (key !== undefined && entry.status >= 200 && entry.status < 300) {
        countsByKey[key] = (countsByKey[key] ?? 0) + 1;
      }
    }
    return json(200, { id: hook.id, requests: hook.requests, acceptedByKey: countsByKey });
  }
  if (request.method === "PATCH") {
    const input = body as Partial<Pick<SimHook, "latencyMs" | "faults" | "token" | "failuresPerKey">>;
    Object.assign(hook, input);
    return json(200, { id: hook.id, latencyMs: hook.latencyMs, faults: hook.faults });
  }
  return json(404, { error: `no hook route ${request.method}` });
}

/**
 * Sends a lifecycle event for a subscription, as Microsoft would: `subscriptionRemoved` also removes
 * it; `reauthorizationRequired` withholds its notifications until it is reauthorized or renewed.
 */
function lifecycleAction(state: SimState, id: string, input: { event: LifecycleEvent }, notifier: Notifier): Response {
  const subscription = state.subscriptions.get(id);
  if (subscription === undefined) {
    return json(404, { error: `no subscription ${id}` });
  }
  if (!["reauthorizationRequired", "subscriptionRemoved", "missed"].includes(input.event)) {
    return json(400, { error: `unknown lifecycle event ${String(input.event)}` });
  }
  if (input.event === "subscriptionRemoved") {
    state.subscriptions.delete(id);
  }
  if (input.event === "reauthorizationRequired") {
    subscription.needsReauthorization = true;
  }
  notifier.lifecycle(subscription, input.event);
  return json(202, { event: input.event });
}

/** `GET …/relay?waitMs=` takes the next call to carry (204 when none came); `POST …/relay/{callId}` answers it. */
async function relayAction(
  tenantId: string,
  options: { request: Request; callId?: string; body: RelayAnswer; notifier: Notifier },
): Promise<Response> {
  const { request, callId, body, notifier } = options;
  if (callId === undefined && request.method === "GET") {
    const waitMs = Math.min(Number(new URL(request.url).searchParams.get("waitMs") ?? 0) || 0, 30_000);
    const call = await notifier.takeRelayCall(tenantId, waitMs);
    return call === null ? new Response(null, { status: 204 }) : json(200, call);
  }
  if (callId !== undefined && request.method === "POST") {
    return notifier.answerRelayCall(tenantId, callId, body)
      ? json(200, {})
      : json(404, { error: `no call ${callId} waits for an answer (its deadline may have passed)` });
  }
  return json(404, { error: `no relay route ${request.method}` });
}

function subscriptionInfo(subscription: SimSubscription): SubscriptionInfo {
  return {
    id: subscription.id,
    resource: subscription.resource,
    mailbox: subscription.mailbox,
    changeType: subscription.changeTypes.join(","),
    notificationUrl: subscription.notificationUrl,
    lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
    clientState: subscription.clientState,
    expirationDateTime: graphDateTime(subscription.expiresAt),
    needsReauthorization: subscription.needsReauthorization,
  };
}

function mailboxAction(
  state: SimState,
  options: { request: Request; body: unknown; id?: string; sub?: string; subId?: string; notifier: Notifier },
): Response {
  const { request, body, id, sub, subId, notifier } = options;
  if (id === undefined && request.method === "POST") {
    const input = body as SharedMailboxInput;
    if (!state.tenants.has(input.tenantId)) {
      return json(404, { error: `no tenant ${input.tenantId}` });
    }
    const mailbox = createMailbox(state, {
      address: input.address,
      displayName: input.displayName ?? input.address,
      tenantId: input.tenantId,
      ownerId: null,
    });
    for (const grant of input.access ?? []) {
      mailbox.access.set(grant.userId, grant.access);
    }
    for (const userId of input.sendAs ?? []) {
      mailbox.sendAs.add(userId);
    }
    mailbox.restEnabled = input.restEnabled ?? true;
    return json(201, { address: mailbox.address });
  }
  const mailbox = id === undefined ? undefined : state.mailboxes.get(id.toLowerCase());
  if (mailbox === undefined) {
    return json(404, { error: `no mailbox ${id ?? ""}` });
  }
  if (sub === "access" && request.method === "PATCH") {
    const input = body as { userId: string; access: "read" | "full" | null };
    if (input.access === null) {
      mailbox.access.delete(input.userId);
    } else {
      mailbox.access.set(input.userId, input.access);
    }
    return json(200, { access: Object.fromEntries(mailbox.access) });
  }
  if (sub === "send-as" && request.method === "PATCH") {
    const input = body as { userId: string; allowed: boolean };
    if (input.allowed) {
      mailbox.sendAs.add(input.userId);
    } else {
      mailbox.sendAs.delete(input.userId);
    }
    return json(200, { sendAs: [...mailbox.sendAs] });
  }
  if (sub === "folders" && request.method === "POST") {
    const input = body as { displayName: string; parent?: string; hidden?: boolean };
    const parent = input.parent === undefined ? rootFolder(mailbox) : folderByPath(mailbox, input.parent);
    if (parent === undefined) {
      return json(404, { error: `no folder ${input.parent ?? ""}` });
    }
    const folder = addFolder(mailbox, input.displayName, parent.id, { hidden: input.hidden ?? false });
    return json(201, { id: folder.id, displayName: folder.displayName });
  }
  if (sub === "folders" && request.method === "DELETE") {
    // A person deletes an empty folder in Outlook: its id then answers ErrorItemNotFound.
    const path = new URL(request.url).searchParams.get("path") ?? "";
    const folder = folderByPath(mailbox, path);
    if (folder === undefined || folder.wellKnownName !== null) {
      return json(404, { error: `no deletable folder ${path}` });
    }
    mailbox.folders.delete(folder.id);
    return json(200, { deleted: folder.id });
  }
  if (sub === "messages" && request.method === "POST") {
    const input = body as { folder?: string; messages: MessageInput[] };
    const folder = folderByPath(mailbox, input.folder ?? "inbox");
    if (folder === undefined) {
      return json(404, { error: `no folder ${input.folder ?? ""}` });
    }
    const created: SeededMessage[] = input.messages.map((message) => {
      const added = addMessage(mailbox, folder, message);
      notifier.messageCreated(mailbox, added);
      return {
        id: added.immutableId,
        restId: added.restId,
        internetMessageId: added.internetMessageId,
        conversationId: added.conversationId,
      };
    });
    return json(201, created);
  }
  if (sub === "messages" && subId !== undefined && request.method === "PATCH") {
    const message = findMessage(mailbox, subId);
    if (message === undefined) {
      return json(404, { error: `no message ${subId}` });
    }
    const change = body as MessageChange;
    if (change.isRead !== undefined) {
      message.isRead = change.isRead;
    }
    if (change.flagged !== undefined) {
      message.flagged = change.flagged;
    }
    if (change.categories !== undefined) {
      message.categories = change.categories;
    }
    const properties = Object.keys(change).map((name) => (name === "flagged" ? "flag" : name));
    touch(mailbox, message, properties);
    return json(200, { id: message.immutableId, properties });
  }
  if (sub === "messages" && request.method === "GET") {
    const states: MailboxMessageState[] = [...mailbox.messages.values()].map((message) => ({
      id: message.immutableId,
      restId: message.restId,
      folder: folderPath(mailbox, mailbox.folders.get(message.folderId)),
      isRead: message.isRead,
      subject: message.subject,
      internetMessageId: message.internetMessageId,
    }));
    return json(200, states);
  }
  if (sub === "expire-sync" && request.method === "POST") {
    mailbox.syncStateValidFrom = Date.now() + 1;
    return json(200, { expired: true });
  }
  return json(404, { error: `no mailbox route ${request.method} ${sub ?? ""}` });
}

function folderPath(mailbox: SimMailbox, folder: SimFolder | undefined): string {
  const names: string[] = [];
  for (
    let current = folder;
    current !== undefined && current.parentId !== null;
    current = mailbox.folders.get(current.parentId)
  ) {
    names.unshift(current.displayName);
  }
  return names.join("/");
}

function createTenant(state: SimState, input: TenantInput, origin: string): TenantInfo {
  const tenantId = randomGuid();
  const tenant: SimTenant = {
    id: tenantId,
    domain: (input.domain ?? `contoso-${tenantId.slice(0, 8)}.onmicrosoft.com`).toLowerCase(),
    users: new Map(),
    settings: { ...defaultTenantSettings(), ...input.settings },
    clockOffsetMs: 0,
    counters: new Map(),
    callsOut: [],
    clientStates: [],
  };
  state.tenants.set(tenantId, tenant);
  for (const user of input.users ?? [{}]) {
    addUser(state, tenant, user);
  }
  for (const app of input.apps ?? [{}]) {
    addApp(state, tenant, app);
  }
  return tenantInfo(state, tenant, origin, { secrets: "all" });
}

const SAMPLE_NAMES = [
  ["Adele", "Vance"],
  ["Alex", "Wilber"],
  ["Diego", "Siciliani"],
  ["Grady", "Archie"],
  ["Isaiah", "Langer"],
  ["Johanna", "Lorenz"],
] as const;

function addUser(state: SimState, tenant: SimTenant, input: UserInput): SimUser {
  const [givenName, surname] = SAMPLE_NAMES[tenant.users.size % SAMPLE_NAMES.length] ?? ["Test", "User"];
  const local = `${givenName}${surname.charAt(0)}${tenant.users.size >= SAMPLE_NAMES.length ? tenant.users.size : ""}`;
  const upn = input.userPrincipalName ?? `${local}@${tenant.domain}`;
  const user: SimUser = {
    id: randomGuid(),
    tenantId: tenant.id,
    userPrincipalName: upn,
    displayName: input.displayName ?? `${givenName} ${surname}`,
    givenName,
    surname,
    mail: input.mail === undefined ? upn : input.mail,
  };
  tenant.users.set(user.id, user);
  createMailbox(state, {
    address: user.mail ?? upn,
    displayName: user.displayName,
    tenantId: tenant.id,
    ownerId: user.id,
  });
  return user;
}

function addApp(state: SimState, tenant: SimTenant, input: AppInput): AppInfo {
  const app: SimApp = {
    clientId: randomGuid(),
    tenantId: tenant.id,
    displayName: input.displayName ?? "edgepost",
    redirectUris: input.redirectUris ?? [],
    secrets: [],
  };
  state.apps.set(app.clientId, app);
  const secret = addSecret(
    app,
    input.secretExpiresInSeconds === undefined ? {} : { expiresInSeconds: input.secretExpiresInSeconds },
  );
  return {
    clientId: app.clientId,
    clientSecret: secret.value,
    secretId: secret.id,
    secretExpiresAt: secret.expiresAt,
    redirectUris: app.redirectUris,
  };
}

/** A new client secret; `expiresAt` as Azure lists it (ISO 8601), null for a secret that never expires. */
function addSecret(
  app: SimApp,
  input: { expiresInSeconds?: number },
): { id: string; value: string; expiresAt: string | null } {
  const secret = {
    id: randomGuid(),
    value: `${randomOpaque("", 3).slice(0, 3)}8Q~${randomOpaque("", 27).slice(0, 37)}`,
    expiresAt: input.expiresInSeconds === undefined ? null : Date.now() + input.expiresInSeconds * 1000,
  };
  app.secrets.push(secret);
  return { ...secret, expiresAt: secret.expiresAt === null ? null : new Date(secret.expiresAt).toISOString() };
}

function tenantInfo(state: SimState, tenant: SimTenant, origin: string, options: { secrets?: "all" } = {}): TenantInfo {
  const apps = [...state.apps.values()].filter((app) => app.tenantId === tenant.id);
  return {
    tenantId: tenant.id,
    domain: tenant.domain,
    users: [...tenant.users.values()],
    apps: apps.map((app) => ({
      clientId: app.clientId,
      clientSecret: options.secrets === "all" ? (app.secrets[0]?.value ?? "") : "",
      secretId: app.secrets[0]?.id ?? "",
      secretExpiresAt: expiryOf(app.secrets[0]?.expiresAt ?? null),
      redirectUris: app.redirectUris,
    })),
    endpoints: {
      authorize: `${origin}/${tenant.id}/oauth2/v2.0/authorize`,
      token: `${origin}/${tenant.id}/oauth2/v2.0/token`,
    },
    graphBaseUrl: `${origin}/v1.0`,
  };
}

function expiryOf(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

/** Every secret the simulator handed out for this tenant, for tests that check nothing leaks. */
function issuedSecrets(state: SimState, tenant: SimTenant): Record<string, string[]> {
  const userIds = new Set(tenant.users.keys());
  const clientIds = new Set(
    [...state.apps.values()].filter((app) => app.tenantId === tenant.id).map((app) => app.clientId),
  );
  return {
    clientSecrets: [...state.apps.values()]
      .filter((app) => clientIds.has(app.clientId))
      .flatMap((app) => app.secrets.map((secret) => secret.value)),
    codes: [...state.codes.values()].filter((code) => userIds.has(code.userId)).map((code) => code.code),
    accessTokens: [...state.accessTokens.values()]
      .filter((token) => userIds.has(token.userId))
      .map((token) => token.token),
    refreshTokens: [...state.refreshTokens.values()]
      .filter((token) => userIds.has(token.userId))
      .map((token) => token.token),
    clientStates: tenant.clientStates,
  };
}

async function readBody(request: Request): Promise<unknown> {
  const text = await request.text();
  return text === "" ? {} : JSON.parse(text);
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
