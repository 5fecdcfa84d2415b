/**
 * A credential ready for a call to Microsoft: read from KV, the client secret opened for just that call.
 * @module
 */
import { clientSecretContext } from "../../core/credentials/credential.ts";
import { openSecret } from "../../core/crypto/secret-box.ts";
import { CredentialStore } from "./credential-store.ts";
import type { RefreshCredential } from "../../core/accounts/token-broker.ts";
import type { CredentialRecord } from "../../core/credentials/credential.ts";
import type { IdentityClientConfig } from "../../core/microsoft/identity-client.ts";
import type { KeyRing } from "../../core/crypto/key-ring.ts";

export async function loadRefreshCredential(
  kv: KVNamespace,
  keyRing: KeyRing,
  credentialId: string,
): Promise<RefreshCredential | null> {
  const record = await new CredentialStore(kv).get(credentialId);
  return record === null ? null : { config: await identityConfigOf(record, keyRing), version: record.updatedAt };
}

/** The identity client's view of a stored credential, its secret opened. */
export async function identityConfigOf(record: CredentialRecord, keyRing: KeyRing): Promise<IdentityClientConfig> {
  return {
    clientId: record.clientId,
    clientSecret: await openSecret(keyRing, record.clientSecret, clientSecretContext(record.id)),
    authEndpoint: record.authEndpoint,
    tokenEndpoint: record.tokenEndpoint,
  };
}
