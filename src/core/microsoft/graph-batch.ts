/**
 * JSON batching (https://learn.microsoft.com/graph/json-batching): up to 20 requests in one
 * `POST /$batch`, each answered on its own, in any order. Microsoft documents two answers to throttled
 * items (docs/microsoft.md, "Throttled batches"): a 200 whose items carry 429 and their own
 * `Retry-After`, or a failed batch (424 Failed Dependency); edgepost takes both, and a batch refused as a
 * whole (424, 429, 503, 504, no answer) leaves every item failed and retryable, never final.
 * @module
 */
import * as z from "../zod.ts";
import { GraphError, OUTLOOK_CONCURRENT_REQUESTS, parseGraphBody } from "./graph-client.ts";
import type { GraphClient } from "./graph-client.ts";

/** Graph's limit of requests per `$batch`. */
export const BATCH_LIMIT = 20;

export interface BatchItem {
  method: "GET" | "PATCH" | "POST";
  /** Relative to the version root: `/me/messages/{id}`. */
  url: string;
  body?: unknown;
}

export interface BatchResult {
  /** The item's status, or the whole batch's when Graph refused it as one. */
  status: number;
  /** Seconds Graph asked to wait before this item is sent again, when it said. */
  retryAfterSeconds: number | null;
  body: unknown;
}

const batchResponseSchema = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().check(z.int()),
      headers: z.optional(z.record(z.string(), z.string())),
      body: z.optional(z.unknown()),
    }),
  ),
});

/** Statuses after which an item (or the whole batch) is worth sending again later. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 424 || status === 429 || status >= 500;
}

/** Sends up to 20 items in one `$batch`; the results are in the items' order. */
export async function sendBatch(
  graph: GraphClient,
  items: readonly BatchItem[],
  options: { prefer?: string } = {},
): Promise<BatchResult[]> {
  if (items.length === 0) {
    return [];
  }
  if (items.length > BATCH_LIMIT) {
    throw new RangeError(`a $batch takes at most ${BATCH_LIMIT} requests, not ${items.length}`);
  }
  const requests = items.map((item, index) => ({
    id: String(index),
    method: item.method,
    url: item.url,
    headers: {
      ...(item.body === undefined ? {} : { "content-type": "application/json" }),
      ...(options.prefer === undefined ? {} : { prefer: options.prefer }),
    },
    ...(item.body === undefined ? {} : { body: item.body }),
  }));
  let body: unknown;
  try {
    body = (
      await graph.request({
        method: "POST",
        path: "/$batch",
        body: { requests },
        // Every item here may be sent twice (reads, mark read, move), so an unknown outcome is retryable.
        repeatable: true,
        weight: OUTLOOK_CONCURRENT_REQUESTS,
      })
    ).body;
  } catch (error) {
    if (error instanceof GraphError && isRetryableStatus(error.status)) {
      return items.map(() => ({ status: error.status, retryAfterSeconds: error.retryAfterSeconds, body: undefined }));
    }
    throw error;
  }
  const byId = new Map(parseGraphBody(batchResponseSchema, body, "a $batch").responses.map((item) => [item.id, item]));
  return items.map((_, index) => {
    const answer = byId.get(String(index));
    if (answer === undefined) {
      // An item Graph left out is not known to have happened: treat it as a passing failure.
      return { status: 0, retryAfterSeconds: null, body: undefined };
    }
    const retryAfter = answer.headers?.["Retry-After"] ?? answer.headers?.["retry-after"];
    const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
    return { status: answer.status, retryAfterSeconds: Number.isFinite(seconds) ? seconds : null, body: answer.body };
  });
}

/** Rounds of sending retryable items again inside one call. */
const RETRY_ROUNDS = 3;
/** Longest `Retry-After` waited for here; past it the caller decides. */
const MAX_RETRY_WAIT_SECONDS = 30;

/**
 * `sendBatch`, sending the items Graph throttled or failed in passing again after the longest
 * `Retry-After` they carried (a few rounds); what still fails comes back with its status.
 */
export async function sendBatchRetrying(
  graph: GraphClient,
  items: readonly BatchItem[],
  options: { prefer?: string; sleep: (ms: number) => Promise<void> },
): Promise<BatchResult[]> {
  const results = await sendBatch(graph, items, options);
  for (let round = 1; round < RETRY_ROUNDS; round++) {
    const again = results.flatMap((result, index) => (isRetryableStatus(result.status) ? [index] : []));
    const wait = Math.max(1, ...again.map((index) => results[index]?.retryAfterSeconds ?? 1));
    if (again.length === 0 || wait > MAX_RETRY_WAIT_SECONDS) {
      break;
    }
    await options.sleep(wait * 1000);
    const retried = await sendBatch(
      graph,
      again.map((index) => items[index] as BatchItem),
      options,
    );
    for (const [position, index] of again.entries()) {
      results[index] = retried[position] as BatchResult;
    }
  }
  return results;
}
