/**
 * Keeps one account's access token fresh. Whatever the number of callers, at most one request to the
 * token endpoint is in flight (callers share it), the rotated refresh token is stored before the new
 * access token is handed out, a refused grant turns the account to `reauth_required` for good (until
 * it is re-authorized), and outages back off without touching the account's status.
 *
 * The broker holds no storage of its own: it reads and writes through a `TokenVault`, which the
 * Durable Object implements over its SQLite storage.
 * @module
 */
import { IdentityError } from "../microsoft/identity-errors.ts";
import { refreshAccessToken } from "../microsoft/identity-client.ts";
import type { IdentityClientConfig } from "../microsoft/identity-client.ts";
import type { Clock, HttpClient, Logger } from "../ports.ts";
import type { AccountStatus, StatusReason } from "./account.ts";

export interface StoredTokens {
  accessToken: string;
  /** Epoch ms. */
  accessTokenExpiresAt: number;
  refreshToken: string;
  /** Epoch ms of the refresh token's last use (or issue). */
  refreshTokenUsedAt: number;
  /** Scopes asked for at authorization; sent again on refresh. */
  requestedScopes: string[];
  /** Scopes Microsoft granted. */
  grantedScopes: string[];
  /** Increases with every write of tokens, so a reader can tell that someone else rotated them. */
  version: number;
}

export type FailureKind = "transient" | "credential";

export interface RefreshHealth {
  status: AccountStatus;
  statusReason: StatusReason | null;
  consecutiveFailures: number;
  lastFailure: (StatusReason & { kind: FailureKind }) | null;
  /** Epoch ms before which no refresh is tried after a failure. */
  retryNotBefore: number | null;
  /** For a refused secret: the credential version it was refused at (a new secret lifts the wait). */
  failedCredentialVersion: string | null;
}

export interface TokenSnapshot {
  credentialId: string;
  tokens: StoredTokens;
  health: RefreshHealth;
}

export interface TokenVault {
  read(): Promise<TokenSnapshot | null>;
  /** Stores rotated tokens and clears failures. */
  saveRefreshed(tokens: Omit<StoredTokens, "version">): Promise<StoredTokens>;
  markReauthRequired(reason: StatusReason): Promise<void>;
  recordFailure(failure: {
    reason: StatusReason;
    kind: FailureKind;
    retryNotBefore: number;
    credentialVersion: string | null;
  }): Promise<void>;
  /**
   * Counts a forced refresh at `now` if fewer than `limit` were counted in the `windowMs` before;
   * otherwise counts nothing and answers how long until one more is allowed (ms).
   */
  takeForcedRefresh(now: number, budget: { limit: number; windowMs: number }): Promise<{ waitMs: number } | null>;
}

/** The credential a refresh needs, secret decrypted, with a version that changes when it is edited. */
export interface RefreshCredential {
  config: IdentityClientConfig;
  version: string;
}

export interface TokenBrokerOptions {
  vault: TokenVault;
  loadCredential: (credentialId: string) => Promise<RefreshCredential | null>;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  accountId: string;
}

export type AccessTokenResult =
  | { ok: true; accessToken: string; expiresAt: number; scopes: string[] }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "reauth_required"; statusReason: StatusReason }
  | {
      ok: false;
      reason: "credential_rejected";
      credentialId: string;
      code: string;
      message: string;
      retryAfterSeconds: number;
    }
  | { ok: false; reason: "credential_missing"; credentialId: string }
  | { ok: false; reason: "upstream_unavailable"; code: string; message: string; retryAfterSeconds: number }
  | { ok: false; reason: "refresh_limited"; retryAfterSeconds: number };

/** Why no access token could be had. */
export type AccessTokenFailure = Exclude<AccessTokenResult, { ok: true }>;

export type KeepAliveResult = { refreshed: false } | { refreshed: true; result: AccessTokenResult };

export const DEFAULT_MIN_VALIDITY_SECONDS = 300;
/** Refresh tokens idle this long get refreshed by the cron, far ahead of Microsoft's 90 days. */
export const KEEP_ALIVE_IDLE_MS = 24 * 60 * 60 * 1000;
/** Waits after consecutive transient failures: short at first, never more than five minutes. */
const TRANSIENT_BACKOFF_SECONDS = [5, 15, 30, 60, 120, 300] as const;
/** A refused client secret is not retried for this long unless the credential changes. */
const CREDENTIAL_RETRY_SECONDS = 60;
/**
 * Forced refreshes that reach Microsoft, per account: a caller (or a key) forcing refreshes in a loop
 * must not get the app throttled by the token endpoint for every mailbox.
 */
