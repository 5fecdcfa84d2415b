/**
 * Jira issue keys mentioned in a subject, such as `[ABC-123]` or `ABC-123:`.
 * @module
 */

/** `[A-Z][A-Z0-9_]+-[0-9]+`, not glued to a preceding letter, digit or underscore. */
const ISSUE_KEY = /(?<![A-Za-z0-9_])[A-Z][A-Z0-9_]+-[0-9]+/g;
/**
 * No real subject names more; a crafted one with thousands of keys would make every Jira rule that
 * loops over `issues` do that much work.
 */
export const ISSUE_KEYS_MAX = 50;

/** The distinct keys in order of first mention, at most `ISSUE_KEYS_MAX`. */
export function issueKeysIn(subject: string): string[] {
  return [...new Set(subject.match(ISSUE_KEY) ?? [])].slice(0, ISSUE_KEYS_MAX);
}
