/**
 * The directory: which accounts exist, through which credential, in strongly consistent storage, so
 * that a credential cannot be deleted while an account uses it. Sharded by id (see `stores/directory.ts`).
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { applyMigrations } from "./sql-schema.ts";
import type { Env } from "../env.ts";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     credential_id TEXT NOT NULL,
     summary TEXT NOT NULL,
     updated_at TEXT NOT NULL
   )`,
  "CREATE INDEX accounts_by_credential ON accounts (credential_id)",
];

export class Directory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applyMigrations(ctx.storage.sql, MIGRATIONS);
  }

  countAccountsByCredential(credentialId: string): number {
    return this.ctx.storage.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM accounts WHERE credential_id = ?", credentialId)
      .one().n;
  }
}