export const FORCED_REFRESH_BUDGET = { limit: 10, windowMs: 60 * 1000 } as const;

export class TokenBroker {
  readonly #options: TokenBrokerOptions;
  #inFlight: Promise<AccessTokenResult> | null = null;

  constructor(options: TokenBrokerOptions) {
    this.#options = options;
  }

  async getAccessToken(request: { minValiditySeconds: number; forceRefresh: boolean }): Promise<AccessTokenResult> {
    const snapshot = await this.#options.vault.read();
    if (snapshot === null) {
      return { ok: false, reason: "not_found" };
    }
    if (snapshot.health.status === "reauth_required") {
      return reauthRequired(snapshot);
    }
    const remainingMs = snapshot.tokens.accessTokenExpiresAt - this.#options.clock.now();
    if (!request.forceRefresh && remainingMs >= request.minValiditySeconds * 1000) {
      return granted(snapshot.tokens);
    }
    const result = await this.#refreshOnce({ forced: request.forceRefresh });
    // A caller that only needed a fresher token is not refused for someone else's forced refresh.
    if (!result.ok && result.reason === "refresh_limited" && !request.forceRefresh) {
      return this.#refreshOnce({ forced: false });
    }
    return result;
  }

  /** Refreshes when the refresh token has been idle for `idleMs`, so Microsoft's 90-day limit never hits. */
  async keepAlive(options: { idleMs: number }): Promise<KeepAliveResult> {
    const snapshot = await this.#options.vault.read();
    if (snapshot === null) {
      return { refreshed: false };
    }
    if (snapshot.health.status !== "connected") {
      return { refreshed: false };
    }
    if (this.#options.clock.now() - snapshot.tokens.refreshTokenUsedAt < options.idleMs) {
      return { refreshed: false };
    }
    return { refreshed: true, result: await this.#refreshOnce({ forced: false }) };
  }

  /**
   * Joins the refresh in flight or starts one: Durable Object input gates do not hold across fetch.
   * A forced refresh that joins one in flight costs Microsoft nothing more; one that starts a request
   * counts against `FORCED_REFRESH_BUDGET`.
   */
  #refreshOnce(options: { forced: boolean }): Promise<AccessTokenResult> {
    if (this.#inFlight === null) {
      const refresh = options.forced ? this.#forcedRefresh() : this.#refresh({ retriesAfterRotation: 1 });
      this.#inFlight = refresh.finally(() => {
        this.#inFlight = null;
      });
    }
    return this.#inFlight;
  }

  async #forcedRefresh(): Promise<AccessTokenResult> {
    const { vault, clock, logger, accountId } = this.#options;
    const refused = await vault.takeForcedRefresh(clock.now(), FORCED_REFRESH_BUDGET);
    if (refused !== null) {
      logger.warn("token.force_refresh_limited", { accountId });
      return { ok: false, reason: "refresh_limited", retryAfterSeconds: Math.max(1, Math.ceil(refused.waitMs / 1000)) };
    }
    return this.#refresh({ retriesAfterRotation: 1 });
  }

  async #refresh(options: { retriesAfterRotation: number }): Promise<AccessTokenResult> {
    const { vault, clock, logger, accountId } = this.#options;
    const snapshot = await vault.read();
    if (snapshot === null) {
      return { ok: false, reason: "not_found" };
    }
    if (snapshot.health.status === "reauth_required") {
      return reauthRequired(snapshot);
    }
    const credential = await this.#options.loadCredential(snapshot.credentialId);
    if (credential === null) {
      return { ok: false, reason: "credential_missing", credentialId: snapshot.credentialId };
    }
    const waiting = this.#backoffInForce(snapshot, credential);
    if (waiting !== null) {
      return waiting;
    }
    const { tokens } = snapshot;
    try {
      const refreshed = await refreshAccessToken(
        credential.config,
        { refreshToken: tokens.refreshToken, scopes: tokens.requestedScopes },
        { http: this.#options.http, clock },
      );
      const stored = await vault.saveRefreshed({
        accessToken: refreshed.accessToken,
        accessTokenExpiresAt: refreshed.accessTokenExpiresAt,
        refreshToken: refreshed.refreshToken ?? tokens.refreshToken,
        refreshTokenUsedAt: clock.now(),
        requestedScopes: tokens.requestedScopes,
        grantedScopes: refreshed.scopes.length > 0 ? refreshed.scopes : tokens.grantedScopes,
      });
      logger.info("token.refreshed", { accountId, rotated: refreshed.refreshToken !== null });
      return granted(stored);
    } catch (error) {
      if (!(error instanceof IdentityError)) {
        throw error;
      }
      return this.#handleFailure(error, { snapshot, credential, retriesAfterRotation: options.retriesAfterRotation });
    }
  }

  async #handleFailure(
    error: IdentityError,
    context: { snapshot: TokenSnapshot; credential: RefreshCredential; retriesAfterRotation: number },
  ): Promise<AccessTokenResult> {
    const { vault, clock, logger, accountId } = this.#options;
    const { snapshot, credential } = context;
    const now = clock.now();
    const reason: StatusReason = { code: error.code, message: error.description, at: new Date(now).toISOString() };
    logger.warn("token.refresh_failed", { accountId, kind: error.kind, code: error.code, status: error.status });
    if (error.kind === "reauth") {
      const latest = await vault.read();
      if (latest !== null && latest.tokens.version !== snapshot.tokens.version && context.retriesAfterRotation > 0) {
        return this.#refresh({ retriesAfterRotation: context.retriesAfterRotation - 1 });
      }
      await vault.markReauthRequired(reason);
      return { ok: false, reason: "reauth_required", statusReason: reason };
    }
    if (error.kind === "credential") {
      await vault.recordFailure({
        reason,
        kind: "credential",
        retryNotBefore: now + CREDENTIAL_RETRY_SECONDS * 1000,
        credentialVersion: credential.version,
      });
      return credentialRejected(snapshot.credentialId, reason, CREDENTIAL_RETRY_SECONDS);
    }
    const step = Math.min(snapshot.health.consecutiveFailures, TRANSIENT_BACKOFF_SECONDS.length - 1);
    const wait = Math.max(TRANSIENT_BACKOFF_SECONDS[step] ?? 300, Math.ceil(error.retryAfterSeconds ?? 0));
    await vault.recordFailure({
      reason,
      kind: "transient",
      retryNotBefore: now + wait * 1000,
      credentialVersion: null,
    });
    return {
      ok: false,
      reason: "upstream_unavailable",
      code: reason.code,
      message: reason.message,
      retryAfterSeconds: wait,
    };
  }

  /** The last failure again, without asking Microsoft, while its backoff lasts. */
  #backoffInForce(snapshot: TokenSnapshot, credential: RefreshCredential): AccessTokenResult | null {
    const { health } = snapshot;
    const now = this.#options.clock.now();
    if (health.retryNotBefore === null || health.retryNotBefore <= now || health.lastFailure === null) {
      return null;
    }
    const retryAfterSeconds = Math.ceil((health.retryNotBefore - now) / 1000);
    if (health.lastFailure.kind === "credential") {
      return health.failedCredentialVersion === credential.version
        ? credentialRejected(snapshot.credentialId, health.lastFailure, retryAfterSeconds)
        : null;
    }
    return {
      ok: false,
      reason: "upstream_unavailable",
      code: health.lastFailure.code,
      message: health.lastFailure.message,
      retryAfterSeconds,
    };
  }
}

