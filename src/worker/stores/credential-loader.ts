/**
 * A credential ready for a call to Microsoft: read from KV, the client secret opened for just that
 * call, with the endpoint rules in force now (the identity client re-checks the token endpoint against
 * them on every request).
 * @module
 */
import { clientSecretContext } from "../../core/credentials/credential.ts";
import { openSecret } from "../../core/crypto/secret-box.ts";
import { CredentialStore } from "./credential-store.ts";
import type { RefreshCredential } from "../../core/accounts/token-broker.ts";
import type { CredentialRecord } from "../../core/credentials/credential.ts";
import type { IdentityClientConfig } from "../../core/microsoft/identity-client.ts";
import type { Settings } from "../settings.ts";

type CredentialSettings = Pick<Settings, "keyRing" | "endpointPolicy">;

export async function loadRefreshCredential(
  kv: KVNamespace,
  settings: CredentialSettings,
  credentialId: string,
): Promise<RefreshCredential | null> {
  const record = await new CredentialStore(kv).get(credentialId);
  return record === null ? null : { config: await identityConfigOf(record, settings), version: record.updatedAt };
}

/** The identity client's view of a stored credential, its secret opened. */
export async function identityConfigOf(
  record: CredentialRecord,
  settings: CredentialSettings,
): Promise<IdentityClientConfig> {
  return {
    clientId: record.clientId,
    clientSecret: await openSecret(settings.keyRing, record.clientSecret, clientSecretContext(record.id)),
    authEndpoint: record.authEndpoint,
    tokenEndpoint: record.tokenEndpoint,
    endpointPolicy: settings.endpointPolicy,
  };
}
