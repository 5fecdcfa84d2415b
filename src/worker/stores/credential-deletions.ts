/**
 * Deleting a credential without racing a sign-in through it. The credential's directory shard marks
 * it deleted before the accounts using it are counted; a sign-in checks the mark before redeeming its
 * code and again after storing its account (undoing it when the mark is there). Whichever order the
 * two take, either the delete counts the new account (409) or the sign-in sees the mark and stores
 * nothing, and pending sign-ins started before the delete find the mark too.
 * @module
 */
import { CredentialStore } from "./credential-store.ts";
import { countAccountsByCredential, directoryShardOf } from "./directory-shards.ts";
import type { Env } from "../env.ts";

export type CredentialDeletion = { deleted: true } | { deleted: false; accounts: number };

export async function deleteCredentialUnlessUsed(env: Env, credentialId: string): Promise<CredentialDeletion> {
  const shard = directoryShardOf(env, credentialId);
  await shard.markCredentialDeleted(credentialId);
  const accounts = await countAccountsByCredential(env, credentialId);
  if (accounts > 0) {
    await shard.unmarkCredentialDeleted(credentialId);
    return { deleted: false, accounts };
  }
  await new CredentialStore(env.CONFIG).delete(credentialId);
  return { deleted: true };
}

export function isCredentialDeleted(env: Env, credentialId: string): Promise<boolean> {
  return directoryShardOf(env, credentialId).isCredentialDeleted(credentialId);
}