function granted(tokens: StoredTokens): AccessTokenResult {
  return {
    ok: true,
    accessToken: tokens.accessToken,
    expiresAt: tokens.accessTokenExpiresAt,
    scopes: tokens.grantedScopes,
  };
}

function reauthRequired(snapshot: TokenSnapshot): AccessTokenResult {
  const statusReason = snapshot.health.statusReason ?? {
    code: "unknown",
    message: "The account must be re-authorized",
    at: new Date(0).toISOString(),
  };
  return { ok: false, reason: "reauth_required", statusReason };
}

function credentialRejected(credentialId: string, reason: StatusReason, retryAfterSeconds: number): AccessTokenResult {
  return {
    ok: false,
    reason: "credential_rejected",
    credentialId,
    code: reason.code,
    message: reason.message,
    retryAfterSeconds,
  };
}

/** Thrown where an access token was needed and the broker could not give one; carries the reason. */
export class AccountTokenError extends Error {
  override readonly name = "AccountTokenError";
  readonly result: AccessTokenFailure;

  constructor(accountId: string, result: AccessTokenFailure) {
    super(`account ${accountId}: no access token (${result.reason})`);
    this.result = result;
  }
}

/** The access token of a broker result, or an `AccountTokenError`. */
export function accessTokenOf(accountId: string, result: AccessTokenResult): string {
  if (!result.ok) {
    throw new AccountTokenError(accountId, result);
  }
  return result.accessToken;
}
