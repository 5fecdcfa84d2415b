/**
 * Routing to the directory shards. Rows live in the shard of their own id; questions about all rows
 * ask every shard at once.
 * @module
 */
import type { AccountView } from "../../core/accounts/account.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { Env } from "../env.ts";
import type { Directory } from "../objects/directory-object.ts";

/**
 * Enough that 10,000 handlers reporting once a minute stay far below one object's throughput (about
 * 10 writes a second per shard), and that one cron tick can dispatch them all (see `DISPATCH_PER_TICK`).
 */
export const DIRECTORY_SHARDS = 32;

export function directoryShardOf(env: Env, id: string): DurableObjectStub<Directory> {
  return env.DIRECTORY.getByName(`shard-${shardIndex(id)}`);
}

export function allDirectoryShards(env: Env): DurableObjectStub<Directory>[] {
  return Array.from({ length: DIRECTORY_SHARDS }, (_, index) => env.DIRECTORY.getByName(`shard-${index}`));
}

export async function countAccountsByCredential(env: Env, credentialId: string): Promise<number> {
  const counts = await Promise.all(
    allDirectoryShards(env).map((shard) => shard.countAccountsByCredential(credentialId)),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** FNV-1a: stable across deployments and runtimes, unlike anything keyed on object identity. */
function shardIndex(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % DIRECTORY_SHARDS;
}

export async function countHandlersByAccount(env: Env, accountId: string): Promise<number> {
  const counts = await Promise.all(allDirectoryShards(env).map((shard) => shard.countHandlersByAccount(accountId)));
  return counts.reduce((sum, count) => sum + count, 0);
}

export async function listAccounts(env: Env): Promise<AccountView[]> {
  const shards = await Promise.all(allDirectoryShards(env).map((shard) => shard.listAccounts()));
  return shards.flat().sort((a, b) => a.connectedAt.localeCompare(b.connectedAt) || a.id.localeCompare(b.id));
}

export async function listHandlers(env: Env): Promise<HandlerView[]> {
  const shards = await Promise.all(allDirectoryShards(env).map((shard) => shard.listHandlers()));
  return shards.flat().sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Runs every enabled handler of the account now (they live in their own shards). */
export async function wakeHandlersOfAccount(env: Env, accountId: string): Promise<void> {
  await Promise.all(allDirectoryShards(env).map((shard) => shard.wakeHandlersOf(accountId)));
}
