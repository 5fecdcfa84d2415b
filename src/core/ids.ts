/**
 * The ids of edgepost's records: a readable prefix, an underscore and lower-case base32. Random ids
 * carry 80 bits; an account's id is derived from who signed in, so the same user connecting again
 * lands on the same account. A value that does not match its kind's pattern names no record, so a
 * route can answer 404 without looking anything up.
 * @module
 */
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { randomBytes } from "./crypto/random.ts";

const ID_FORMATS = {
  credential: { prefix: "cred", chars: 16 },
  account: { prefix: "acct", chars: 20 },
  handler: { prefix: "hdl", chars: 16 },
  apiKey: { prefix: "key", chars: 16 },
} as const;

export type RecordKind = keyof typeof ID_FORMATS;

/** 80 bits: 10 random bytes are 16 base32 characters. */
const RANDOM_ID_BYTES = 10;

/** A new random id, such as `cred_5l3kq9…`. Accounts get theirs from `accountIdFor`. */
export function newId(kind: Exclude<RecordKind, "account">): string {
  return `${ID_FORMATS[kind].prefix}_${encodeBase32LowerCaseNoPadding(randomBytes(RANDOM_ID_BYTES))}`;
}

/** Whether `value` has the form of an id of this kind. */
export function isId(kind: RecordKind, value: string): boolean {
  const { prefix, chars } = ID_FORMATS[kind];
  return (
    value.length === prefix.length + 1 + chars &&
    value.startsWith(`${prefix}_`) &&
    /^[a-z2-7]+$/.test(value.slice(prefix.length + 1))
  );
}

/**
 * Graph's item ids (messages, folders) are base64 text, about 150 characters; a value of other
 * characters or far longer names no item, so a route can answer 404 without asking Graph or storage.
 */
const GRAPH_ITEM_ID = /^[A-Za-z0-9+/=_-]{1,512}$/;

export function isGraphItemId(value: string): boolean {
  return GRAPH_ITEM_ID.test(value);
}

/**
 * The account id for a user signed in through a credential: a hash of the three, so the same user
 * connecting again (or twice at once) always lands on the same account.
 */
export async function accountIdFor(identity: {
  credentialId: string;
  tenantId: string;
  userId: string;
}): Promise<string> {
  const key = `${identity.credentialId}\n${identity.tenantId.toLowerCase()}\n${identity.userId.toLowerCase()}`;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  const { prefix, chars } = ID_FORMATS.account;
  return `${prefix}_${encodeBase32LowerCaseNoPadding(new Uint8Array(digest)).slice(0, chars)}`;
}
