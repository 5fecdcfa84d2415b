/**
 * Credentials in KV under `credential:{id}`: configuration that every token refresh reads and an
 * administrator rarely writes. The client secret inside is sealed before it gets here.
 * @module
 */
import { credentialRecordSchema } from "../../core/credentials/credential.ts";
import type { CredentialRecord } from "../../core/credentials/credential.ts";

const CREDENTIAL_PREFIX = "credential:";
const LIST_PAGE_SIZE = 1000;

export class CredentialStore {
  readonly #kv: KVNamespace;

  constructor(kv: KVNamespace) {
    this.#kv = kv;
  }

  async get(id: string): Promise<CredentialRecord | null> {
    const value = await this.#kv.get(CREDENTIAL_PREFIX + id, "json");
    return value === null ? null : credentialRecordSchema.parse(value);
  }

  async list(): Promise<CredentialRecord[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#kv.list({ prefix: CREDENTIAL_PREFIX, limit: LIST_PAGE_SIZE, cursor });
      ids.push(...page.keys.map((key) => key.name.slice(CREDENTIAL_PREFIX.length)));
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor !== undefined);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records
      .filter((record): record is CredentialRecord => record !== null)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async put(record: CredentialRecord): Promise<void> {
    await this.#kv.put(CREDENTIAL_PREFIX + record.id, JSON.stringify(record));
  }

  async delete(id: string): Promise<void> {
    await this.#kv.delete(CREDENTIAL_PREFIX + id);
  }
}
