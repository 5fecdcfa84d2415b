/**
 * OAuth scopes of a credential.
 * @module
 */

/**
 * What the seed's app registration grants: a refresh token, sign-in with the user's object id and
 * sign-in name (Microsoft puts `oid`, `name` and `preferred_username` in the id_token only with
 * `profile`: docs/microsoft.md, "Profile claims need profile"), and mail in own and shared mailboxes.
 */
export const DEFAULT_SCOPES: readonly string[] = [
  "offline_access",
  "openid",
  "profile",
  "User.Read",
  "Mail.ReadWrite",
  "Mail.ReadWrite.Shared",
  "Mail.Send",
  "Mail.Send.Shared",
];

export const REQUIRED_SCOPE = "offline_access";

/** The tenant segment of endpoints that sign in personal Microsoft accounts only. */
const CONSUMERS_TENANT = "consumers";

/** `Mail.ReadWrite.Shared`, `Mail.Send.Shared`…: valid for work or school accounts only. */
export function isSharedMailboxScope(scope: string): boolean {
  return /\.shared$/i.test(scope);
}

/** Whether endpoints with this tenant segment sign in personal Microsoft accounts only. */
export function isConsumersTenant(tenant: string): boolean {
  return tenant.toLowerCase() === CONSUMERS_TENANT;
}

/** The default scopes for endpoints with this tenant segment: no `*.Shared` for personal accounts. */
export function defaultScopesFor(tenant: string): string[] {
  return isConsumersTenant(tenant)
    ? DEFAULT_SCOPES.filter((scope) => !isSharedMailboxScope(scope))
    : [...DEFAULT_SCOPES];
}

/** Splits a space-separated list or flattens a list of lists, dropping duplicates (scopes are case-insensitive). */
export function normalizeScopes(input: string | readonly string[]): string[] {
  const parts = (typeof input === "string" ? [input] : input).flatMap((entry) => entry.split(/\s+/));
  const seen = new Set<string>();
  const scopes: string[] = [];
  for (const scope of parts) {
    const key = scope.toLowerCase();
    if (scope !== "" && !seen.has(key)) {
      seen.add(key);
      scopes.push(scope);
    }
  }
  return scopes;
}

export function hasScope(scopes: readonly string[], scope: string): boolean {
  return scopes.some((candidate) => candidate.toLowerCase() === scope.toLowerCase());
}
