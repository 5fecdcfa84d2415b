/**
 * The attachments of the messages a run admits, for their webhook payloads: file attachments with
 * their bytes while they fit in the handler's per-message budget, everything else listed without
 * bytes. Listings and downloads go through `$batch` (20 requests each), and downloads are planned from
 * the listed sizes so that one batch's answer stays under a byte budget and the bytes held at once stay
 * bounded: messages are handed back one by one as soon as their attachments are in, so the caller can
 * store each payload and let the bytes go.
 * @module
 */
import * as z from "../zod.ts";
import { BATCH_LIMIT, isRetryableStatus, sendBatchRetrying } from "../microsoft/graph-batch.ts";
import { parseGraphBody } from "../microsoft/graph-client.ts";
import type { PayloadAttachment } from "../jira/payload.ts";
import type { BatchItem, BatchResult } from "../microsoft/graph-batch.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";

/** Base64 answers of one download batch stay under this; a larger attachment is fetched on its own. */
const DOWNLOAD_BATCH_BYTES = 4 * 1024 * 1024;
/** Raw attachment bytes planned per round (at least one message); bounds what a run holds at once. */
const ROUND_BYTES = 8 * 1024 * 1024;
const BASE64_GROWTH = 4 / 3;

const listingSchema = z.object({
  value: z.array(
    z.object({
      "@odata.type": z.optional(z.string()),
      id: z.string().check(z.minLength(1)),
      name: z.nullish(z.string()),
      contentType: z.nullish(z.string()),
      size: z.nullish(z.number()),
      isInline: z.nullish(z.boolean()),
    }),
  ),
  "@odata.nextLink": z.optional(z.string()),
});

const fileSchema = z.object({ contentBytes: z.nullish(z.string()), contentId: z.nullish(z.string()) });

type Listed = z.output<typeof listingSchema>["value"][number];

export interface AttachmentRequest {
  messageId: string;
  /** The handler's `maxAttachmentBytes`: bytes included per message. */
  maxBytes: number;
}

/** One message's attachments, or why they could not be read now (the message waits for a later run). */
export type AttachmentResult =
  | { messageId: string; ok: true; attachments: PayloadAttachment[] }
  | { messageId: string; ok: false; status: number; retryAfterSeconds: number | null };

interface Planned {
  messageId: string;
  listed: Listed[];
  /** Ids of the file attachments whose bytes fit the message's budget. */
  wanted: Set<string>;
}

/**
 * Reads the attachments of `requests` (messages of the mailbox at `mailboxPath`), yielding each
 * message's result as soon as it is complete.
 */
export async function* readAttachments(
  graph: GraphClient,
  mailboxPath: string,
  requests: readonly AttachmentRequest[],
  options: { prefer?: string; sleep: (ms: number) => Promise<void> },
): AsyncGenerator<AttachmentResult> {
  const messagePath = (id: string): string => `${mailboxPath}/messages/${encodeURIComponent(id)}`;
  const planned: Planned[] = [];
  for (const chunk of chunks(requests, BATCH_LIMIT)) {
    const results = await sendBatchRetrying(
      graph,
      chunk.map((request) => ({
        method: "GET",
        url: `${messagePath(request.messageId)}/attachments?$select=id,name,contentType,size,isInline`,
      })),
      options,
    );
    for (const [index, request] of chunk.entries()) {
      const result = results[index] as BatchResult;
      if (result.status === 404) {
        // The message went away since the delta saw it: post it without attachments.
        yield { messageId: request.messageId, ok: true, attachments: [] };
      } else if (result.status < 200 || result.status >= 300) {
        yield {
          messageId: request.messageId,
          ok: false,
          status: result.status,
          retryAfterSeconds: result.retryAfterSeconds,
        };
      } else {
        const listed = await completeListing(graph, parseGraphBody(listingSchema, result.body, "an attachment list"));
        planned.push({ messageId: request.messageId, listed, wanted: wantedFiles(listed, request.maxBytes) });
      }
    }
  }
  for (const round of rounds(planned)) {
    const downloads = await download(graph, round, messagePath, options);
    for (const message of round) {
      yield assemble(message, downloads);
    }
  }
}

/** Follows the rare listing that spans pages. */
async function completeListing(graph: GraphClient, first: z.output<typeof listingSchema>): Promise<Listed[]> {
  const listed = [...first.value];
  let link = first["@odata.nextLink"];
  while (link !== undefined) {
    const page = await graph.getParsed(link, listingSchema, "an attachment list");
    listed.push(...page.value);
    link = page["@odata.nextLink"];
  }
  return listed;
}

function isFile(item: Listed): boolean {
  return item["@odata.type"] === "#microsoft.graph.fileAttachment";
}

