/**
 * The simulator's world: tenants with users and app registrations, consents, issued codes and tokens,
 * Graph subscriptions and the calls made for them, Jira webhook receivers, switchable faults and
 * request counters. Plain data, no I/O (the calls themselves are `notifier.ts`'s).
 * @module
 */

export interface SimUser {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string;
  surname: string;
  mail: string | null;
}

export interface SimSecret {
  id: string;
  value: string;
  /** Epoch ms, or null for a secret that never expires. */
  expiresAt: number | null;
}

export interface SimApp {
  clientId: string;
  tenantId: string;
  displayName: string;
  redirectUris: string[];
  secrets: SimSecret[];
}

/** A user's consent to an app; revoking it refuses every refresh token issued before `validFrom`. */
export interface SimGrant {
  userId: string;
  clientId: string;
  scopes: Set<string>;
  /** Epoch ms: refresh tokens issued earlier are refused with `revokedCode`. */
  validFrom: number;
  revokedCode: number | null;
}

export interface SimAuthorizationCode {
  code: string;
  clientId: string;
  userId: string;
  tenantId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: "S256" | "plain" | null;
  nonce: string | null;
  expiresAt: number;
  redeemed: boolean;
}

export interface SimRefreshToken {
  token: string;
  clientId: string;
  userId: string;
  scopes: string[];
  issuedAt: number;
  lastUsedAt: number;
  /** Set once a refresh with this token returned a newer one. */
  supersededAt: number | null;
}

export interface SimAccessToken {
  token: string;
  clientId: string;
  userId: string;
  tenantId: string;
  scopes: string[];
  expiresAt: number;
}

/** A failure to inject: a Microsoft-shaped error, or a dropped connection. */
export type SimFailure =
  | {
      /** A 200 whose body is not the shape Graph documents, to check that answers are parsed. */
      kind: "malformed";
    }
  | {
      kind: "error";
      status: number;
      /** OAuth `error` for the identity platform, Graph `error.code` for Graph. */
      error: string;
      /** AADSTS number for identity errors. */
      code?: number;
      description?: string;
      /** Seconds, possibly fractional, sent as `Retry-After`. */
      retryAfter?: string;
    }
  | { kind: "network" }
  /** An answer exactly as given: a malformed body, a redirect, a proxy's page. */
  | { kind: "response"; status: number; body: string; headers?: Record<string, string> };

export interface SimFaultRule {
  failure: SimFailure;
  /** Only requests with this method and a path matching this pattern fail (Graph rules). */
  match?: { method?: string; path?: string };
  /** How many requests still fail; -1 for every request until cleared. */
  remaining: number;
  /** Chance (0–1] that a matching request fails; 1 when absent. */
  probability?: number;
}

export interface TenantSettings {
  /** `auto` signs in the `login_hint` user (or the first user) at once; `page` shows a sign-in page. */
  signIn: "auto" | "page";
  accessTokenLifetimeSeconds: number;
  /** `rotate`: a new refresh token each time, old ones stay valid (Microsoft's behaviour);
   * `strict`: superseded refresh tokens are refused; `keep`: no new refresh token is returned. */
  refreshTokenRotation: "rotate" | "strict" | "keep";
  tokenLatencyMs: number;
  /**
   * `expires_in` of token responses as a JSON number (v2's documented shape) or a numeric string (as
   * v1 and other Microsoft endpoints send it): docs/microsoft.md, "expires_in as number or string".
   */
  expiresInAs: "number" | "string";
  graphLatencyMs: number;
  /** `error=` redirect instead of a code at the authorization endpoint. */
  authorizeError: { error: string; code: number; description: string } | null;
  /** A delta page whose bodies add up to more bytes than this answers 504 (docs/microsoft.md). */
  deltaPageBodyLimitBytes: number;
  /** How Graph answers a batch with throttled items: per item (429 inside a 200), or whole (424). */
  batchThrottling: "items" | "whole";
  tokenFaults: SimFaultRule[];
  graphFaults: SimFaultRule[];
  /**
   * How the simulator reaches a subscription's notification URLs: `http` calls them (the demo and
   * benchmarks against `wrangler dev`); `relay` queues each call for the test to carry to the Worker
   * in process and answer (`/_sim/tenants/{id}/relay`), since the workerd tests' Worker has no port.
   */
  notificationDelivery: "http" | "relay";
  /** Wait between a message's creation and its notification (Graph: under a minute on average). */
  notificationDelayMs: number;
  /** Chance (0–1) that a notification is never sent. */
  notificationLossRate: number;
  /** Chance (0–1) that a notification is sent twice. */
  notificationDuplicateRate: number;
}

