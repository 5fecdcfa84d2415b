/**
 * A handler as the API, the pages and the directory show it: its settings, its status (the core's
 * `handlerStatus`), when it last ran and what it needs, from its stored row, counts and push state.
 * @module
 */
import { handlerStatus } from "../../core/handlers/handler-status.ts";
import { storedConfig } from "./handler-tables.ts";
import type { FixPlace } from "../../core/advice.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { RunOutcomeKind } from "../../core/handlers/run-verdict.ts";
import type { PushStatus } from "../../core/push/push-rules.ts";
import type { HandlerRow, MessageCounts } from "./handler-tables.ts";

export function handlerView(row: HandlerRow, counts: MessageCounts, pushStatus: PushStatus): HandlerView {
  const config = storedConfig(row);
  return {
    id: row.id,
    ...config,
    webhookTokenSet: row.webhook_token !== null,
    status: handlerStatus({
      enabled: config.enabled,
      lastRunAt: row.last_run_at,
      lastOutcome: row.last_outcome as RunOutcomeKind | null,
      lastError: row.last_error,
      pending: counts.pending,
      deadLettered: counts.deadLettered,
    }),
    lastRunAt: isoOrNull(row.last_run_at),
    lastSuccessAt: isoOrNull(row.last_success_at),
    lastError: row.last_error,
    lastErrorWhere: row.last_error === null ? null : (row.last_error_where as FixPlace | null),
    counts,
    pushStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
