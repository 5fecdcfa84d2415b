/**
 * OAuth scopes of a credential.
 * @module
 */

/** What the seed's app registration grants: a refresh token, sign-in, and mail in own and shared mailboxes. */
export const DEFAULT_SCOPES: readonly string[] = [
  "offline_access",
  "openid",
  "User.Read",
  "Mail.ReadWrite",
  "Mail.ReadWrite.Shared",
  "Mail.Send",
  "Mail.Send.Shared",
];

export const REQUIRED_SCOPE = "offline_access";

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
