/**
 * One object per connected mailbox, named by the account id. It is the only holder of the account's
 * tokens (sealed at rest) and status, and the one place where they are refreshed, so concurrent
 * callers anywhere share a single refresh.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { TokenBroker, DEFAULT_MIN_VALIDITY_SECONDS } from "../../core/accounts/token-broker.ts";
import { openSecret, sealedKeyId, sealSecret } from "../../core/crypto/secret-box.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { KEEP_ALIVE_IDLE_MS } from "./directory.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { loadSettings } from "../settings.ts";
import { loadRefreshCredential } from "../stores/credential-loader.ts";
import { directoryShardOf } from "../stores/directory.ts";
import { applyMigrations } from "./sql-schema.ts";
import type { AccountView, StatusReason } from "../../core/accounts/account.ts";
import type {
  AccessTokenResult,
  FailureKind,
  KeepAliveResult,
  StoredTokens,
  TokenSnapshot,
  TokenVault,
} from "../../core/accounts/token-broker.ts";
import type { KeyRing } from "../../core/crypto/key-ring.ts";
import type { Env } from "../env.ts";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE account (
     id TEXT PRIMARY KEY,
     credential_id TEXT NOT NULL,
     tenant_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     username TEXT NOT NULL,
     display_name TEXT,
     email TEXT,
     status TEXT NOT NULL,
     status_reason TEXT,
     access_token TEXT NOT NULL,
     access_token_expires_at INTEGER NOT NULL,
     refresh_token TEXT NOT NULL,
     refresh_token_used_at INTEGER NOT NULL,
     requested_scopes TEXT NOT NULL,
     granted_scopes TEXT NOT NULL,
     token_version INTEGER NOT NULL,
     last_refresh_at INTEGER,
     consecutive_failures INTEGER NOT NULL DEFAULT 0,
     last_failure TEXT,
     retry_not_before INTEGER,
     failed_credential_version TEXT,
     connected_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   )`,
];

interface AccountRow extends Record<string, SqlStorageValue> {
  id: string;
  credential_id: string;
  tenant_id: string;
  user_id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  status: string;
  status_reason: string | null;
  access_token: string;
  access_token_expires_at: number;
  refresh_token: string;
  refresh_token_used_at: number;
  requested_scopes: string;
  granted_scopes: string;
  token_version: number;
  last_refresh_at: number | null;
  consecutive_failures: number;
  last_failure: string | null;
  retry_not_before: number | null;
  failed_credential_version: string | null;
  connected_at: string;
  updated_at: string;
}

/** What the OAuth callback hands over once Microsoft has issued tokens for a user. */
export interface SignIn
  extends Pick<AccountView, "credentialId" | "tenantId" | "userId" | "username" | "displayName" | "email"> {
  accountId: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  requestedScopes: string[];
  grantedScopes: string[];
}

export interface TokenRequest {
  minValiditySeconds?: number;
  forceRefresh?: boolean;
}

export class AccountObject extends DurableObject<Env> {
  readonly #broker: TokenBroker;
  /** Opened tokens of the current version, so that a cached token costs no decryption. */
  #opened: { version: number; accessToken: string; refreshToken: string } | null = null;

