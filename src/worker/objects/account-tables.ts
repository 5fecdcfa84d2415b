/**
 * The table of one account object: who signed in, the tokens (sealed with the key ring, bound to this
 * account and field), the refresh health. It implements the core's `TokenVault`; the object keeps it
 * private, so no RPC caller can reach a refresh token.
 * @module
 */
import { openSecret, sealedKeyId, sealSecret } from "../../core/crypto/secret-box.ts";
import { Database, sql } from "./sql.ts";
import type { AccountView, StatusReason } from "../../core/accounts/account.ts";
import type { FailureKind, StoredTokens, TokenSnapshot, TokenVault } from "../../core/accounts/token-broker.ts";
import type { KeyRing } from "../../core/crypto/key-ring.ts";
import type { Clock } from "../../core/ports.ts";
import type { Migration } from "./sql.ts";

const MIGRATIONS: readonly Migration[] = [
  {
    description: "the account: identity, sealed tokens, status and refresh health",
    statement: `CREATE TABLE account (
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
  },
  {
    description: "when forced refreshes reached Microsoft, to cap them per minute",
    statement: "CREATE TABLE forced_refreshes (at INTEGER NOT NULL)",
  },
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

type TokenField = "accessToken" | "refreshToken";

export class AccountTables implements TokenVault {
  readonly #db: Database;
  readonly #keyRing: () => Promise<KeyRing>;
  readonly #clock: () => Clock;
  /** Whether this object has its table: only a sign-in creates it, so asking about an unknown id writes nothing. */
  #hasSchema: boolean;
  /** Opened tokens of the current version, so that a cached token costs no decryption. */
  #opened: { version: number; accessToken: string; refreshToken: string } | null = null;

  constructor(storage: SqlStorage, options: { keyRing: () => Promise<KeyRing>; clock: () => Clock }) {
    this.#db = new Database(storage);
    this.#keyRing = options.keyRing;
    this.#clock = options.clock;
    this.#hasSchema = this.#db.hasTable("account");
    if (this.#hasSchema) {
      this.#db.migrate(MIGRATIONS);
    }
  }

  exists(): boolean {
    return this.#row() !== null;
  }

  /** The account as the API shows it, or null when there is none. */
  view(): AccountView | null {
    const row = this.#row();
    return row === null ? null : toView(row);
  }

  /** Whether the last refresh failure (not yet cleared by a good refresh) was a refused credential. */
  credentialRefused(): boolean {
    const row = this.#row();
    return row !== null && parseJson<{ kind: FailureKind }>(row.last_failure)?.kind === "credential";
  }

  /** When the refresh token was last used, for the directory's keep-alive. */
  refreshTokenUsedAt(): number {
    return this.#requireRow().refresh_token_used_at;
  }

  /** Creates the account, or takes a new sign-in of the same user (status back to connected). */
  async recordSignIn(input: SignIn): Promise<void> {
    this.#db.migrate(MIGRATIONS);
    this.#hasSchema = true;
    const accessToken = await this.#seal(input.accountId, "accessToken", input.accessToken);
    const refreshToken = await this.#seal(input.accountId, "refreshToken", input.refreshToken);
    const now = this.#clock().now();
    const iso = new Date(now).toISOString();
    this.#db.run(sql`INSERT INTO account (id, credential_id, tenant_id, user_id, username, display_name, email, status,
        status_reason, access_token, access_token_expires_at, refresh_token, refresh_token_used_at, requested_scopes,
        granted_scopes, token_version, last_refresh_at, consecutive_failures, last_failure, retry_not_before,
        failed_credential_version, connected_at, updated_at)
      VALUES (${input.accountId}, ${input.credentialId}, ${input.tenantId}, ${input.userId}, ${input.username},
        ${input.displayName}, ${input.email}, 'connected', NULL, ${accessToken}, ${input.accessTokenExpiresAt},
        ${refreshToken}, ${now}, ${JSON.stringify(input.requestedScopes)}, ${JSON.stringify(input.grantedScopes)}, 1, NULL,
        0, NULL, NULL, NULL, ${iso}, ${iso})
      ON CONFLICT (id) DO UPDATE SET username = excluded.username, display_name = excluded.display_name,
        email = excluded.email, status = 'connected', status_reason = NULL, access_token = excluded.access_token,
        access_token_expires_at = excluded.access_token_expires_at, refresh_token = excluded.refresh_token,
        refresh_token_used_at = excluded.refresh_token_used_at, requested_scopes = excluded.requested_scopes,
        granted_scopes = excluded.granted_scopes, token_version = account.token_version + 1,
        consecutive_failures = 0, last_failure = NULL, retry_not_before = NULL, failed_credential_version = NULL,
        updated_at = excluded.updated_at`);
    this.#opened = null;
  }

  /** Re-seals the tokens under the key ring's first key; false when they already were. */
  async reseal(): Promise<boolean> {
    const row = this.#row();
    const keyRing = await this.#keyRing();
    if (
      row === null ||
      (sealedKeyId(row.access_token) === keyRing.primaryId && sealedKeyId(row.refresh_token) === keyRing.primaryId)
    ) {
      return false;
    }
    const opened = await this.#open(row);
    const accessToken = await this.#seal(row.id, "accessToken", opened.accessToken);
    const refreshToken = await this.#seal(row.id, "refreshToken", opened.refreshToken);
    this.#db.run(sql`UPDATE account SET access_token = ${accessToken}, refresh_token = ${refreshToken}`);
    return true;
  }

  /** Forgets that the object has its table; the object deletes its storage. */
  forget(): void {
    this.#hasSchema = false;
    this.#opened = null;
  }

  // The TokenVault

  async read(): Promise<TokenSnapshot | null> {
    const row = this.#row();
    if (row === null) {
      return null;
    }
    const opened = await this.#open(row);
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
        lastFailure: parseJson<StatusReason & { kind: FailureKind }>(row.last_failure),
        retryNotBefore: row.retry_not_before,
        failedCredentialVersion: row.failed_credential_version,
      },
    };
  }

  async saveRefreshed(tokens: Omit<StoredTokens, "version">): Promise<StoredTokens> {
    const row = this.#requireRow();
    const accessToken = await this.#seal(row.id, "accessToken", tokens.accessToken);
    const refreshToken = await this.#seal(row.id, "refreshToken", tokens.refreshToken);
    const version = this.#requireRow().token_version + 1;
    this.#db.run(sql`UPDATE account SET access_token = ${accessToken}, access_token_expires_at = ${tokens.accessTokenExpiresAt},
      refresh_token = ${refreshToken}, refresh_token_used_at = ${tokens.refreshTokenUsedAt},
      granted_scopes = ${JSON.stringify(tokens.grantedScopes)}, token_version = ${version},
      last_refresh_at = ${tokens.refreshTokenUsedAt}, consecutive_failures = 0, last_failure = NULL,
      retry_not_before = NULL, failed_credential_version = NULL,
      updated_at = ${new Date(this.#clock().now()).toISOString()}`);
    this.#opened = { version, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    return { ...tokens, version };
  }

  async takeForcedRefresh(
    now: number,
    budget: { limit: number; windowMs: number },
  ): Promise<{ waitMs: number } | null> {
    this.#db.run(sql`DELETE FROM forced_refreshes WHERE at <= ${now - budget.windowMs}`);
    const recent = this.#db.first<{ n: number; oldest: number | null }>(
      sql`SELECT count(*) AS n, min(at) AS oldest FROM forced_refreshes`,
    );
    if (recent !== null && recent.n >= budget.limit && recent.oldest !== null) {
      return { waitMs: recent.oldest + budget.windowMs - now };
    }
    this.#db.run(sql`INSERT INTO forced_refreshes (at) VALUES (${now})`);
    return null;
  }

  async markReauthRequired(reason: StatusReason): Promise<void> {
    this.#requireRow();
    this.#db.run(sql`UPDATE account SET status = 'reauth_required', status_reason = ${JSON.stringify(reason)},
      updated_at = ${reason.at}`);
  }

  async recordFailure(failure: {
    reason: StatusReason;
    kind: FailureKind;
    retryNotBefore: number;
    credentialVersion: string | null;
  }): Promise<void> {
    this.#requireRow();
    this.#db.run(sql`UPDATE account SET consecutive_failures = consecutive_failures + 1,
      last_failure = ${JSON.stringify({ ...failure.reason, kind: failure.kind })},
      retry_not_before = ${failure.retryNotBefore}, failed_credential_version = ${failure.credentialVersion},
      updated_at = ${failure.reason.at}`);
  }

  #row(): AccountRow | null {
    return this.#hasSchema ? this.#db.first<AccountRow>(sql`SELECT * FROM account LIMIT 1`) : null;
  }

  #requireRow(): AccountRow {
    const row = this.#row();
    if (row === null) {
      throw new Error("account was removed during the operation");
    }
    return row;
  }

  async #seal(accountId: string, field: TokenField, value: string): Promise<string> {
    return sealSecret(await this.#keyRing(), value, tokenContext(accountId, field));
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
}

function toView(row: AccountRow): AccountView {
  const lastFailure = parseJson<StatusReason>(row.last_failure);
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

function tokenContext(accountId: string, field: TokenField): { record: string; field: string } {
  return { record: `account:${accountId}`, field };
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
