/**
 * Reading a folder's changes through Graph's delta query (https://learn.microsoft.com/graph/api/message-delta).
 * Graph encodes the first request's query into every link it hands back, so the position is stored
 * with a hash of that query: when edgepost asks for other properties, the delta starts over (nothing
 * is posted twice: every message seen is remembered). Pages with full bodies can make Graph time out
 * (504), so the page size starts at what Graph serves for others, halves after a 504 or a timeout and
 * grows back slowly (docs/microsoft.md, "Large delta pages time out").
 * @module
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
import * as z from "../zod.ts";
import { MESSAGE_SELECT } from "../mail/graph-message.ts";
import { mailboxPath } from "../mail/folder-lookup.ts";
import { GraphError, parseGraphBody } from "../microsoft/graph-client.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";
import type { DeltaPaging } from "./store.ts";

/** The most messages a delta page asks for (alcionai/corso reads 200; Graph documents no maximum). */
export const DELTA_PAGE_SIZE_MAX = 200;
const DELTA_PAGE_SIZE_MIN = 10;
/** Pages served in a row before the size grows again, so a size near Graph's limit is not retried at once. */
const PAGES_BEFORE_GROWING = 5;
const GROWTH = 1.5;
/** A delta page with bodies may take Graph a while; longer than the default Microsoft timeout. */
const DELTA_TIMEOUT_MS = 30_000;
/** Headers on every Graph request of a handler: immutable ids, which survive moves between folders. */
export const IMMUTABLE_IDS = 'IdType="ImmutableId"';
const SYNC_STATE_GONE = new Set(["syncstatenotfound", "resyncrequired", "syncstateinvalid"]);

const deltaPageSchema = z.object({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.optional(z.string()),
  "@odata.deltaLink": z.optional(z.string()),
});

export interface DeltaPage {
  /** The raw items, each parsed on its own so one odd item does not spoil the page. */
  items: unknown[];
  /** Where the round continues, when it does. */
  nextLink: string | null;
  /** Where the next round starts, on the round's last page. */
  deltaLink: string | null;
}

export interface DeltaQuery {
  initialLink: string;
  queryHash: string;
}

/** The first request of a round for a folder, and the hash that binds stored links to it. */
export async function deltaQuery(folder: { mailbox: string; folderId: string }): Promise<DeltaQuery> {
  const initialLink = `${mailboxPath(folder.mailbox)}/mailFolders/${encodeURIComponent(folder.folderId)}/messages/delta?$select=${MESSAGE_SELECT.join(",")}`;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(initialLink));
  return { initialLink, queryHash: encodeHexLowerCase(new Uint8Array(digest)).slice(0, 32) };
}

export const INITIAL_PAGING: DeltaPaging = { size: DELTA_PAGE_SIZE_MAX, streak: 0 };

/** Graph no longer knows the round's state: the delta must start over. */
export function isSyncStateGone(error: unknown): boolean {
  return error instanceof GraphError && (error.status === 410 || SYNC_STATE_GONE.has(error.code.toLowerCase()));
}

/**
 * Reads one page at the current page size, shrinking it (and asking again) while Graph times out.
 * Every change of the paging is handed to `remember`, so a run that fails still keeps what it learnt.
 */
export async function readDeltaPage(
  graph: GraphClient,
  link: string,
  options: { paging: DeltaPaging; remember: (paging: DeltaPaging) => void },
): Promise<DeltaPage> {
  let { size, streak } = options.paging;
  for (;;) {
    try {
      const response = await graph.request({
        method: "GET",
        path: link,
        headers: { prefer: `${IMMUTABLE_IDS}, odata.maxpagesize=${size}` },
        // A 504 is answered by a smaller page, not by asking for the same one again.
        retriedStatuses: [429, 503],
        timeoutMs: DELTA_TIMEOUT_MS,
      });
      const body = parseGraphBody(deltaPageSchema, response.body, "a delta page");
      streak++;
      if (streak >= PAGES_BEFORE_GROWING && size < DELTA_PAGE_SIZE_MAX) {
        size = Math.min(DELTA_PAGE_SIZE_MAX, Math.ceil(size * GROWTH));
        streak = 0;
      }
      options.remember({ size, streak });
      return {
        items: body.value,
        nextLink: body["@odata.nextLink"] ?? null,
        deltaLink: body["@odata.deltaLink"] ?? null,
      };
    } catch (error) {
      const timedOut = error instanceof GraphError && (error.status === 504 || error.code === "timeout");
      if (!timedOut || size <= DELTA_PAGE_SIZE_MIN) {
        throw error;
      }
      size = Math.max(DELTA_PAGE_SIZE_MIN, Math.floor(size / 2));
      streak = 0;
      options.remember({ size, streak });
    }
  }
}
