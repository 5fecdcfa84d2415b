/**
 * Who may come in: API keys, admin page sessions and the count of wrong tokens per client, kept in
 * Durable Object storage because each must be strongly consistent: a deleted key or a signed-out
 * session stops working at once, everywhere, and failed attempts from one client are counted
 * wherever they arrive. Instances are named by what they hold (`stores/access.ts`).
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { AccessTables } from "./access-tables.ts";
import { OBJECT_CLOCK } from "./object-clock.ts";
import type { ApiKeyView } from "../../core/access/api-keys.ts";
import type { PagePosition } from "../../core/pagination.ts";
import type { Clock } from "../../core/ports.ts";
import type { Env } from "../env.ts";
import type { SessionLimits } from "./access-tables.ts";

export interface AttemptVerdict {
  limited: boolean;
  /** Seconds until the client may fail once more without being limited. */
  retryAfterSeconds: number;
}

export class AccessObject extends DurableObject<Env> {
  [OBJECT_CLOCK]: Clock = SYSTEM_CLOCK;
  readonly #tables: AccessTables;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tables = new AccessTables(ctx.storage.sql);
  }

  createKey(key: { id: string; name: string; scopes: string[]; hash: string }): ApiKeyView {
    return this.#tables.insertKey({ ...key, createdAt: new Date(this[OBJECT_CLOCK].now()).toISOString() });
  }

  listKeys(options: { limit: number; after: PagePosition | null }): ApiKeyView[] {
    return this.#tables.listKeys(options);
  }

  deleteKey(id: string): boolean {
    return this.#tables.deleteKey(id);
  }

  useKey(hash: string): ApiKeyView | null {
    return this.#tables.useKey(hash, this[OBJECT_CLOCK].now());
  }

  createSession(idHash: string, tokenTag: string, limits: SessionLimits): void {
    this.#tables.createSession(idHash, tokenTag, { now: this[OBJECT_CLOCK].now(), limits });
  }

  touchSession(idHash: string, tokenTag: string, limits: SessionLimits): boolean {
    return this.#tables.touchSession(idHash, tokenTag, { now: this[OBJECT_CLOCK].now(), limits });
  }

  revokeSession(idHash: string): void {
    this.#tables.revokeSession(idHash);
  }

  /** Counts a wrong token from `client`; past `limit` in `windowMs` the client is limited. */
  recordFailedAttempt(client: string, budget: { limit: number; windowMs: number }): AttemptVerdict {
    const now = this[OBJECT_CLOCK].now();
    const { count, oldestAt } = this.#tables.recordFailure(client, { now, windowMs: budget.windowMs });
    return {
      limited: count > budget.limit,
      retryAfterSeconds: Math.max(1, Math.ceil((oldestAt + budget.windowMs - now) / 1000)),
    };
  }
}