export interface SimTenant {
  id: string;
  domain: string;
  users: Map<string, SimUser>;
  settings: TenantSettings;
  /** Added to the real clock for this tenant's expiry checks (advance time without waiting). */
  clockOffsetMs: number;
  counters: Map<string, number>;
  /** Every call the simulator made to the tenant's notification URLs, oldest first. */
  callsOut: SimCallRecord[];
  /** Every `clientState` an app chose for a subscription here, for tests that check nothing leaks. */
  clientStates: string[];
}

/** A Graph subscription (https://learn.microsoft.com/graph/api/resources/subscription). */
export interface SimSubscription {
  id: string;
  tenantId: string;
  /** The signed-in user who created it (`creatorId`). */
  userId: string;
  clientId: string;
  /** The resource as given, and what it resolved to. */
  resource: string;
  mailbox: string;
  /** Null for every message of the mailbox. */
  folderId: string | null;
  changeTypes: string[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  /** Epoch ms in the tenant's time. */
  expiresAt: number;
  /** Created with `Prefer: IdType="ImmutableId"`: notifications name messages by immutable id. */
  immutableIds: boolean;
  /** A `reauthorizationRequired` event was sent and not yet answered: notifications are withheld. */
  needsReauthorization: boolean;
}

export type SimCallKind = "validation" | "notification" | "lifecycle";

/** One call the simulator made (or tried) to an app's endpoint. */
export interface SimCallRecord {
  kind: SimCallKind;
  url: string;
  at: string;
  /** The HTTP status, or `timeout` / `unreachable`. */
  outcome: number | "timeout" | "unreachable";
  subscriptionIds: string[];
  /** Notifications or lifecycle events in the body. */
  items: number;
}

export interface SimHookRequest {
  receivedAt: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface SimHook {
  id: string;
  token: string | null;
  /** The header that must carry `token`: Jira's, or another receiver's (edgepost's alert webhook). */
  tokenHeader: string;
  latencyMs: number;
  faults: SimFaultRule[];
  /** Fails the first `count` posts of every Idempotency-Key with `status`. */
  failuresPerKey: { count: number; status: number; retryAfter?: string } | null;
  attemptsByKey: Map<string, number>;
  requests: SimHookRequest[];
}

export interface SimRecipient {
  name: string;
  address: string;
}

export interface SimAttachment {
  id: string;
  kind: "file" | "reference" | "item";
  name: string;
  contentType: string | null;
  size: number;
  isInline: boolean;
  contentId: string | null;
  /** Base64 bytes of a file attachment. */
  contentBytes: string | null;
}

export interface SimMessage {
  /** Stays the same when the message moves (`Prefer: IdType="ImmutableId"`). */
  immutableId: string;
  /** The default REST id: a move gives the message a new one. */
  restId: string;
  folderId: string;
  /** Change sequence within the mailbox; delta returns messages changed after a token's watermark. */
  seq: number;
  /** The sequence at which the message arrived in its current folder: later rounds see it as new. */
  addedSeq: number;
  /** Properties changed since it arrived, with the sequence of each change: delta sends updates in part. */
  changes: { seq: number; properties: string[] }[];
  /** Test-only: properties sent as they are, to stage an item edgepost cannot read. */
  rawOverrides: Record<string, unknown> | null;
  flagged: boolean;
  categories: string[];
  internetMessageId: string | null;
  conversationId: string;
  subject: string;
  from: SimRecipient | null;
  to: SimRecipient[];
  cc: SimRecipient[];
  bcc: SimRecipient[];
  replyTo: SimRecipient[];
  receivedDateTime: string;
  body: { contentType: "html" | "text"; content: string };
  isRead: boolean;
  headers: { name: string; value: string }[];
  attachments: SimAttachment[];
}

export interface SimFolder {
  id: string;
  displayName: string;
  parentId: string | null;
  wellKnownName: string | null;
  /** Left out of folder lists unless `includeHiddenFolders=true`. */
  isHidden: boolean;
}

/** A removal seen by delta: the message left the folder (moved or deleted) at `seq`. */
export interface SimTombstone {
  immutableId: string;
  restId: string;
  folderId: string;
  seq: number;
}

export interface SimSentMessage {
  /** The mailbox whose sendMail endpoint was called. */
  mailbox: string;
  /** The signed-in user who sent it. */
  userId: string;
  sentAt: string;
  /** The `message` object as posted, plus `saveToSentItems`. */
  message: Record<string, unknown>;
  saveToSentItems: boolean;
}

export interface SimMailbox {
  address: string;
  displayName: string;
  tenantId: string;
  /** The user owning the mailbox; null for a shared mailbox. */
  ownerId: string | null;
  folders: Map<string, SimFolder>;
  messages: Map<string, SimMessage>;
  tombstones: SimTombstone[];
  seq: number;
  /** Users with rights on a shared mailbox: `read` (folder shared) or `full` (Full Access). */
  access: Map<string, "read" | "full">;
  /** Users allowed to send as this mailbox (Send As / Send on Behalf). */
  sendAs: Set<string>;
  /** `false` for a mailbox Graph cannot reach (inactive, soft-deleted, on-premises). */
  restEnabled: boolean;
  /** Delta and skip tokens issued before this time no longer work (410 SyncStateNotFound). */
  syncStateValidFrom: number;
  inFlight: number;
}

export interface SimState {
  tenants: Map<string, SimTenant>;
  mailboxes: Map<string, SimMailbox>;
  deltaTokens: Map<string, SimDeltaToken>;
  sent: SimSentMessage[];
  apps: Map<string, SimApp>;
  grants: Map<string, SimGrant>;
  codes: Map<string, SimAuthorizationCode>;
  refreshTokens: Map<string, SimRefreshToken>;
  accessTokens: Map<string, SimAccessToken>;
  hooks: Map<string, SimHook>;
  subscriptions: Map<string, SimSubscription>;
}

/** Server-side state behind a `$skiptoken` or `$deltatoken`. */
export interface SimDeltaToken {
  mailbox: string;
  folderId: string;
  /** Messages changed after this sequence number belong to the round. */
  since: number;
  /** The round covers changes up to this sequence number. */
  until: number;
  /** Offset into the round's items (skip tokens). */
  offset: number;
  select: string[] | null;
  issuedAt: number;
}

export function createState(): SimState {
  return {
    tenants: new Map(),
    mailboxes: new Map(),
    deltaTokens: new Map(),
    sent: [],
    apps: new Map(),
    grants: new Map(),
    codes: new Map(),
    refreshTokens: new Map(),
    accessTokens: new Map(),
    hooks: new Map(),
    subscriptions: new Map(),
  };
}

export function defaultTenantSettings(): TenantSettings {
  return {
    signIn: "auto",
    accessTokenLifetimeSeconds: 3599,
    refreshTokenRotation: "rotate",
    tokenLatencyMs: 0,
    expiresInAs: "number",
    graphLatencyMs: 0,
    authorizeError: null,
    deltaPageBodyLimitBytes: 2_000_000,
    batchThrottling: "whole",
    tokenFaults: [],
    graphFaults: [],
    notificationDelivery: "http",
    notificationDelayMs: 0,
    notificationLossRate: 0,
    notificationDuplicateRate: 0,
  };
}

export function grantKey(userId: string, clientId: string): string {
  return `${userId}|${clientId}`;
}

export function tenantNow(tenant: SimTenant): number {
  return Date.now() + tenant.clockOffsetMs;
}

export function count(tenant: SimTenant, counter: string): void {
  tenant.counters.set(counter, (tenant.counters.get(counter) ?? 0) + 1);
}

/** Takes the next failure from `rules` if one applies to this request, consuming it. */
export function takeFault(
  rules: SimFaultRule[],
  options: { random: () => number; method?: string; path?: string },
): SimFailure | null {
  for (const rule of rules) {
    if (rule.remaining === 0 || !matches(rule, options)) {
      continue;
    }
    if (rule.probability !== undefined && options.random() >= rule.probability) {
      continue;
    }
    if (rule.remaining > 0) {
      rule.remaining--;
    }
    return rule.failure;
  }
  return null;
}

function matches(rule: SimFaultRule, request: { method?: string; path?: string }): boolean {
  if (rule.match?.method !== undefined && rule.match.method !== request.method) {
    return false;
  }
  return rule.match?.path === undefined || new RegExp(rule.match.path).test(request.path ?? "");
}

export function randomGuid(): string {
  return crypto.randomUUID();
}

export function randomOpaque(prefix: string, bytes = 32): string {
  const data = new Uint8Array(bytes);
  crypto.getRandomValues(data);
  const text = btoa(String.fromCharCode(...data))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  return `${prefix}${text}`;
}

/** Thrown by a handler to make the transport drop the connection, as a network failure would. */
export class SimulatedNetworkError extends Error {
  override readonly name = "SimulatedNetworkError";
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
