/**
 * Jira issue keys mentioned in a subject, such as `[ABC-123]` or `ABC-123:`.
 * @module
 */

/** `[A-Z][A-Z0-9_]+-[0-9]+`, not glued to a preceding letter, digit or underscore. */
const ISSUE_KEY = /(?<![A-Za-z0-9_])[A-Z][A-Z0-9_]+-[0-9]+/g;

/** The distinct keys in order of first mention. */
export function issueKeysIn(subject: string): string[] {
  return [...new Set(subject.match(ISSUE_KEY) ?? [])];
}
