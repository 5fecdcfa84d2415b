/**
 * The marker edgepost puts on mail it sends, so that a handler reading a mailbox that receives it (a
 * reply-all loop, a copy to the support inbox) does not post it to Jira again. The value carries an
 * HMAC over the sender and the subject that only this deployment can make (its key is derived from
 * `ENCRYPTION_KEYS`), so another sender who copies the header, or writes one, is not taken for
 * edgepost: `1.<minutes since epoch>.<base64url HMAC-SHA256, 16 bytes>`.
 * @module
 */
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { headerValue } from "./message.ts";
import type { MarkerKeys } from "../crypto/key-ring.ts";
import type { MailMessage } from "./message.ts";

export const SENT_MARKER_HEADER = "X-Edgepost-Sent";

const MARKER_VERSION = "1";
const MAC_BYTES = 16;

export interface MarkedMail {
  /** The address the mail is sent from: the shared mailbox, or the account's own. */
  from: string;
  subject: string;
}

/** The marker for mail about to be sent. */
export async function sentMarker(keys: MarkerKeys, mail: MarkedMail, options: { now: number }): Promise<string> {
  const minutes = String(Math.floor(options.now / 60_000));
  const mac = await sign(keys.signing, minutes, mail);
  return `${MARKER_VERSION}.${minutes}.${encodeBase64urlNoPadding(mac)}`;
}

/** Whether the message carries a marker this deployment made for its sender and subject. */
export async function hasOwnMarker(
  keys: MarkerKeys,
  message: Pick<MailMessage, "headers" | "from" | "subject">,
): Promise<boolean> {
  const [version, minutes, mac, extra] = (headerValue(message, SENT_MARKER_HEADER) ?? "").split(".");
  if (
    version !== MARKER_VERSION ||
    minutes === undefined ||
    !/^\d+$/.test(minutes) ||
    mac === undefined ||
    extra !== undefined
  ) {
    return false;
  }
  let given: Uint8Array;
  try {
    given = decodeBase64urlIgnorePadding(mac);
  } catch {
    return false;
  }
  const mail = { from: message.from?.address ?? "", subject: message.subject };
  for (const key of keys.verifying) {
    const expected = await sign(key, minutes, mail);
    if (sameBytes(given, expected)) {
      return true;
    }
  }
  return false;
}

/** Compares without stopping at the first difference. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  }
  return difference === 0;
}

async function sign(key: CryptoKey, minutes: string, mail: MarkedMail): Promise<Uint8Array> {
  const text = `edgepost-sent\n${MARKER_VERSION}\n${minutes}\n${mail.from.toLowerCase()}\n${mail.subject}`;
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text));
  return new Uint8Array(mac).slice(0, MAC_BYTES);
}
