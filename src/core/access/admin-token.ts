/**
 * How strong `ADMIN_TOKEN` must be. It opens everything, and the API answers wrong guesses only with
 * 401 (and 429 after about 20 a minute per client), so it must be a random value, not a word a person
 * chose: long, of many distinct characters, without dictionary words, runs or sequences. A random
 * value such as `openssl rand -base64 32` always passes; the message says what is wrong, never the value.
 * @module
 */

/** 32 characters of base64 carry 192 bits; of hex, 128. */
export const ADMIN_TOKEN_MIN_LENGTH = 32;
/**
 * Random 32-character tokens have far more (even of hex, fewer than 8 happens less than once in a
 * million); a phrase or a keyboard walk has fewer.
 */
const MIN_DISTINCT_CHARACTERS = 8;
/** Runs (`aaaaaaaa`) and sequences (`12345678`, `hgfedcba`) this long: random tokens almost never have one. */
const PATTERN_LENGTH = 8;
/**
 * Words people use for tokens. Six letters and more, so a random token contains one only by a chance
 * below one in a million.
 */
const WEAK_WORDS = [
  "password",
  "passwd",
  "secret",
  "changeme",
  "letmein",
  "qwerty",
  "azerty",
  "qwertz",
  "example",
  "edgepost",
  "default",
  "welcome",
  "admin-token",
  "admintoken",
  "iloveyou",
];

/** What makes `value` a weak token, as a phrase after "ADMIN_TOKEN "; null when it is strong enough. */
export function adminTokenWeakness(value: string): string | null {
  if (/\s/.test(value)) {
    return "must not contain spaces";
  }
  if (value.length < ADMIN_TOKEN_MIN_LENGTH) {
    return `is too short: it needs at least ${ADMIN_TOKEN_MIN_LENGTH} characters`;
  }
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) {
    return `has too few distinct characters (fewer than ${MIN_DISTINCT_CHARACTERS})`;
  }
  const lower = value.toLowerCase();
  if (WEAK_WORDS.some((word) => lower.includes(word))) {
    return "contains a common word";
  }
  if (hasPattern(value)) {
    return `contains a run or a sequence of ${PATTERN_LENGTH} or more characters (like aaaaaaaa or 12345678)`;
  }
  return null;
}

function hasPattern(value: string): boolean {
  let same = 1;
  let up = 1;
  let down = 1;
  for (let index = 1; index < value.length; index++) {
    const step = value.charCodeAt(index) - value.charCodeAt(index - 1);
    same = step === 0 ? same + 1 : 1;
    up = step === 1 ? up + 1 : 1;
    down = step === -1 ? down + 1 : 1;
    if (Math.max(same, up, down) >= PATTERN_LENGTH) {
      return true;
    }
  }
  return false;
}