/** File attachments whose bytes fit the per-message budget, in listing order. */
function wantedFiles(listed: readonly Listed[], maxBytes: number): Set<string> {
  const wanted = new Set<string>();
  let budget = maxBytes;
  for (const item of listed) {
    const size = item.size ?? 0;
    if (isFile(item) && size <= budget) {
      wanted.add(item.id);
      budget -= size;
    }
  }
  return wanted;
}

function wantedBytes(message: Planned): number {
  return message.listed.filter((item) => message.wanted.has(item.id)).reduce((sum, item) => sum + (item.size ?? 0), 0);
}

/** Groups messages so that each round plans at most `ROUND_BYTES` (and at least one message). */
function* rounds(planned: readonly Planned[]): Generator<Planned[]> {
  let round: Planned[] = [];
  let bytes = 0;
  for (const message of planned) {
    const size = wantedBytes(message);
    if (round.length > 0 && bytes + size > ROUND_BYTES) {
      yield round;
      round = [];
      bytes = 0;
    }
    round.push(message);
    bytes += size;
  }
  if (round.length > 0) {
    yield round;
  }
}

type Download =
  | { ok: true; contentBytes: string; contentId: string | null }
  | { ok: false; status: number; retryAfterSeconds: number | null };

/** Downloads a round's wanted files, in batches of at most 20 whose answers fit `DOWNLOAD_BATCH_BYTES`. */
async function download(
  graph: GraphClient,
  round: readonly Planned[],
  messagePath: (id: string) => string,
  options: { prefer?: string; sleep: (ms: number) => Promise<void> },
): Promise<Map<string, Download>> {
  const files = round.flatMap((message) =>
    message.listed
      .filter((item) => message.wanted.has(item.id))
      .map((item) => ({ key: `${message.messageId}/${item.id}`, messageId: message.messageId, item })),
  );
  const downloads = new Map<string, Download>();
  let batch: typeof files = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    const items: BatchItem[] = batch.map((file) => ({
      method: "GET",
      url: `${messagePath(file.messageId)}/attachments/${encodeURIComponent(file.item.id)}`,
    }));
    const results = await sendBatchRetrying(graph, items, options);
    for (const [index, file] of batch.entries()) {
      const result = results[index] as BatchResult;
      if (result.status >= 200 && result.status < 300) {
        const body = parseGraphBody(fileSchema, result.body, "an attachment");
        downloads.set(file.key, { ok: true, contentBytes: body.contentBytes ?? "", contentId: body.contentId ?? null });
      } else {
        downloads.set(file.key, { ok: false, status: result.status, retryAfterSeconds: result.retryAfterSeconds });
      }
    }
    batch = [];
    bytes = 0;
  };
  for (const file of files) {
    const size = (file.item.size ?? 0) * BASE64_GROWTH;
    if (batch.length > 0 && (batch.length === BATCH_LIMIT || bytes + size > DOWNLOAD_BATCH_BYTES)) {
      await flush();
    }
    batch.push(file);
    bytes += size;
  }
  if (batch.length > 0) {
    await flush();
  }
  return downloads;
}

function assemble(message: Planned, downloads: ReadonlyMap<string, Download>): AttachmentResult {
  const attachments: PayloadAttachment[] = [];
  for (const item of message.listed) {
    const base = {
      name: item.name ?? "",
      contentType: item.contentType ?? null,
      size: item.size ?? 0,
      isInline: item.isInline === true,
      contentId: null,
    };
    if (!isFile(item)) {
      attachments.push({ ...base, omitted: "not_a_file" });
      continue;
    }
    if (!message.wanted.has(item.id)) {
      attachments.push({ ...base, omitted: "too_large" });
      continue;
    }
    const file = downloads.get(`${message.messageId}/${item.id}`);
    if (file === undefined || !file.ok) {
      if (file !== undefined && file.status !== 404 && isRetryableStatus(file.status)) {
        return {
          messageId: message.messageId,
          ok: false,
          status: file.status,
          retryAfterSeconds: file.retryAfterSeconds,
        };
      }
      // Gone or refused for good: listed without bytes rather than holding the message back forever.
      attachments.push({ ...base, omitted: "unavailable" });
      continue;
    }
    attachments.push({ ...base, contentId: file.contentId, contentBase64: file.contentBytes });
  }
  return { messageId: message.messageId, ok: true, attachments };
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) {
    yield items.slice(start, start + size);
  }
}

/** Whether a message may carry attachments: Graph's `hasAttachments` is false when all are inline. */
export function mayHaveAttachments(message: { hasAttachments: boolean; bodyHtml: string | null }): boolean {
  return message.hasAttachments || /\bcid:/i.test(message.bodyHtml ?? "");
}
