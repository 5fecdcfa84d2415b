/**
 * When a credential's client secret expires, as the administrator copies it from Azure's "Certificates &
 * secrets" (`Expires`, a date such as `2027-05-30`) or as a full ISO 8601 date-time from the Graph
 * application resource's `passwordCredentials[].endDateTime`. A date alone is read as the start of that
 * day in UTC: the earlier reading, so a warning never comes late.
 * @module
 */

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A date-time with its offset (`Z` or `±hh:mm`): without one the moment would depend on a time zone. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export const SECRET_EXPIRY_FORMAT_HINT =
  "must be a date such as 2027-05-30 (the secret's Expires in Azure) or an ISO 8601 date-time with its offset";

/** The moment (epoch ms) a stored or entered expiry stands for, or null when it is not one. */
export function secretExpiryMs(value: string): number | null {
  const date = DATE_ONLY.exec(value);
  if (date !== null) {
    const [, year, month, day] = date.map(Number);
    const ms = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1);
    // Date.UTC rolls 2027-02-30 over to March: only a real calendar date round-trips.
    return new Date(ms).toISOString().startsWith(value) ? ms : null;
  }
  if (!DATE_TIME.test(value)) {
    return null;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** The expiry as stored: a date stays a date, a date-time becomes UTC (`…Z`). */
export function normalizeSecretExpiry(value: string): string {
  return DATE_ONLY.test(value) ? value : new Date(secretExpiryMs(value) ?? Number.NaN).toISOString();
}

/** The day of an expiry as `YYYY-MM-DD`, as Azure shows it. */
export function expiryDay(value: string): string {
  return value.slice(0, 10);
}