  /** Whether this object has tables yet: only a sign-in creates them, so asking about an unknown id writes nothing. */
  #hasSchema: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#hasSchema =
      ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'account'").toArray().length >
      0;
    if (this.#hasSchema) {
      applyMigrations(ctx.storage.sql, MIGRATIONS);
    }
    const vault: TokenVault = {
      read: () => this.#read(),
      saveRefreshed: (tokens) => this.#saveRefreshed(tokens),
      markReauthRequired: (reason) => this.#markReauthRequired(reason),
      recordFailure: (failure) => this.#recordFailure(failure),
    };
    this.#broker = new TokenBroker({
      vault,
      loadCredential: async (credentialId) => loadRefreshCredential(env.CONFIG, await this.#keyRing(), credentialId),
      http: (request) => fetch(request),
      clock: SYSTEM_CLOCK,
      logger: CONSOLE_LOGGER,
      accountId: ctx.id.name ?? ctx.id.toString(),
    });
  }

  /**
   * Creates the account, or refreshes an existing one after a new sign-in (status back to connected).
   * A new account that cannot be listed in the directory is not kept: it would escape the checks that
   * keep its credential from being deleted.
   */
  async recordSignIn(input: SignIn): Promise<AccountView> {
    applyMigrations(this.ctx.storage.sql, MIGRATIONS);
    this.#hasSchema = true;
    const existed = this.#row() !== null;
    const keyRing = await this.#keyRing();
    const accessToken = await sealSecret(keyRing, input.accessToken, tokenContext(input.accountId, "accessToken"));
    const refreshToken = await sealSecret(keyRing, input.refreshToken, tokenContext(input.accountId, "refreshToken"));
    const now = Date.now();
    const iso = new Date(now).toISOString();
    this.ctx.storage.sql.exec(
      `INSERT INTO account (id, credential_id, tenant_id, user_id, username, display_name, email, status, status_reason,
         access_token, access_token_expires_at, refresh_token, refresh_token_used_at, requested_scopes, granted_scopes,
         token_version, last_refresh_at, consecutive_failures, last_failure, retry_not_before, failed_credential_version,
         connected_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'connected', NULL, ?, ?, ?, ?, ?, ?, 1, NULL, 0, NULL, NULL, NULL, ?, ?)
       ON CONFLICT (id) DO UPDATE SET username = excluded.username, display_name = excluded.display_name,
         email = excluded.email, status = 'connected', status_reason = NULL, access_token = excluded.access_token,
         access_token_expires_at = excluded.access_token_expires_at, refresh_token = excluded.refresh_token,
         refresh_token_used_at = excluded.refresh_token_used_at, requested_scopes = excluded.requested_scopes,
         granted_scopes = excluded.granted_scopes, token_version = account.token_version + 1,
         consecutive_failures = 0, last_failure = NULL, retry_not_before = NULL, failed_credential_version = NULL,
         updated_at = excluded.updated_at`,
      input.accountId,
      input.credentialId,
      input.tenantId,
      input.userId,
      input.username,
      input.displayName,
      input.email,
      accessToken,
      input.accessTokenExpiresAt,
      refreshToken,
      now,
      JSON.stringify(input.requestedScopes),
      JSON.stringify(input.grantedScopes),
      iso,
      iso,
    );
    this.#opened = null;
    try {
      return await this.#publish({ required: true });
    } catch (error) {
      if (!existed) {
        await this.#erase();
      }
      throw error;
    }
  }

  async getAccessToken(request: TokenRequest = {}): Promise<AccessTokenResult> {
    return this.#broker.getAccessToken({
      minValiditySeconds: request.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS,
      forceRefresh: request.forceRefresh ?? false,
    });
  }

  keepAlive(): Promise<KeepAliveResult> {
    return this.#broker.keepAlive({ idleMs: KEEP_ALIVE_IDLE_MS });
  }

  view(): AccountView | null {
    const row = this.#row();
    return row === null ? null : toView(row);
  }

  /** Forgets the account: directory entry first (so a failure leaves it visible and retryable), then every token. */
  async remove(): Promise<boolean> {
    const row = this.#row();
    if (row === null) {
      return false;
    }
    await directoryShardOf(this.env, row.id).removeAccount(row.id);
    await this.#erase();
    return true;
  }

  /** Re-seals the tokens under the first key of ENCRYPTION_KEYS; false when they already were. */
  async reencrypt(): Promise<boolean> {
    const row = this.#row();
    const keyRing = await this.#keyRing();
    if (
      row === null ||
      (sealedKeyId(row.access_token) === keyRing.primaryId && sealedKeyId(row.refresh_token) === keyRing.primaryId)
    ) {
      return false;
    }
    const opened = await this.#open(row);
    this.ctx.storage.sql.exec(
      "UPDATE account SET access_token = ?, refresh_token = ? WHERE id = ?",
      await sealSecret(keyRing, opened.accessToken, tokenContext(row.id, "accessToken")),
      await sealSecret(keyRing, opened.refreshToken, tokenContext(row.id, "refreshToken")),
      row.id,
    );
    return true;
  }

  // The TokenVault: private, so that no RPC caller can read a refresh token.

  async #read(): Promise<TokenSnapshot | null> {
    const row = this.#row();
    if (row === null) {
      return null;
    }
    const opened = await this.#open(row);
    const lastFailure = parseJson<StatusReason & { kind: FailureKind }>(row.last_failure);
    return {
      credentialId: row.credential_id,
      tokens: {
        accessToken: opened.accessToken,
        accessTokenExpiresAt: row.access_token_expires_at,
        refreshToken: opened.refreshToken,
        refreshTokenUsedAt: row.refresh_token_used_at,
        requestedScopes: JSON.parse(row.requested_scopes) as string[],
        grantedScopes: JSON.parse(row.granted_scopes) as string[],
        version: row.token_version,
      },
      health: {
        status: row.status === "reauth_required" ? "reauth_required" : "connected",
        statusReason: parseJson<StatusReason>(row.status_reason),
        consecutiveFailures: row.consecutive_failures,
        lastFailure,
        retryNotBefore: row.retry_not_before,
        failedCredentialVersion: row.failed_credential_version,
      },
    };
  }

  async #saveRefreshed(tokens: Omit<StoredTokens, "version">): Promise<StoredTokens> {
    const row = this.#requireRow();
    const keyRing = await this.#keyRing();
    const accessToken = await sealSecret(keyRing, tokens.accessToken, tokenContext(row.id, "accessToken"));
    const refreshToken = await sealSecret(keyRing, tokens.refreshToken, tokenContext(row.id, "refreshToken"));
    const version = this.#requireRow().token_version + 1;
    this.ctx.storage.sql.exec(
      `UPDATE account SET access_token = ?, access_token_expires_at = ?, refresh_token = ?, refresh_token_used_at = ?,
         granted_scopes = ?, token_version = ?, last_refresh_at = ?, consecutive_failures = 0, last_failure = NULL,
         retry_not_before = NULL, failed_credential_version = NULL, updated_at = ? WHERE id = ?`,
      accessToken,
      tokens.accessTokenExpiresAt,
      refreshToken,
      tokens.refreshTokenUsedAt,
      JSON.stringify(tokens.grantedScopes),
      version,
      tokens.refreshTokenUsedAt,
      new Date().toISOString(),
      row.id,
    );
    this.#opened = { version, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    await this.#publish({ required: false });
    return { ...tokens, version };
  }

  async #markReauthRequired(reason: StatusReason): Promise<void> {
    const row = this.#requireRow();
    this.ctx.storage.sql.exec(
      "UPDATE account SET status = 'reauth_required', status_reason = ?, updated_at = ? WHERE id = ?",
      JSON.stringify(reason),
      reason.at,
      row.id,
    );
    CONSOLE_LOGGER.warn("account.reauth_required", { accountId: row.id, code: reason.code });
    await this.#publish({ required: false });
  }

  async #recordFailure(failure: {
    reason: StatusReason;
    kind: FailureKind;
    retryNotBefore: number;
    credentialVersion: string | null;
  }): Promise<void> {
    const row = this.#requireRow();
    this.ctx.storage.sql.exec(
      `UPDATE account SET consecutive_failures = consecutive_failures + 1, last_failure = ?, retry_not_before = ?,
         failed_credential_version = ?, updated_at = ? WHERE id = ?`,
      JSON.stringify({ ...failure.reason, kind: failure.kind }),
      failure.retryNotBefore,
      failure.credentialVersion,
      failure.reason.at,
      row.id,
    );
    await this.#publish({ required: false });
  }

  #row(): AccountRow | null {
    return this.#hasSchema
      ? (this.ctx.storage.sql.exec<AccountRow>("SELECT * FROM account LIMIT 1").toArray()[0] ?? null)
      : null;
  }

  async #erase(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.#hasSchema = false;
    this.#opened = null;
  }

  #requireRow(): AccountRow {
    const row = this.#row();
    if (row === null) {
      throw new Error("account was removed during the operation");
    }
    return row;
  }

  async #open(row: AccountRow): Promise<{ accessToken: string; refreshToken: string }> {
    if (this.#opened?.version === row.token_version) {
      return this.#opened;
    }
    const keyRing = await this.#keyRing();
    const opened = {
      version: row.token_version,
      accessToken: await openSecret(keyRing, row.access_token, tokenContext(row.id, "accessToken")),
      refreshToken: await openSecret(keyRing, row.refresh_token, tokenContext(row.id, "refreshToken")),
    };
    this.#opened = opened;
    return opened;
  }

  /** Reports the account's current view to its directory shard; unless required, a failure only delays listings. */
  async #publish(options: { required: boolean }): Promise<AccountView> {
    const row = this.#requireRow();
    const view = toView(row);
    try {
      await directoryShardOf(this.env, row.id).upsertAccount(view, row.refresh_token_used_at);
    } catch (error) {
      if (options.required) {
        throw error;
      }
      CONSOLE_LOGGER.error("directory.publish_failed", {
        accountId: row.id,
        error: error instanceof Error ? error.message : "unknown",
      });
    }
    return view;
  }

  async #keyRing(): Promise<KeyRing> {
    return (await loadSettings(this.env)).keyRing;
  }
}

function toView(row: AccountRow): AccountView {
  const lastFailure = parseJson<StatusReason & { kind?: string }>(row.last_failure);
  return {
    id: row.id,
    credentialId: row.credential_id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    status: row.status === "reauth_required" ? "reauth_required" : "connected",
    statusReason: parseJson<StatusReason>(row.status_reason),
    scopes: JSON.parse(row.granted_scopes) as string[],
    accessTokenExpiresAt: new Date(row.access_token_expires_at).toISOString(),
    lastRefreshAt: row.last_refresh_at === null ? null : new Date(row.last_refresh_at).toISOString(),
    connectedAt: row.connected_at,
    updatedAt: row.updated_at,
    refreshTokenUsedAt: new Date(row.refresh_token_used_at).toISOString(),
    lastRefreshError:
      lastFailure === null ? null : { code: lastFailure.code, message: lastFailure.message, at: lastFailure.at },
  };
}

function tokenContext(accountId: string, field: "accessToken" | "refreshToken"): { record: string; field: string } {
  return { record: `account:${accountId}`, field };
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
