/**
 * Pending authorizations, single-use and short-lived, in the directory shards (strongly consistent,
 * unlike KV). Rows are keyed by a hash of the state; the PKCE verifier inside is sealed.
 * @module
 */
import { stateKey } from "../../core/accounts/authorization.ts";
import { openSecret, sealSecret } from "../../core/crypto/secret-box.ts";
import { directoryShardOf } from "./directory-shards.ts";
import type { PendingAuthorization } from "../../core/accounts/authorization.ts";
import type { KeyRing } from "../../core/crypto/key-ring.ts";
import type { Env } from "../env.ts";

export type PendingLookup =
  | { found: true; pending: PendingAuthorization }
  | { found: false; why: "unknown" | "expired" | "used" };

export async function savePendingAuthorization(
  env: Env,
  keyRing: KeyRing,
  state: string,
  pending: PendingAuthorization,
): Promise<void> {
  const key = await stateKey(state);
  const sealed = { ...pending, codeVerifier: await sealSecret(keyRing, pending.codeVerifier, verifierContext(key)) };
  await directoryShardOf(env, key).putAuthorization(key, JSON.stringify(sealed), pending.expiresAt);
}

/** Takes the authorization for `state` (at the shard's time); a second take of the same state finds it used. */
export async function takePendingAuthorization(env: Env, keyRing: KeyRing, state: string): Promise<PendingLookup> {
  const key = await stateKey(state);
  const lookup = await directoryShardOf(env, key).takeAuthorization(key);
  if (!lookup.found) {
    return lookup;
  }
  const sealed = JSON.parse(lookup.record) as PendingAuthorization;
  return {
    found: true,
    pending: { ...sealed, codeVerifier: await openSecret(keyRing, sealed.codeVerifier, verifierContext(key)) },
  };
}

function verifierContext(key: string): { record: string; field: string } {
  return { record: `authorization:${key}`, field: "codeVerifier" };
}
