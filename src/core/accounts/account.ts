/**
 * A connected mailbox: who signed in through which credential, and whether its grant still works.
 * @module
 */
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";

export type AccountStatus = "connected" | "reauth_required";

/** Why an account needs attention; `code` is Microsoft's (`AADSTS50173`). */
export interface StatusReason {
  code: string;
  message: string;
  at: string;
}

export interface AccountView {
  id: string;
  credentialId: string;
  tenantId: string;
  userId: string;
  username: string;
  displayName: string | null;
  email: string | null;
  status: AccountStatus;
  statusReason: StatusReason | null;
  scopes: string[];
  accessTokenExpiresAt: string | null;
  lastRefreshAt: string | null;
  connectedAt: string;
  updatedAt: string;
  /** When the refresh token was last used or issued: Microsoft expires it after 90 days without use. */
  refreshTokenUsedAt: string | null;
  /** The last refresh failure that did not need re-authorization (outage, refused secret), if unresolved. */
  lastRefreshError: StatusReason | null;
}

const ACCOUNT_ID_CHARS = 20;

/** What `accountIdFor` produces; anything else names no account. */
export const ACCOUNT_ID_PATTERN = /^acct_[a-z2-7]{20}$/;

/**
 * The account id for a user signed in through a credential: derived, so the same user connecting
 * again (or twice at once) always lands on the same account.
 */
export async function accountIdFor(identity: {
  credentialId: string;
  tenantId: string;
  userId: string;
}): Promise<string> {
  const key = `${identity.credentialId}\n${identity.tenantId.toLowerCase()}\n${identity.userId.toLowerCase()}`;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return `acct_${encodeBase32LowerCaseNoPadding(new Uint8Array(digest)).slice(0, ACCOUNT_ID_CHARS)}`;
}
