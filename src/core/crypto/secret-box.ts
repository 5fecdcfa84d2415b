/**
 * Authenticated encryption of secrets at rest: AES-256-GCM with a fresh 96-bit IV per encryption, the
 * id of the key stored with the ciphertext, and the owning record and field bound as additional data
 * so that a ciphertext copied onto another record or field does not decrypt.
 *
 * Sealed form: `v1.<keyId>.<iv>.<ciphertext>`, both binary parts base64url without padding.
 * @module
 */
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { randomBytes } from "./random.ts";
import type { KeyRing } from "./key-ring.ts";

/** What a secret belongs to: e.g. `{ record: "credential:cred_x", field: "clientSecret" }`. */
export interface SecretContext {
  record: string;
  field: string;
}

/** A stored secret could not be decrypted: unknown key id, wrong record, or tampered bytes. */
export class DecryptionError extends Error {
  override readonly name = "DecryptionError";
}

const FORMAT_VERSION = "v1";
const GCM_IV_BYTES = 12;

export async function sealSecret(ring: KeyRing, plaintext: string, context: SecretContext): Promise<string> {
  const key = ring.keys.get(ring.primaryId);
  if (key === undefined) {
    throw new DecryptionError(`primary key "${ring.primaryId}" is missing from the key ring`);
  }
  const iv = randomBytes(GCM_IV_BYTES);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: associatedData(context) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return [
    FORMAT_VERSION,
    ring.primaryId,
    encodeBase64urlNoPadding(iv),
    encodeBase64urlNoPadding(new Uint8Array(ciphertext)),
  ].join(".");
}

export async function openSecret(ring: KeyRing, sealed: string, context: SecretContext): Promise<string> {
  const parts = sealed.split(".");
  const [version, keyId, ivText, ciphertextText] = parts;
  if (
    parts.length !== 4 ||
    version !== FORMAT_VERSION ||
    keyId === undefined ||
    ivText === undefined ||
    ciphertextText === undefined
  ) {
    throw new DecryptionError(`${context.field} of ${context.record} is not a sealed secret`);
  }
  const key = ring.keys.get(keyId);
  if (key === undefined) {
    throw new DecryptionError(
      `${context.field} of ${context.record} was encrypted with key "${keyId}", which is not in ENCRYPTION_KEYS`,
    );
  }
  try {
    const plaintext = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: new Uint8Array(decodeBase64urlIgnorePadding(ivText)),
        additionalData: associatedData(context),
      },
      key,
      new Uint8Array(decodeBase64urlIgnorePadding(ciphertextText)),
    );
    return new TextDecoder().decode(plaintext);
  } catch (error) {
    throw new DecryptionError(`${context.field} of ${context.record} failed authentication (tampered or moved)`, {
      cause: error,
    });
  }
}

/** The id of the key a sealed secret was encrypted with, to find what rotation must re-encrypt. */
export function sealedKeyId(sealed: string): string | undefined {
  return sealed.split(".")[1];
}

function associatedData(context: SecretContext): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(new TextEncoder().encode(`edgepost/${FORMAT_VERSION}/${context.record}/${context.field}`));
}
