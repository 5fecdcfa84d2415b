/**
 * A connected mailbox: who signed in through which credential, and whether its grant still works.
 * @module
 */
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
