/**
 * A credential ready for a call to Microsoft: read from KV, the client secret opened for just that call.
 * @module
 */
import { clientSecretContext } from "../../core/credentials/credential.ts";
import { openSecret } from "../../core/crypto/secret-box.ts";
import { CredentialStore } from "./credential-store.ts";
import type { RefreshCredential } from "../../core/accounts/token-broker.ts";
import type { KeyRing } from "../../core/crypto/key-ring.ts";

export async function loadRefreshCredential(kv: KVNamespace, keyRing: KeyRing, credentialId: string): Promise<RefreshCredential | null> {
  const record = await new CredentialStore(kv).get(credentialId);
  if (record === null) {
    return null;
  }
  return {
    config: {
      clientId: record.clientId,
      clientSecret: await openSecret(keyRing, record.clientSecret, clientSecretContext(record.id)),
      authEndpoint: record.authEndpoint,
      tokenEndpoint: record.tokenEndpoint,
    },
    version: record.updatedAt,
  };
}
